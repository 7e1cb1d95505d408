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
import type { GatewayEvent } from '../normalise/events.js';
import type { EventSink } from './sink.js';

interface Item {
  events: readonly GatewayEvent[];
  resolve: () => void;
  reject: (e: Error) => void;
}

export interface QueueOptions {
  highWater: number;
  lowWater: number;
  batch: number;
  onError?: (sink: string, error: unknown) => void;
  onDepth?: (depth: number) => void;
}

export class EventQueue extends EventEmitter<{ drain: []; idle: [] }> {
  private items: Item[] = [];
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
    return new Promise<void>((resolve, reject) => {
      this.items.push({ events, resolve, reject });
      this.queued += events.length;
      this.options.onDepth?.(this.queued);
      if (!this.running) void this.pump();
    });
  }

  /** Resolves once everything queued so far has been handed to the sinks. */
  async flush(): Promise<void> {
    if (!this.running && this.items.length === 0) return;
    await new Promise<void>((resolve) => this.once('idle', resolve));
  }

  private async pump(): Promise<void> {
    this.running = true;
    while (this.items.length > 0) {
      const take: Item[] = [];
      let n = 0;
      while (this.items.length > 0 && (take.length === 0 || n + this.items[0]!.events.length <= this.options.batch)) {
        const item = this.items.shift()!;
        take.push(item);
        n += item.events.length;
      }
      const batch = take.length === 1 ? take[0]!.events : take.flatMap((i) => i.events);
      const results = await Promise.allSettled(this.sinks.map((s) => s.publish(batch)));
      let failure: Error | undefined;
      results.forEach((r, i) => {
        if (r.status === 'rejected') {
          failure ??= r.reason instanceof Error ? r.reason : new Error(String(r.reason));
          this.options.onError?.(this.sinks[i]!.name, r.reason);
        }
      });
      this.queued -= n;
      this.options.onDepth?.(this.queued);
      for (const item of take) {
        if (failure) item.reject(failure);
        else item.resolve();
      }
      if (this.queued <= this.options.lowWater) this.emit('drain');
    }
    this.running = false;
    this.emit('idle');
  }
}
