/**
 * Linger-and-size batching in front of a client that has none (kafkajs sends what it is
 * given): publishes that arrive within `lingerMs` go out as one request of up to `size`
 * events, each caller's promise settling with the request that carried its events. One request
 * is in flight at a time, so order is kept.
 */
export class Batcher<T> {
  private pending: { items: readonly T[]; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;

  constructor(
    private readonly send: (items: T[]) => Promise<void>,
    private readonly size: number,
    private readonly lingerMs: number,
  ) {}

  add(items: readonly T[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ items, resolve, reject });
      this.count += items.length;
      if (this.count >= this.size || this.lingerMs === 0) this.kick();
      else this.timer ??= setTimeout(() => this.kick(), this.lingerMs);
    });
  }

  private kick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.sending ??= this.drain().finally(() => (this.sending = undefined));
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const take: typeof this.pending = [];
      let n = 0;
      while (this.pending.length > 0 && (take.length === 0 || n + this.pending[0]!.items.length <= this.size)) {
        const p = this.pending.shift()!;
        take.push(p);
        n += p.items.length;
      }
      this.count -= n;
      try {
        await this.send(take.flatMap((p) => p.items));
        for (const p of take) p.resolve();
      } catch (e) {
        for (const p of take) p.reject(e);
      }
    }
  }

  async flush(): Promise<void> {
    if (this.pending.length > 0) this.kick();
    while (this.sending) await this.sending;
  }
}
