/**
 * Terminals for the chaos scripts: each logs in, reports a 0x0200 every `everyMs` with a
 * device time that identifies the report (base + n seconds), and remembers which reports the
 * gateway acknowledged (result 0). A report not acknowledged within 5 s, or cut by a lost
 * link, is kept and sent again after reconnecting (with its stored auth code, as real
 * terminals do). Acknowledged reports are the ones that must never be lost.
 */
import { TestTerminal, locationBody } from '../../test/gateway/helpers/terminal.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Reporter {
  readonly acked = new Set<number>();
  /** ms timestamps of every acknowledgement (to time recovery). */
  readonly ackTimes: number[] = [];
  reconnects = 0;
  private pending: number[] = [];
  private next = 0;
  private stopped = false;
  private authCode: string | undefined;
  private running: Promise<void> | undefined;

  constructor(
    readonly phone: string,
    private readonly port: () => number,
    private readonly base: number,
    private readonly everyMs: number,
  ) {}

  /** Device time of report `n` (ISO, whole seconds). */
  timeOf(n: number): string {
    return new Date(this.base + n * 1000).toISOString();
  }

  get terminal(): string {
    return this.phone.replace(/^0+/, '');
  }

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    let first = true;
    while (!this.stopped) {
      let t: TestTerminal;
      try {
        t = await TestTerminal.tcp(this.port(), { phone: this.phone });
        if (!first) this.reconnects++;
        first = false;
        if (this.authCode === undefined) this.authCode = (await t.register()).authCode;
        if ((await t.authenticate(this.authCode)) !== 0) throw new Error('auth refused');
      } catch {
        await sleep(300);
        continue;
      }
      while (!this.stopped && !t.closed) {
        const n = this.pending.shift() ?? this.next++;
        const serial = t.send(0x0200, locationBody({ time: this.timeOf(n), lat: 30.5 + n * 1e-5 }));
        try {
          const { result } = await t.ackOf(serial);
          if (result === 0) {
            this.acked.add(n);
            this.ackTimes.push(Date.now());
          } else this.pending.unshift(n);
        } catch {
          // no answer in 5 s: keep it, reconnect, send it again
          this.pending.unshift(n);
          break;
        }
        await sleep(this.everyMs);
      }
      t.close();
    }
  }
}

/** Time from `since` until every reporter had an acknowledgement again (ms), or null. */
export function recoveryMs(reporters: readonly Reporter[], since: number): number | null {
  let worst = 0;
  for (const r of reporters) {
    const first = r.ackTimes.find((t) => t >= since);
    if (first === undefined) return null;
    worst = Math.max(worst, first - since);
  }
  return worst;
}
