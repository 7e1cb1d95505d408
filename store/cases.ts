/**
 * Cases with their whole history (一案一档): the row is the case as it is, case_events every
 * change (who, when, what changed, note), written in the same transaction, so a case never exists
 * without the record of how it came to be what it is.
 */
import { StoreRefusal } from './refusal.js';
import { CASE_TRANSITIONS } from '../events/case.js';
import type { Case, CaseEventAction, CaseStatus } from '../events/case.js';
import type { Database, Queryable } from './database.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { scopeCondition } from './scope.js';
import { releaseOrders } from './dispatches.js';

const RELEASING: readonly CaseStatus[] = ['open', 'closed', 'cancelled'];

export { BadCursor } from './cursor.js';

export interface CaseInput {
  id: string;
  type: string;
  status?: CaseStatus;
  location: { lat: number; lng: number };
  time: string;
  description?: string;
}

export type CaseChange = Partial<Omit<CaseInput, 'id'>>;

export interface CaseEvent {
  seq: number;
  at: string;
  actor: string;
  action: CaseEventAction;
  changes: Record<string, { from?: unknown; to: unknown }>;
  note?: string;
}

/** A status change the lifecycle does not allow (HTTP 409 naming it). */
export class TransitionRefused extends StoreRefusal {
  override name = 'TransitionRefused';
  constructor(
    readonly from: CaseStatus,
    readonly to: CaseStatus,
  ) {
    super(`a case cannot go from ${from} to ${to}${CASE_TRANSITIONS[from].length ? ` (from ${from}: ${CASE_TRANSITIONS[from].join(', ')})` : ` (${from} is final)`}`);
  }
}

export interface CaseQuery {
  /** the caller's scope: an org path, "" = everything */
  scope: string;
  /** narrower org units within the scope (each with its subtree) */
  orgs?: readonly string[];
  status?: readonly CaseStatus[];
  type?: readonly string[];
  /** cases whose time is in [from, to) */
  from?: string;
  to?: string;
  /** [west, south, east, north], degrees */
  bbox?: readonly [number, number, number, number];
  /** at most this many, newest time first */
  limit: number;
  /** the `next` of the previous page */
  after?: string;
}

export interface CasePage {
  items: Case[];
  /** pass as `after` for the next page; absent on the last */
  next?: string;
}

interface CaseRow extends Record<string, unknown> {
  org: string;
  id: string;
  type: string;
  status: CaseStatus;
  lat: number;
  lng: number;
  time: Date;
  description: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'org, id, type, status, lat, lng, time, description, created_at, updated_at';

function toCase(r: CaseRow): Case {
  const c: Case = {
    id: r.id,
    type: r.type,
    status: r.status,
    location: { lat: Number(r.lat), lng: Number(r.lng) },
    time: new Date(r.time).toISOString(),
    org: r.org,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
  if (r.description !== null) c.description = r.description;
  return c;
}

export class CaseRepository {
  constructor(private readonly db: Database) {}

  /** undefined when the org unit already has a case with this id */
  async create(input: CaseInput, org: string, actor: string, note?: string, now = new Date()): Promise<Case | undefined> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<CaseRow>(
        `INSERT INTO cases (org, id, type, status, lat, lng, time, description, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
         ON CONFLICT (org, id) DO NOTHING RETURNING ${COLUMNS}`,
        [org, input.id, input.type, input.status ?? 'open', input.location.lat, input.location.lng, new Date(input.time), input.description ?? null, now],
      );
      if (rows.length === 0) return undefined;
      const c = toCase(rows[0]!);
      const changes: CaseEvent['changes'] = {
        type: { to: c.type },
        status: { to: c.status },
        location: { to: c.location },
        time: { to: c.time },
        ...(c.description !== undefined ? { description: { to: c.description } } : {}),
      };
      await record(tx, c, now, actor, 'created', changes, note);
      return c;
    });
  }

  async get(org: string, id: string): Promise<Case | undefined> {
    const rows = await this.db.query<CaseRow>(`SELECT ${COLUMNS} FROM cases WHERE org = $1 AND id = $2`, [org, id]);
    return rows[0] && toCase(rows[0]);
  }

  /** the cases with this id in the scope (ids are unique per org unit, so several org units may each have one) */
  async find(scope: string, id: string, org?: string): Promise<Case[]> {
    const params: unknown[] = [id];
    const p = (v: unknown) => `$${params.push(v)}`;
    const where = ['id = $1'];
    const scoped = scopeCondition('org', scope, p);
    if (scoped) where.push(scoped);
    if (org !== undefined) where.push(`org = ${p(org)}`);
    const rows = await this.db.query<CaseRow>(`SELECT ${COLUMNS} FROM cases WHERE ${where.join(' AND ')} ORDER BY org LIMIT 100`, params);
    return rows.map(toCase);
  }

  /**
   * undefined when there is no such case; TransitionRefused when the status change is not
   * allowed. A change that changes nothing is recorded only when it carries a note.
   */
  async update(org: string, id: string, change: CaseChange, actor: string, note?: string, now = new Date()): Promise<Case | undefined> {
    return this.db.transaction(async (tx) => {
      // FOR UPDATE: two officers changing one case at once are taken one after the other
      const rows = await tx.query<CaseRow>(`SELECT ${COLUMNS} FROM cases WHERE org = $1 AND id = $2 FOR UPDATE`, [org, id]);
      if (rows.length === 0) return undefined;
      const before = toCase(rows[0]!);
      if (change.status !== undefined && change.status !== before.status && !CASE_TRANSITIONS[before.status].includes(change.status)) {
        throw new TransitionRefused(before.status, change.status);
      }
      const after: Case = { ...before };
      if (change.type !== undefined) after.type = change.type;
      if (change.status !== undefined) after.status = change.status;
      if (change.location !== undefined) after.location = { lat: change.location.lat, lng: change.location.lng };
      if (change.time !== undefined) after.time = new Date(change.time).toISOString();
      if (change.description !== undefined) after.description = change.description;
      const changes: CaseEvent['changes'] = {};
      for (const key of ['type', 'status', 'location', 'time', 'description'] as const) {
        if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changes[key] = { from: before[key], to: after[key] };
      }
      if (Object.keys(changes).length === 0 && note === undefined) return before;
      after.updatedAt = now.toISOString();
      const saved = await tx.query<CaseRow>(
        `UPDATE cases SET type = $3, status = $4, lat = $5, lng = $6, time = $7, description = $8, updated_at = $9
         WHERE org = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [org, id, after.type, after.status, after.location.lat, after.location.lng, new Date(after.time), after.description ?? null, now],
      );
      const c = toCase(saved[0]!);
      await record(tx, c, now, actor, 'changed', changes, note);
      // closed, cancelled or called back: the units sent to it are free for another order
      if (changes.status && RELEASING.includes(c.status)) await releaseOrders(tx, { type: 'case', org, id }, now);
      return c;
    });
  }

  /** oldest first; undefined when there is no such case */
  async history(org: string, id: string): Promise<CaseEvent[] | undefined> {
    if (!(await this.get(org, id))) return undefined;
    const rows = await this.db.query<{ seq: string | number; at: Date; actor: string; action: CaseEvent['action']; changes: CaseEvent['changes']; note: string | null }>(
      'SELECT seq, at, actor, action, changes, note FROM case_events WHERE case_org = $1 AND case_id = $2 ORDER BY seq',
      [org, id],
    );
    return rows.map((r) => {
      const e: CaseEvent = { seq: Number(r.seq), at: new Date(r.at).toISOString(), actor: r.actor, action: r.action, changes: r.changes };
      if (r.note !== null) e.note = r.note;
      return e;
    });
  }

  /** newest time first (then org, id), within the scope, keyset-paged */
  async list(q: CaseQuery): Promise<CasePage> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const scoped = scopeCondition('org', q.scope, p);
    if (scoped) where.push(scoped);
    if (q.orgs?.length) where.push(`(${q.orgs.map((o) => scopeCondition('org', o, p) ?? 'TRUE').join(' OR ')})`);
    if (q.status?.length) where.push(`status = ANY(${p(q.status)}::text[])`);
    if (q.type?.length) where.push(`type = ANY(${p(q.type)}::text[])`);
    if (q.from) where.push(`time >= ${p(new Date(q.from))}`);
    if (q.to) where.push(`time < ${p(new Date(q.to))}`);
    if (q.bbox) {
      const [w, s, e, n] = q.bbox;
      where.push(`lat BETWEEN ${p(s)} AND ${p(n)}`);
      // a box across the antimeridian (west > east) is two ranges
      where.push(w <= e ? `lng BETWEEN ${p(w)} AND ${p(e)}` : `(lng >= ${p(w)} OR lng <= ${p(e)})`);
    }
    if (q.after) {
      const [time, org, id] = decodeCursor(q.after, 3);
      where.push(`(time, org, id) < (${p(new Date(time!))}, ${p(org)}, ${p(id)})`);
    }
    const rows = await this.db.query<CaseRow>(
      `SELECT ${COLUMNS} FROM cases ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY time DESC, org DESC, id DESC LIMIT ${p(q.limit + 1)}`,
      params,
    );
    const items = rows.slice(0, q.limit).map(toCase);
    const page: CasePage = { items };
    if (rows.length > q.limit) {
      const last = items[items.length - 1]!;
      page.next = encodeCursor([last.time, last.org, last.id]);
    }
    return page;
  }
}

async function record(tx: Queryable, c: Case, at: Date, actor: string, action: CaseEvent['action'], changes: CaseEvent['changes'], note: string | undefined): Promise<void> {
  await tx.query('INSERT INTO case_events (case_org, case_id, at, actor, action, changes, note) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
    c.org,
    c.id,
    at,
    actor,
    action,
    JSON.stringify(changes),
    note ?? null,
  ]);
}
