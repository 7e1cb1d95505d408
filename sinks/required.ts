/**
 * A sink the terminal's acknowledgement waits for (durable delivery). A failed batch is tried
 * again with doubling waits until the sink takes it, so `publish` resolves only once the
 * events are safe: while the sink is down no location is acknowledged, the queue fills, the
 * sockets pause, and terminals keep their data (retransmitting, then backfilling) until it
 * returns. `abandon()` (shutdown) makes the waiting batch fail instead, answered result 1.
 */
import type { GatewayEvent } from '../events/model.js';
import type { SinkMetrics } from './metrics.js';
import { isPermanent } from '../events/records.js';
import type { EventSink } from '../events/sink.js';
import { Retry } from './retry.js';

export interface RetryOptions {
  firstMs: number;
  maxMs: number;
  onError?: (error: unknown, attempt: number) => void;
}

export class RequiredSink implements EventSink {
  readonly name: string;
  private abandoned = false;
  /** Abandoned and failed since: the sink is down at shutdown, later batches fail at once. */
  private dead: unknown;
  private readonly retry: Retry;

  constructor(
    readonly inner: EventSink,
    private readonly options: RetryOptions,
    private readonly metrics?: SinkMetrics,
  ) {
    this.name = inner.name;
    this.retry = new Retry(options.firstMs, options.maxMs);
  }

  async publish(events: readonly GatewayEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (this.dead !== undefined) throw this.dead;
    const stop = this.metrics?.latency.startTimer({ sink: this.name });
    let held = false;
    try {
      await this.retry.run(
        () => this.inner.publish(events),
        (error, attempt) => {
          this.metrics?.failures.inc({ sink: this.name });
          this.options.onError?.(error, attempt);
          if (this.abandoned) throw (this.dead = error);
          // refused for good (HTTP 4xx): the terminal is answered result 1, not held forever
          if (isPermanent(error)) throw error;
          if (!held) this.metrics?.held.inc({ sink: this.name }, events.length);
          held = true;
          this.metrics?.retries.inc({ sink: this.name });
        },
      );
      stop?.();
    } finally {
      if (held) this.metrics?.held.dec({ sink: this.name }, events.length);
    }
  }

  /** Stop retrying: the batch in hand (and any later failure) is reported failed. */
  abandon(): void {
    this.abandoned = true;
    this.retry.wake();
  }

  async close(): Promise<void> {
    this.abandon();
    await this.inner.close();
  }
}
