/**
 * The bounded queue between sessions and sinks. Sessions `push` events and get a promise that
 * resolves when every sink has them (or rejects when a sink failed: the terminal is then
 * refused and will send again). Nothing is ever dropped here: past `highWater` queued events
 * the queue reports `full`, sessions pause their sockets, and `drain` fires once the depth is
 * back under `lowWater`.
 *
 * The fan-out list is fixed at construction (pino's "decide once"); batches go to all sinks
 * in parallel, one batch in flight at a time, so events keep their order per sink.
 */
import { EventEmitter } from 'node:events';
import type { GatewayEvent } from '../events/model.js';
import type { EventSink } from '../events/sink.js';

/**
 * Events published together, formed as they are pushed (up to `batch` events; a larger push
 * is a batch of its own). Every push into a batch shares its one promise: the sinks take the
 * batch whole, so all its pushes succeed or fail together.
 */
interface Batch {
  events: GatewayEvent[];
  done: Promise<void>;
  resolve: () => void;
  reject: (e: Error) => void;
}

function openBatch(): Batch {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  // a pusher that stopped listening (its session closed) must not leave an unhandled rejection
  done.catch(() => undefined);
  return { events: [], done, resolve, reject };
}

export interface QueueOptions {
  highWater: number;
  lowWater: number;
  batch: number;
  onError?: (sink: string, error: unknown) => void;
  /** A bug, not a delivery failure: a sink that threw instead of rejecting, or the pump itself. */
  onInternalError?: (error: unknown) => void;
  onDepth?: (depth: number) => void;
}

export class EventQueue extends EventEmitter<{ drain: []; idle: [] }> {
  /** Batches waiting; the first is being filled only while no batch is in flight behind it. */
  private batches: Batch[] = [];
  private queued = 0;
  private running = false;
  private readonly sinks: readonly EventSink[];

  constructor(sinks: readonly EventSink[], private readonly options: QueueOptions) {
    super();
    this.sinks = [...sinks];
  }

  /** Events waiting or being published. */
  get depth(): number {
    return this.queued;
  }

  get full(): boolean {
    return this.queued >= this.options.highWater;
  }

  push(events: readonly GatewayEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    let open = this.batches[this.batches.length - 1];
    if (!open || (open.events.length > 0 && open.events.length + events.length > this.options.batch)) this.batches.push((open = openBatch()));
    for (const e of events) open.events.push(e);
    this.queued += events.length;
    this.options.onDepth?.(this.queued);
    if (!this.running) this.pump().catch((e: unknown) => this.options.onInternalError?.(e));
    return open.done;
  }

  /** Resolves once everything queued so far has been handed to the sinks. */
  async flush(): Promise<void> {
    if (!this.running && this.batches.length === 0) return;
    await new Promise<void>((resolve) => this.once('idle', resolve));
  }

  private async pump(): Promise<void> {
    this.running = true;
    while (this.batches.length > 0) {
      // taken out of the list before the await: what is pushed meanwhile opens the next batch
      const batch = this.batches.shift()!;
      const results = await Promise.allSettled(this.sinks.map((s) => this.publishTo(s, batch.events)));
      let failure: Error | undefined;
      results.forEach((r, i) => {
        if (r.status === 'rejected') {
          failure ??= r.reason instanceof Error ? r.reason : new Error(String(r.reason));
          this.options.onError?.(this.sinks[i]!.name, r.reason);
        }
      });
      this.queued -= batch.events.length;
      this.options.onDepth?.(this.queued);
      if (failure) batch.reject(failure);
      else batch.resolve();
      if (this.queued <= this.options.lowWater) this.emit('drain');
    }
    this.running = false;
    this.emit('idle');
  }

  /** A sink that throws instead of rejecting fails its batch like any failure (and is reported as the bug it is). */
  private publishTo(sink: EventSink, events: readonly GatewayEvent[]): Promise<void> {
    try {
      return sink.publish(events);
    } catch (e) {
      this.options.onInternalError?.(e);
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }
}
