/**
 * Incidents and their history. An alarm opens an incident or joins the open one of the same
 * terminal, kind and org unit (one statement, settled by the unique index on not-closed
 * incidents, so two
 * gateways raising the same alarm at once still make one). Every step a person takes is recorded
 * in the same transaction as the change; alarms joining an episode only count (an SOS held for
 * five minutes is one incident with its count, not 300 history rows).
 */
import { StoreRefusal } from './refusal.js';
import { randomUUID } from 'node:crypto';
import type { Incident } from '../events/incident.js';
import { INCIDENT_TRANSITIONS } from '../events/incident-lifecycle.js';
import type { IncidentStatus } from '../events/incident-lifecycle.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { Database, Queryable } from './database.js';
import { scopeCondition } from './scope.js';
import { releaseOrders } from './dispatches.js';

export interface AlarmRaised {
  terminal: string;
  kind: string;
  org: string;
  location: { lat: number; lng: number } | null;
  /** the last alarm's time */
  at: Date;
  /** alarms this stands for (a writer coalesces repeats while the database is away); default 1 */
  count?: number;
}

export interface IncidentEvent {
  seq: number;
  at: string;
  actor: string;
  action: string;
  changes: Record<string, unknown>;
  note?: string;
}

/** A step the lifecycle does not allow (HTTP 409 naming it). */
export class IncidentTransitionRefused extends StoreRefusal {
  override name = 'IncidentTransitionRefused';
  constructor(
    readonly from: IncidentStatus,
    readonly to: IncidentStatus,
  ) {
    const next = INCIDENT_TRANSITIONS[from];
    super(`an incident cannot go from ${from} to ${to}${next.length ? ` (from ${from}: ${next.join(', ')})` : ` (${from} is final)`}`);
  }
}

export interface IncidentQuery {
  scope: string;
  status?: readonly IncidentStatus[];
  kind?: readonly string[];
  terminal?: string;
  /** opened in [from, to) */
  from?: string;
  to?: string;
  limit: number;
  after?: string;
}

interface IncidentRow extends Record<string, unknown> {
  id: string;
  terminal: string;
  kind: string;
  status: IncidentStatus;
  org: string;
  lat: number | null;
  lng: number | null;
  opened_at: Date;
  last_alarm_at: Date;
  alarm_count: number;
  assignee: string | null;
  updated_at: Date;
}

const COLUMNS = 'id, terminal, kind, status, org, lat, lng, opened_at, last_alarm_at, alarm_count, assignee, updated_at';
/**
 * alarm_count's greatest value (an integer column): the count stops there. A terminal's
 * instantaneous active-safety events each count, so one terminal reaches 2^31 in hours; past it
 * the batch's statement failed, the writer took that for an outage and retried the batch for
 * ever, and no incident of any terminal was written again (test/security/dispatch).
 */
const MAX_ALARM_COUNT = 2_147_483_647;
const iso = (d: Date) => new Date(d).toISOString();

function toIncident(r: IncidentRow): Incident {
  return {
    id: r.id,
    terminal: r.terminal,
    kind: r.kind,
    status: r.status,
    org: r.org,
    location: r.lat === null || r.lng === null ? null : { lat: Number(r.lat), lng: Number(r.lng) },
    openedAt: iso(r.opened_at),
    lastAlarmAt: iso(r.last_alarm_at),
    alarmCount: Number(r.alarm_count),
    assignee: r.assignee,
    updatedAt: iso(r.updated_at),
  };
}

export class IncidentRepository {
  constructor(private readonly db: Database) {}

  /** the incident the alarm opened (opened: true) or joined */
  async raise(alarm: AlarmRaised): Promise<{ incident: Incident; opened: boolean }> {
    return (await this.raiseMany([alarm]))[0]!;
  }

  /**
   * Several alarms of distinct (terminal, kind, org unit) in one transaction of two statements (the incident
   * writer's batch): each opens its incident or joins the open one; `inserted` (xmax = 0 on the
   * returned row) tells which. Results in the alarms' order.
   */
  async raiseMany(alarms: readonly AlarmRaised[]): Promise<{ incident: Incident; opened: boolean }[]> {
    if (alarms.length === 0) return [];
    const col = <T>(f: (a: AlarmRaised) => T) => alarms.map(f);
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<IncidentRow & { inserted: boolean; ord: number }>(
        `INSERT INTO incidents (id, terminal, kind, status, org, lat, lng, opened_at, last_alarm_at, alarm_count, updated_at)
         SELECT id, terminal, kind, 'open', org, lat, lng, at, at, n, at
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::timestamptz[], $8::int[])
             AS a(id, terminal, kind, org, lat, lng, at, n)
         -- the org unit too: a unit moved elsewhere raises its alarms there, not in its old district's incident
         ON CONFLICT (terminal, kind, org) WHERE status <> 'closed' DO UPDATE SET
           last_alarm_at = GREATEST(incidents.last_alarm_at, EXCLUDED.last_alarm_at),
           alarm_count = LEAST(incidents.alarm_count::bigint + EXCLUDED.alarm_count, $9::bigint)::int,
           lat = COALESCE(EXCLUDED.lat, incidents.lat),
           lng = COALESCE(EXCLUDED.lng, incidents.lng)
         RETURNING ${COLUMNS}, (xmax = 0) AS inserted`,
        [
          col(() => randomUUID()),
          col((a) => a.terminal),
          col((a) => a.kind),
          col((a) => a.org),
          col((a) => a.location?.lat ?? null),
          col((a) => a.location?.lng ?? null),
          col((a) => a.at),
          col((a) => Math.min(a.count ?? 1, MAX_ALARM_COUNT)),
          MAX_ALARM_COUNT,
        ],
      );
      const byKey = new Map(rows.map((r) => [`${r.terminal}\u0000${r.kind}\u0000${r.org}`, r]));
      const out = alarms.map((a) => {
        const r = byKey.get(`${a.terminal}\u0000${a.kind}\u0000${a.org}`)!;
        return { incident: toIncident(r), opened: r.inserted === true, alarm: a };
      });
      const opened = out.filter((o) => o.opened);
      if (opened.length > 0) {
        await tx.query(
          `INSERT INTO incident_events (incident_id, at, actor, action, changes)
           SELECT id, at, actor, 'opened', changes FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::jsonb[]) AS e(id, at, actor, changes)`,
          [opened.map((o) => o.incident.id), opened.map((o) => o.alarm.at), opened.map((o) => `terminal:${o.alarm.terminal}`), opened.map((o) => JSON.stringify({ kind: o.alarm.kind, location: o.alarm.location }))],
        );
      }
      return out.map(({ incident, opened: o }) => ({ incident, opened: o }));
    });
  }

  /** undefined when there is none in the scope (another org's id looks like no id at all) */
  async get(scope: string, id: string): Promise<Incident | undefined> {
    const params: unknown[] = [id];
    const p = (v: unknown) => `$${params.push(v)}`;
    const scoped = scopeCondition('org', scope, p);
    const rows = await this.db.query<IncidentRow>(`SELECT ${COLUMNS} FROM incidents WHERE id = $1${scoped ? ` AND ${scoped}` : ''}`, params);
    return rows[0] && toIncident(rows[0]);
  }

  /**
   * One step of the lifecycle by a named actor with an optional note; `assignee` with
   * `assigned`. undefined when there is no such incident in the scope;
   * IncidentTransitionRefused when the step is not allowed from where it is.
   */
  async step(scope: string, id: string, to: IncidentStatus, actor: string, note?: string, assignee?: string, now = new Date()): Promise<Incident | undefined> {
    return this.db.transaction(async (tx) => {
      const params: unknown[] = [id];
      const p = (v: unknown) => `$${params.push(v)}`;
      const scoped = scopeCondition('org', scope, p);
      const rows = await tx.query<IncidentRow>(`SELECT ${COLUMNS} FROM incidents WHERE id = $1${scoped ? ` AND ${scoped}` : ''} FOR UPDATE`, params);
      if (rows.length === 0) return undefined;
      const before = toIncident(rows[0]!);
      if (!INCIDENT_TRANSITIONS[before.status].includes(to)) throw new IncidentTransitionRefused(before.status, to);
      const nextAssignee = to === 'assigned' ? (assignee ?? null) : before.assignee;
      const saved = await tx.query<IncidentRow>(`UPDATE incidents SET status = $2, assignee = $3, updated_at = $4 WHERE id = $1 RETURNING ${COLUMNS}`, [id, to, nextAssignee, now]);
      const changes: Record<string, unknown> = { status: { from: before.status, to } };
      if (nextAssignee !== before.assignee) changes.assignee = { from: before.assignee, to: nextAssignee };
      await record(tx, id, now, actor, to, changes, note);
      // resolved or closed: the units sent to it are free for another order
      if (to === 'resolved' || to === 'closed') await releaseOrders(tx, { type: 'incident', org: before.org, id }, now);
      return toIncident(saved[0]!);
    });
  }

  /** Something that happened to an incident that is not a step (the terminal's answer to 0x8203). */
  async annotate(id: string, actor: string, action: string, changes: Record<string, unknown>, note?: string, now = new Date()): Promise<void> {
    await this.db.transaction((tx) => record(tx, id, now, actor, action, changes, note));
  }

  /** oldest first; undefined when there is no such incident in the scope */
  async history(scope: string, id: string): Promise<IncidentEvent[] | undefined> {
    if (!(await this.get(scope, id))) return undefined;
    const rows = await this.db.query<{ seq: string | number; at: Date; actor: string; action: string; changes: Record<string, unknown>; note: string | null }>(
      'SELECT seq, at, actor, action, changes, note FROM incident_events WHERE incident_id = $1 ORDER BY seq',
      [id],
    );
    return rows.map((r) => {
      const e: IncidentEvent = { seq: Number(r.seq), at: iso(r.at), actor: r.actor, action: r.action, changes: r.changes };
      if (r.note !== null) e.note = r.note;
      return e;
    });
  }

  /** newest opened first, keyset-paged, within the scope */
  async list(q: IncidentQuery): Promise<{ items: Incident[]; next?: string }> {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const where: string[] = [];
    const scoped = scopeCondition('org', q.scope, p);
    if (scoped) where.push(scoped);
    if (q.status?.length) where.push(`status = ANY(${p(q.status)}::text[])`);
    if (q.kind?.length) where.push(`kind = ANY(${p(q.kind)}::text[])`);
    if (q.terminal) where.push(`terminal = ${p(q.terminal)}`);
    if (q.from) where.push(`opened_at >= ${p(new Date(q.from))}`);
    if (q.to) where.push(`opened_at < ${p(new Date(q.to))}`);
    if (q.after) {
      const [openedAt, id] = decodeCursor(q.after, 2);
      where.push(`(opened_at, id) < (${p(new Date(openedAt!))}, ${p(id)})`);
    }
    const rows = await this.db.query<IncidentRow>(
      `SELECT ${COLUMNS} FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY opened_at DESC, id DESC LIMIT ${p(q.limit + 1)}`,
      params,
    );
    const items = rows.slice(0, q.limit).map(toIncident);
    const last = items[items.length - 1];
    return rows.length > q.limit && last ? { items, next: encodeCursor([last.openedAt, last.id]) } : { items };
  }

  /** not-closed incidents in the scope by kind (the panel's counts) */
  async openCounts(scope: string): Promise<Record<string, number>> {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const scoped = scopeCondition('org', scope, p);
    const rows = await this.db.query<{ kind: string; n: number }>(
      `SELECT kind, count(*)::int AS n FROM incidents WHERE status <> 'closed'${scoped ? ` AND ${scoped}` : ''} GROUP BY kind ORDER BY kind`,
      params,
    );
    return Object.fromEntries(rows.map((r) => [r.kind, Number(r.n)]));
  }
}

async function record(tx: Queryable, id: string, at: Date, actor: string, action: string, changes: Record<string, unknown>, note: string | undefined): Promise<void> {
  await tx.query('INSERT INTO incident_events (incident_id, at, actor, action, changes, note) VALUES ($1, $2, $3, $4, $5, $6)', [id, at, actor, action, JSON.stringify(changes), note ?? null]);
}
