/**
 * The store's families on the gateway's registry: whether the database answers, what failed,
 * and what became of alarms on their way into incidents. Every labelled series is made at start
 * (its label values are closed sets), so a dashboard shows 0, not "No data".
 */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { DutyStats } from './duty-watch.js';
import type { WriterOutcome } from './incident-writer.js';
import { MEDIA_RECORD_OUTCOMES } from './media-writer.js';

const OUTCOMES: readonly WriterOutcome[] = ['opened', 'joined', 'refused'];

export class StoreMetrics {
  readonly up: Gauge;
  readonly errors: Counter;
  readonly alarms: Counter<'outcome'>;
  readonly pending: Gauge;
  readonly mediaRecords: Counter<'outcome'>;
  readonly mediaPending: Gauge;
  readonly engaged: Gauge;
  readonly arrivals: Counter;
  readonly dutyAreas: Gauge;
  readonly dutyUnits: Gauge;
  readonly dutyChecks: Counter<'verdict'>;
  readonly dutyChanges: Counter<'change'>;
  readonly dutyIncidents: Counter<'kind'>;
  /** the duty watch, once there is one */
  private duty: { stats: DutyStats; areaCount: number; unitCount: number } | undefined;
  private counted: DutyStats = { interior: 0, outside: 0, exact: 0, entered: 0, left: 0, offPost: 0, noSignal: 0 };

  constructor(registry: Registry) {
    const registers = [registry];
    this.up = new Gauge({ name: 'dipper_database_up', help: '1 while the database answers (registry, cases, incidents); 0 during an outage: the workflow routes answer 503', registers });
    this.errors = new Counter({ name: 'dipper_database_errors_total', help: 'Database operations that failed (connection lost, timeout); each was retried or answered 503', registers });
    this.alarms = new Counter({ name: 'dipper_incident_alarms_total', help: 'Alarms on their way into incidents: opened one, joined an open one, or refused at incidents.maxPending while the database was away', labelNames: ['outcome'], registers });
    this.pending = new Gauge({ name: 'dipper_incident_pending', help: 'Alarm episodes (terminal, kind) waiting to be written to the database', registers });
    this.mediaRecords = new Counter({ name: 'dipper_media_records_total', help: "Media files' records: written to the database, refused at mediaRecords.maxPending while it was away (the file is kept, unlisted), marked removed (the file deleted by media.policy drop-oldest or found gone), removal-refused at the bound (marked when the file is next asked for)", labelNames: ['outcome'], registers });
    this.mediaPending = new Gauge({ name: 'dipper_media_records_pending', help: "Media files' records and deletions waiting to be written to the database (at most mediaRecords.maxPending)", registers });
    this.engaged = new Gauge({ name: 'dipper_dispatch_engaged_units', help: 'Units with a dispatch order not yet released (no candidates for another); at most one order per unit', registers });
    this.arrivals = new Counter({ name: 'dipper_dispatch_arrivals_total', help: 'Dispatched units recorded as arrived at their target (within dispatch.arrivalRadiusM for dispatch.arrivalDwellMs)', registers });
    this.dutyAreas = new Gauge({ name: 'dipper_duty_areas', help: 'Duty areas the watch holds (at most duty.maxAreas)', registers, collect: () => this.dutyAreas.set(this.duty?.areaCount ?? 0) });
    this.dutyUnits = new Gauge({ name: 'dipper_duty_units', help: 'Terminals assigned to duty areas (directly or carried by an assigned person), watched at ingest', registers, collect: () => this.dutyUnits.set(this.duty?.unitCount ?? 0) });
    // the watch counts in plain numbers on the ingest path; the counters catch up when scraped
    const catchUp = () => {
      const s = this.duty?.stats;
      if (!s) return;
      for (const v of ['interior', 'outside', 'exact'] as const) this.dutyChecks.inc({ verdict: v }, s[v] - this.counted[v]);
      for (const c of ['entered', 'left'] as const) this.dutyChanges.inc({ change: c }, s[c] - this.counted[c]);
      this.dutyIncidents.inc({ kind: 'off-post' }, s.offPost - this.counted.offPost);
      this.dutyIncidents.inc({ kind: 'no-signal' }, s.noSignal - this.counted.noSignal);
      this.counted = { ...s };
    };
    this.dutyChecks = new Counter({ name: 'dipper_duty_checks_total', help: "Reports of assigned devices judged against an area: by their H3 cell alone (interior: inside, outside: not in the area's cover) or by the exact polygon test (exact: a boundary cell)", labelNames: ['verdict'], registers, collect: catchUp });
    this.dutyChanges = new Counter({ name: 'dipper_duty_changes_total', help: 'Devices that entered or left one of their duty areas (duty events)', labelNames: ['change'], registers, collect: catchUp });
    this.dutyIncidents = new Counter({ name: 'dipper_duty_incidents_total', help: 'Off-post (outside the duty area past duty.offPostGraceMs on shift) and no-signal (not heard from for duty.noSignalMs on shift) incidents raised: opened, or joined while not closed', labelNames: ['kind'], registers, collect: catchUp });
    for (const o of OUTCOMES) this.alarms.inc({ outcome: o }, 0);
    for (const o of MEDIA_RECORD_OUTCOMES) this.mediaRecords.inc({ outcome: o }, 0);
    for (const k of ['off-post', 'no-signal']) this.dutyIncidents.inc({ kind: k }, 0);
    for (const v of ['interior', 'outside', 'exact']) this.dutyChecks.inc({ verdict: v }, 0);
    for (const c of ['entered', 'left']) this.dutyChanges.inc({ change: c }, 0);
  }

  /** the duty watch's counts, read at each scrape */
  observeDuty(duty: { stats: DutyStats; areaCount: number; unitCount: number }): void {
    this.duty = duty;
    this.counted = { ...duty.stats };
  }
}
