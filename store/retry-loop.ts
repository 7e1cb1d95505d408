/**
 * The loop the database writers share (incident-writer.ts, media-writer.ts): what arrives is
 * held in memory by the writer, `kick` starts one drain at a time, and a drain that fails
 * (the database away) is tried again after a delay doubling from `retryMs` to `maxRetryMs`.
 * The first failure and the recovery are told once each (`health`), so an outage is logged
 * once, not per retry. A subclass holds what is pending (`depth`) and writes it (`drain`),
 * calling `failed` and returning when a write fails, `recovered` when one succeeds.
 */
export interface RetryOptions {
  /** first retry delay; doubles up to maxRetryMs */
  retryMs: number;
  maxRetryMs: number;
}

export abstract class RetryLoop {
  private running: Promise<void> | undefined;
  private delay: number;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private closed = false;

  constructor(
    private readonly retry: RetryOptions,
    /** the database failed a write (retrying) or came back (err undefined) */
    private readonly health: (err: Error | undefined) => void,
  ) {
    this.delay = retry.retryMs;
  }

  /** entries waiting to be written (those being written included) */
  abstract get depth(): number;

  /** Writes until nothing is pending, or until a write fails (then `failed` and return). */
  protected abstract drain(): Promise<void>;

  /** waits until nothing is pending or the database fails; then stops retrying */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    if (this.depth > 0 && !this.failing) await this.drain();
  }

  /** Something arrived: start a drain unless one is running or waiting to retry. */
  protected kick(): void {
    if (this.running || this.timer || this.closed) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.depth > 0 && !this.closed) {
        // failed: back off; otherwise more arrived while writing
        const wait = this.failing ? this.delay : 0;
        if (this.failing) this.delay = Math.min(this.delay * 2, this.retry.maxRetryMs);
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.kick();
        }, wait);
        this.timer.unref?.();
      }
    });
  }

  protected failed(e: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.health(e instanceof Error ? e : new Error(String(e)));
  }

  protected recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.delay = this.retry.retryMs;
    this.health(undefined);
  }
}
