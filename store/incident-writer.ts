/**
 * Alarms into incidents off the ingest path: `raise` returns at once (a report is never answered
 * later because the database is slow); a loop writes what is pending, and while the database is
 * away it retries with backoff, coalescing repeats of one terminal's alarm kind into one pending
 * entry with a count, so an SOS held through an outage is one entry, not thousands.
 *
 * Bound: at most `maxPending` distinct (terminal, kind, org unit) entries wait; past it a new one is
 * refused, counted (`dipper_incident_alarms_total{outcome="refused"}`) and logged once per
 * outage: said, never silent. Nothing is dropped once accepted: `close` drains what it can.
 */
import type { Incident } from '../events/incident.js';
import type { AlarmRaised, IncidentRepository } from './incidents.js';
import { RetryLoop } from './retry-loop.js';
import type { RetryOptions } from './retry-loop.js';

/** alarm episodes written in one transaction at most: one statement for them all, so a burst costs a few round trips */
const BATCH = 500;

export type WriterOutcome = 'opened' | 'joined' | 'refused';

export interface IncidentWriterHooks {
  /** an incident opened or joined, as written (for the stream, Kafka and the map) */
  written(incident: Incident, opened: boolean): void;
  counted(outcome: WriterOutcome, n: number): void;
  /** the database failed a write (retrying) or came back (err undefined) */
  health(err: Error | undefined): void;
}

export interface IncidentWriterOptions extends RetryOptions {
  maxPending: number;
}

export class IncidentWriter extends RetryLoop {
  private readonly pending = new Map<string, AlarmRaised & { count: number }>();

  constructor(
    private readonly repo: IncidentRepository,
    private readonly options: IncidentWriterOptions,
    private readonly hooks: IncidentWriterHooks,
  ) {
    super(options, (err) => hooks.health(err));
  }

  get depth(): number {
    return this.pending.size;
  }

  /** true when accepted (written soon); false when refused at the bound */
  raise(alarm: AlarmRaised): boolean {
    // the org unit too: a unit moved while its alarm waited raises the rest in its new district
    const key = `${alarm.terminal}\u0000${alarm.kind}\u0000${alarm.org}`;
    const held = this.pending.get(key);
    if (held) {
      held.count += alarm.count ?? 1;
      if (alarm.at >= held.at) Object.assign(held, { at: alarm.at, location: alarm.location ?? held.location });
    } else {
      if (this.pending.size >= this.options.maxPending) {
        this.hooks.counted('refused', alarm.count ?? 1);
        return false;
      }
      this.pending.set(key, { ...alarm, count: alarm.count ?? 1 });
    }
    this.kick();
    return true;
  }

  protected async drain(): Promise<void> {
    while (this.pending.size > 0) {
      // a batch taken out before the write: a repeat arriving meanwhile starts a new entry
      const batch: [string, AlarmRaised & { count: number }][] = [];
      for (const entry of this.pending) {
        batch.push(entry);
        if (batch.length >= BATCH) break;
      }
      for (const [key] of batch) this.pending.delete(key);
      let written: { incident: Incident; opened: boolean }[];
      try {
        written = await this.repo.raiseMany(batch.map(([, alarm]) => alarm));
      } catch (e) {
        // put back (merged with any repeat that came in meanwhile) and stop this pass
        for (const [key, alarm] of batch) {
          const again = this.pending.get(key);
          if (again) {
            again.count += alarm.count;
            if (alarm.at > again.at) again.at = alarm.at;
          } else this.pending.set(key, alarm);
        }
        return this.failed(e);
      }
      this.recovered();
      for (const [i, { incident, opened }] of written.entries()) {
        this.hooks.counted(opened ? 'opened' : 'joined', batch[i]![1].count);
        this.hooks.written(incident, opened);
      }
    }
  }
}
