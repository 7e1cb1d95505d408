/**
 * The in-memory live index: the last valid position of every terminal, beside the registry's
 * static resources, for the map and the API. A sink like the others, so it sees exactly what
 * was published. (The tiled map index of the map issue will replace this flat one.)
 *
 * Registered terminals are bounded by the registry; the others by unregistered.ts (expiry and
 * a cap, map.maxUnregistered / map.unregisteredGraceMs).
 */
import type { MapSettings } from '../settings.js';
import type { MapMetrics } from '../metrics.js';
import type { MapCallback } from '../service.js';
import type { GatewayEvent, Position } from '../../events/model.js';
import type { EventSink } from '../../events/sink.js';
import { UnregisteredTerminals } from './unregistered.js';

export interface LiveIndexOptions {
  /** is this terminal in the device registry? (default: none is) */
  registered?: (terminal: string) => boolean;
  /** unregistered terminals held at most (map.maxUnregistered) */
  maxUnregistered?: number;
  /** an unregistered terminal not heard from for this long is dropped (map.offlineAfterMs + map.unregisteredGraceMs) */
  expireAfterMs?: number;
}

/** How often expired entries are dropped. */
const SWEEP_MS = 1000;

export class LiveIndex implements EventSink {
  readonly name = 'live-index';
  private readonly last = new Map<string, Position>();
  private readonly registered: (terminal: string) => boolean;
  readonly unregistered: UnregisteredTerminals;
  private metrics: MapMetrics | undefined;
  private report_: ((where: MapCallback, error: unknown) => void) | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(options: LiveIndexOptions = {}) {
    this.registered = options.registered ?? (() => false);
    this.unregistered = new UnregisteredTerminals({ max: options.maxUnregistered ?? 50_000, expireAfterMs: options.expireAfterMs ?? 960_000 });
    this.timer = setInterval(() => {
      try {
        this.sweep();
      } catch (e) {
        // a timer callback: what it throws must not end the process
        if (!this.report_) throw e;
        this.report_('live-sweep', e);
      }
    }, SWEEP_MS);
    this.timer.unref();
  }

  /** Registered terminals bounded by the registry, the others by map.maxUnregistered and expiry. */
  static bounded(map: Pick<MapSettings, 'maxUnregistered' | 'offlineAfterMs' | 'unregisteredGraceMs'>, registry: { lookup(terminal: string): unknown }): LiveIndex {
    return new LiveIndex({ registered: (t) => registry.lookup(t) !== undefined, maxUnregistered: map.maxUnregistered, expireAfterMs: map.offlineAfterMs + map.unregisteredGraceMs });
  }

  /** Entry gauges and eviction counters go to these metrics. */
  observe(metrics: MapMetrics, report?: (where: MapCallback, error: unknown) => void): void {
    this.metrics = metrics;
    this.report_ = report;
    this.report();
  }

  async publish(events: readonly GatewayEvent[]): Promise<void> {
    for (const e of events) {
      if (e.kind !== 'position' || !e.position.valid || e.position.backfill) continue;
      const terminal = e.position.terminal;
      const before = this.last.get(terminal);
      // out-of-order arrivals (a late frame) never move a terminal back in time
      if (before?.time && e.position.time && before.time > e.position.time) continue;
      if (!this.registered(terminal)) {
        const dropped = this.unregistered.touch(terminal, Date.parse(e.position.receivedAt) || Date.now());
        if (dropped !== undefined) {
          this.last.delete(dropped);
          this.metrics?.liveEvictions.inc({ index: 'positions', reason: 'cap' });
        }
      } else this.unregistered.delete(terminal);
      this.last.set(terminal, e.position);
    }
  }

  /** Drops unregistered terminals not heard from for expireAfterMs. */
  sweep(now = Date.now()): number {
    const n = this.unregistered.expire(now, (t) => this.last.delete(t));
    if (n > 0) this.metrics?.liveEvictions.inc({ index: 'positions', reason: 'expired' }, n);
    this.report();
    return n;
  }

  private report(): void {
    this.metrics?.liveEntries.set({ index: 'positions', kind: 'unregistered' }, this.unregistered.size);
    this.metrics?.liveEntries.set({ index: 'positions', kind: 'registered' }, this.last.size - this.unregistered.size);
  }

  get(terminal: string): Position | undefined {
    return this.last.get(terminal);
  }

  positions(): Position[] {
    return [...this.last.values()];
  }

  get size(): number {
    return this.last.size;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
  }
}
