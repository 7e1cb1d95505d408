/**
 * The sinks' one retry mechanism: try; after a failure, wait (doubling from firstMs up to
 * maxMs) and try again, until a try succeeds or `onFailure` throws (it decides: give up on a
 * permanent refusal or at shutdown, count the retry otherwise). `wake()` ends every current
 * wait at once, so shutdown does not sit out a long backoff.
 */
export class Retry {
  private readonly sleepers = new Set<() => void>();

  constructor(
    private readonly firstMs: number,
    private readonly maxMs: number,
  ) {}

  async run<T>(attempt: () => Promise<T>, onFailure: (error: unknown, attempt: number) => void): Promise<T> {
    let wait = this.firstMs;
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        onFailure(error, n);
        await this.sleep(wait);
        wait = Math.min(wait * 2, this.maxMs);
      }
    }
  }

  /** Ends the current waits now; their loops try again (or give up, as onFailure decides). */
  wake(): void {
    for (const done of this.sleepers) done();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }
}
