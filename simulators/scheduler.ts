/**
 * The report clock: every `burst` intervals (an interval in real time is intervalS/speedup)
 * it runs that many ticks back to back, so that a burst leaves in one write. It parks while
 * the terminal is busy logging in and runs on once resumed, so how fast the gateway answers
 * never changes what is sent at which tick. Timers only: what a tick does is the caller's.
 */
export interface ClockHooks {
  /** True while a login is under way: the clock parks instead of ticking. */
  busy(): boolean;
  /** `dueMs`: when this tick was due on the wall clock (a burst's earlier ticks were due earlier). */
  tick(dueMs: number): void;
}

export class ReportClock {
  private timer: NodeJS.Timeout | undefined;
  private parked = false;
  private stopped = false;

  constructor(
    private readonly periodMs: number,
    private readonly burst: number,
    private readonly hooks: ClockHooks,
  ) {}

  /** After `delayMs`, calls `first` and starts ticking. */
  start(delayMs: number, first: () => void): void {
    this.timer = setTimeout(() => {
      first();
      this.schedule();
    }, delayMs);
  }

  /** Restarts a clock parked during a login. */
  resume(): void {
    if (!this.parked) return;
    this.parked = false;
    this.schedule();
  }

  /** For good (a tick may call it: the rest of its burst is not run). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      if (this.hooks.busy()) {
        this.parked = true;
        return;
      }
      const now = Date.now();
      for (let i = 0; i < this.burst && !this.stopped; i++) this.hooks.tick(now - (this.burst - 1 - i) * this.periodMs);
      this.schedule();
    }, this.periodMs * this.burst);
  }
}
