/**
 * A sink the acknowledgement does not wait for (fast delivery, or a sink left out of
 * `delivery.required`). `publish` only appends to a bounded backlog and resolves; a pump
 * hands the backlog to the real sink in batches, in order, retrying a failed batch with
 * doubling waits. While the sink is down the backlog grows to `limit` events, then the oldest
 * are dropped and counted (dipper_sink_dropped_events_total): memory stays bounded, and
 * everything flows again when the sink returns. A batch refused for good (HTTP 4xx) is dropped
 * and counted rather than retried forever.
 */
import type { GatewayEvent } from '../events/model.js';
import type { SinkMetrics } from './metrics.js';
import { isPermanent } from '../events/records.js';
import type { EventSink } from '../events/sink.js';
import { Retry } from './retry.js';

export interface BacklogOptions {
  limit: number;
  batch: number;
  firstRetryMs: number;
  maxRetryMs: number;
  onError?: (error: unknown) => void;
}

export class BacklogSink implements EventSink {
  readonly name: string;
  private items: GatewayEvent[] = [];
  private head = 0;
  private pumping: Promise<void> | undefined;
  private closing = false;
  private inFlight = false;
  private readonly retry: Retry;
  /** Events dropped because the backlog was full. */
  dropped = 0;

  constructor(
    readonly inner: EventSink,
    private readonly options: BacklogOptions,
    private readonly metrics?: SinkMetrics,
  ) {
    this.name = inner.name;
    this.retry = new Retry(options.firstRetryMs, options.maxRetryMs);
  }

  get size(): number {
    return this.items.length - this.head;
  }

  publish(events: readonly GatewayEvent[]): Promise<void> {
    if (this.closing) return Promise.reject(new Error(`${this.name}: closed`));
    for (const e of events) this.items.push(e);
    const over = this.size - this.options.limit;
    if (over > 0) {
      this.head += over;
      this.dropped += over;
      this.metrics?.dropped.inc({ sink: this.name }, over);
      if (!this.inFlight) this.compact();
    }
    this.metrics?.backlog.set({ sink: this.name }, this.size);
    this.pumping ??= this.pump().finally(() => (this.pumping = undefined));
    return Promise.resolve();
  }

  /** Resolves once the backlog is empty (tests, shutdown). */
  async drained(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  private compact(): void {
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  private async pump(): Promise<void> {
    while (this.size > 0) {
      let from = this.head;
      let batch: GatewayEvent[] = [];
      try {
        await this.retry.run(
          async () => {
            // each try takes the backlog's head again: the oldest may have been dropped meanwhile;
            // indices stay put while a batch is in flight (compact() waits for it)
            from = this.head;
            batch = this.items.slice(from, from + this.options.batch);
            const stop = this.metrics?.latency.startTimer({ sink: this.name });
            this.inFlight = true;
            try {
              await this.inner.publish(batch);
            } catch (error) {
              this.inFlight = false;
              throw error;
            }
            stop?.();
          },
          (error) => {
            this.metrics?.failures.inc({ sink: this.name });
            this.options.onError?.(error);
            if (this.closing || isPermanent(error)) throw error;
            this.metrics?.retries.inc({ sink: this.name });
          },
        );
      } catch {
        if (this.closing) return;
        // refused for good (isPermanent): a batch that would block the backlog forever is dropped, counted
        this.head = Math.max(this.head, from + batch.length);
        this.dropped += batch.length;
        this.metrics?.dropped.inc({ sink: this.name }, batch.length);
        this.metrics?.backlog.set({ sink: this.name }, this.size);
        continue;
      }
      this.inFlight = false;
      // events dropped while this batch was in flight may have moved `head` past some of it
      this.head = Math.max(this.head, from + batch.length);
      this.compact();
      this.metrics?.backlog.set({ sink: this.name }, this.size);
    }
  }

  /** Gives the backlog until `graceMs` to drain, then closes the real sink. */
  async close(graceMs = 5000): Promise<void> {
    const timer = setTimeout(() => {
      this.closing = true;
      this.retry.wake();
    }, graceMs);
    await this.drained();
    clearTimeout(timer);
    this.closing = true;
    await this.inner.close();
  }
}
