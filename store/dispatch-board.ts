/**
 * The dispatch board: which units are engaged (read by the candidate search for every unit it
 * looks at, so a Set in memory, never a query) and whether each sent unit has arrived. It is a
 * sink of the gateway's events: a position of an engaged unit within `arrivalRadiusM` of its
 * target for `arrivalDwellMs` (by the gateway's clock) is an arrival, written off the ingest
 * path. The database is the record: the board is read again from it after every order and
 * every `refreshMs` (orders sent by another gateway on the same PostgreSQL). Its size is bounded
 * by the database's one order per unit.
 */
import type { Dispatch } from '../events/dispatch.js';
import { greatCircleM } from '../events/great-circle.js';
import type { GatewayEvent } from '../events/model.js';
import type { EventSink } from '../events/sink.js';
import type { DispatchRepository } from './dispatches.js';
import type { DispatchSettings } from './settings.js';

interface Log {
  warn(obj: object, msg: string): void;
}

interface Watch {
  order: Dispatch;
  /** the gateway time the unit was first seen within the radius, this time round */
  since?: number;
  writing?: boolean;
}

export class DispatchBoard implements EventSink {
  readonly name = 'dispatch';
  private watches = new Map<string, Watch>();
  private readonly timer: NodeJS.Timeout;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly repo: DispatchRepository,
    readonly settings: DispatchSettings,
    private readonly log: Log,
    private readonly metrics: { engaged: { set(n: number): void }; arrivals: { inc(): void } },
    /** an arrival was recorded (the case may now be onscene) */
    private readonly arrived: (order: Dispatch, caseOnScene: boolean) => void,
  ) {
    this.timer = setInterval(() => void this.reload().catch(() => undefined), settings.refreshMs);
    this.timer.unref();
  }

  /** engaged: sent somewhere and not yet released */
  isEngaged(terminal: string): boolean {
    return this.watches.has(terminal);
  }

  get size(): number {
    return this.watches.size;
  }

  order(terminal: string): Dispatch | undefined {
    return this.watches.get(terminal)?.order;
  }

  /** Reads the engaged units again (coalesced); a unit's dwell in progress is kept. */
  reload(): Promise<void> {
    this.loading ??= this.repo
      .engaged()
      .then((orders) => {
        const next = new Map<string, Watch>();
        for (const order of orders) {
          const had = this.watches.get(order.terminal);
          if (had && had.order.id === order.id) {
            // the same watch object: an arrival being written finishes on it (a copy would keep
            // `writing` set for ever if that write failed, and the arrival would never be retried)
            if (order.arrivedAt !== null || had.order.arrivedAt === null) had.order = order;
            next.set(order.terminal, had);
          } else next.set(order.terminal, { order });
        }
        this.watches = next;
        this.metrics.engaged.set(next.size);
      })
      .finally(() => (this.loading = undefined));
    return this.loading;
  }

  async publish(events: readonly GatewayEvent[]): Promise<void> {
    if (this.watches.size === 0) return;
    for (const e of events) {
      if (e.kind !== 'position' || !e.position.valid) continue;
      const w = this.watches.get(e.position.terminal);
      if (!w || w.order.arrivedAt !== null || w.writing) continue;
      const p = e.position;
      if (greatCircleM(p.lng, p.lat, w.order.location.lng, w.order.location.lat) > this.settings.arrivalRadiusM) {
        w.since = undefined;
        continue;
      }
      const at = Date.parse(p.receivedAt);
      w.since ??= at;
      if (at - w.since >= this.settings.arrivalDwellMs) this.arrive(w, new Date(at));
    }
  }

  private arrive(w: Watch, at: Date): void {
    w.writing = true;
    this.repo
      .arrived(w.order.id, at)
      .then((done) => {
        if (done) {
          w.order = done.dispatch;
          this.metrics.arrivals.inc();
          this.arrived(done.dispatch, done.caseOnScene);
        }
      })
      // the database away: the next position inside the radius tries again
      .catch((err: unknown) => this.log.warn({ err, dispatch: w.order.id }, 'dispatch: the arrival could not be recorded; retried with the next position'))
      .finally(() => (w.writing = false));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
  }
}
