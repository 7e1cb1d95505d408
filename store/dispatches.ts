/**
 * Dispatch orders: who was sent where, by whom, what the terminal answered, when it arrived,
 * and response times per org unit and day. Each order is written with its line in the target's
 * history (case_events or incident_events) in one transaction; one order per unit at a time is
 * the database's to settle (dispatches_engaged), so two duty officers sending the same unit at
 * once get one order and one refusal.
 */
import { randomUUID } from 'node:crypto';
import type { Dispatch, DispatchTarget } from '../events/dispatch.js';
import type { Database, Queryable } from './database.js';
import { StoreRefusal } from './refusal.js';
import { scopeCondition } from './scope.js';

/** Units already engaged on another order (HTTP 409 naming them). */
export class UnitsEngaged extends StoreRefusal {
  override name = 'UnitsEngaged';
  constructor(readonly terminals: readonly string[]) {
    super(`already engaged on another order: ${terminals.join(', ')}`);
  }
}

/**
 * The target cannot take units (HTTP 409): a case closed or cancelled, an incident not
 * acknowledged or closed, or gone. The route checks this first; the order's transaction checks
 * it again with the target's row locked, for a close that came in between.
 */
export class TargetNotDispatchable extends StoreRefusal {
  override name = 'TargetNotDispatchable';
  constructor(
    readonly target: TargetRef,
    readonly status: string | undefined,
  ) {
    super(status === undefined ? `the ${target.type} is gone` : `the ${target.type} is ${status}: no units can be sent to it`);
  }
}

/** The statuses in which a target takes units (a case that has not ended; an incident someone acknowledged and nobody closed). */
const TAKES_UNITS: Readonly<Record<DispatchTarget, readonly string[]>> = {
  case: ['open', 'dispatched', 'onscene'],
  incident: ['acknowledged', 'assigned', 'resolved'],
};

export interface TargetRef {
  type: DispatchTarget;
  org: string;
  id: string;
}

export interface NewOrder {
  terminal: string;
  /** the unit's org unit */
  org: string;
}

interface DispatchRow extends Record<string, unknown> {
  id: string;
  target: DispatchTarget;
  target_org: string;
  target_id: string;
  terminal: string;
  org: string;
  code: string;
  lat: number;
  lng: number;
  actor: string;
  sent_at: Date;
  answer: number | null;
  arrived_at: Date | null;
  released_at: Date | null;
}

const COLUMNS = 'id, target, target_org, target_id, terminal, org, code, lat, lng, actor, sent_at, answer, arrived_at, released_at';
const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());

function toDispatch(r: DispatchRow): Dispatch {
  return {
    id: r.id,
    target: { type: r.target, org: r.target_org, id: r.target_id },
    terminal: r.terminal,
    org: r.org,
    code: r.code,
    location: { lat: Number(r.lat), lng: Number(r.lng) },
    actor: r.actor,
    sentAt: new Date(r.sent_at).toISOString(),
    answer: r.answer === null ? null : Number(r.answer),
    arrivedAt: iso(r.arrived_at),
    releasedAt: iso(r.released_at),
  };
}

/** A code a duty officer can read over the radio: six characters, no 0/O or 1/I. */
function shortCode(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomUUID().replace(/-/g, '');
  let out = '';
  for (let i = 0; i < 6; i++) out += alphabet[parseInt(bytes.slice(i * 2, i * 2 + 2), 16) % alphabet.length];
  return out;
}

/** A line in the target's history, in the order's transaction. */
async function recordOnTarget(tx: Queryable, target: TargetRef, at: Date, actor: string, action: string, changes: Record<string, unknown>, note?: string): Promise<void> {
  if (target.type === 'case') {
    await tx.query('INSERT INTO case_events (case_org, case_id, at, actor, action, changes, note) VALUES ($1, $2, $3, $4, $5, $6, $7)', [target.org, target.id, at, actor, action, JSON.stringify(changes), note ?? null]);
  } else {
    await tx.query('INSERT INTO incident_events (incident_id, at, actor, action, changes, note) VALUES ($1, $2, $3, $4, $5, $6)', [target.id, at, actor, action, JSON.stringify(changes), note ?? null]);
  }
}

export interface ResponseTimes {
  org: string;
  /** YYYY-MM-DD in the command centre's zone */
  day: string;
  dispatches: number;
  arrived: number;
  /** dispatch to arrival, seconds, over the arrived orders */
  medianS: number | null;
  p90S: number | null;
  meanS: number | null;
}

export class DispatchRepository {
  constructor(private readonly db: Database) {}

  /**
   * Orders for each unit to the target at `location`, written with one 'dispatched' line per
   * unit in the target's history. UnitsEngaged (nothing written) when any unit is engaged.
   */
  async create(target: TargetRef, location: { lat: number; lng: number }, units: readonly NewOrder[], actor: string, note?: string, now = new Date()): Promise<Dispatch[]> {
    try {
      return await this.db.transaction(async (tx) => {
        // The target read again under its row's lock. Closing a target releases its orders in
        // the close's own transaction: a close between the route's read and this insert found
        // none to release, and these units stayed engaged for ever on a target whose close is
        // final (no candidates, every order 409). The lock orders the two: after a close this
        // refuses; before it, the close waits and releases these orders too.
        const held =
          target.type === 'case'
            ? await tx.query<{ status: string }>('SELECT status FROM cases WHERE org = $1 AND id = $2 FOR UPDATE', [target.org, target.id])
            : await tx.query<{ status: string }>('SELECT status FROM incidents WHERE id = $1 FOR UPDATE', [target.id]);
        const status = held[0]?.status;
        if (status === undefined || !TAKES_UNITS[target.type].includes(status)) throw new TargetNotDispatchable(target, status);
        const out: Dispatch[] = [];
        for (const u of units) {
          const rows = await tx.query<DispatchRow>(
            `INSERT INTO dispatches (id, target, target_org, target_id, terminal, org, code, lat, lng, actor, sent_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (terminal) WHERE released_at IS NULL DO NOTHING RETURNING ${COLUMNS}`,
            [randomUUID(), target.type, target.org, target.id, u.terminal, u.org, shortCode(), location.lat, location.lng, actor, now],
          );
          if (rows.length === 0) {
            const engaged = await tx.query<{ terminal: string }>('SELECT terminal FROM dispatches WHERE released_at IS NULL AND terminal = ANY($1::text[]) ORDER BY terminal', [units.map((x) => x.terminal)]);
            throw new UnitsEngaged(engaged.map((r) => r.terminal));
          }
          const d = toDispatch(rows[0]!);
          await recordOnTarget(tx, target, now, actor, 'dispatched', { terminal: { to: d.terminal }, code: { to: d.code }, dispatch: { to: d.id } }, note);
          out.push(d);
        }
        return out;
      });
    } catch (e) {
      // two orders for one unit at the same moment: the index settles it, the loser is refused
      if ((e as { code?: string }).code === '23505') throw new UnitsEngaged(units.map((u) => u.terminal));
      throw e;
    }
  }

  /** The terminal's 0x0001 answer (or why there was none), on the order and in the target's history. */
  async answered(d: Dispatch, outcome: { result?: number; reason?: string }, now = new Date()): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (outcome.result !== undefined) await tx.query('UPDATE dispatches SET answer = $2 WHERE id = $1', [d.id, outcome.result]);
      await recordOnTarget(tx, d.target, now, `terminal ${d.terminal}`, 'terminal-answer', { terminal: { to: d.terminal }, dispatch: { to: d.id }, answer: { to: { msgId: '0x8300', ...outcome } } });
    });
  }

  /**
   * The unit reached the scene: on the order, in the history, and a case still `dispatched`
   * becomes `onscene`. false when the order was released or had arrived already.
   */
  async arrived(id: string, at: Date): Promise<{ dispatch: Dispatch; caseOnScene: boolean } | undefined> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<DispatchRow>(`UPDATE dispatches SET arrived_at = $2 WHERE id = $1 AND arrived_at IS NULL AND released_at IS NULL RETURNING ${COLUMNS}`, [id, at]);
      if (rows.length === 0) return undefined;
      const d = toDispatch(rows[0]!);
      const seconds = Math.round((at.getTime() - Date.parse(d.sentAt)) / 1000);
      await recordOnTarget(tx, d.target, at, `terminal ${d.terminal}`, 'arrived', { terminal: { to: d.terminal }, dispatch: { to: d.id }, responseS: { to: seconds } });
      let caseOnScene = false;
      if (d.target.type === 'case') {
        const moved = await tx.query(`UPDATE cases SET status = 'onscene', updated_at = $3 WHERE org = $1 AND id = $2 AND status = 'dispatched' RETURNING id`, [d.target.org, d.target.id, at]);
        if (moved.length > 0) {
          caseOnScene = true;
          await recordOnTarget(tx, d.target, at, `terminal ${d.terminal}`, 'changed', { status: { from: 'dispatched', to: 'onscene' } });
        }
      }
      return { dispatch: d, caseOnScene };
    });
  }

  /** Orders not released: every engaged unit (at most one each), with where it was sent. */
  async engaged(): Promise<Dispatch[]> {
    return (await this.db.query<DispatchRow>(`SELECT ${COLUMNS} FROM dispatches WHERE released_at IS NULL`)).map(toDispatch);
  }

  /** A target's orders, oldest first. */
  async forTarget(target: TargetRef): Promise<Dispatch[]> {
    return (await this.db.query<DispatchRow>(`SELECT ${COLUMNS} FROM dispatches WHERE target = $1 AND target_org = $2 AND target_id = $3 ORDER BY sent_at, terminal`, [target.type, target.org, target.id])).map(toDispatch);
  }

  /** Response times (dispatch to arrival) per org unit of the target and day, within the scope. */
  async responseTimes(q: { scope: string; from: Date; to: Date; timeZone: string }): Promise<ResponseTimes[]> {
    const params: unknown[] = [q.from, q.to, q.timeZone];
    const p = (v: unknown) => `$${params.push(v)}`;
    const scoped = scopeCondition('target_org', q.scope, p);
    const rows = await this.db.query<{ org: string; day: string; dispatches: number; arrived: number; median_s: number | null; p90_s: number | null; mean_s: number | null }>(
      `SELECT target_org AS org, to_char(sent_at AT TIME ZONE $3, 'YYYY-MM-DD') AS day,
              count(*)::int AS dispatches, count(arrived_at)::int AS arrived,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM arrived_at - sent_at)) AS median_s,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM arrived_at - sent_at)) AS p90_s,
              avg(extract(epoch FROM arrived_at - sent_at))::float8 AS mean_s
         FROM dispatches
        WHERE sent_at >= $1 AND sent_at < $2${scoped ? ` AND ${scoped}` : ''}
        GROUP BY 1, 2 ORDER BY 2, 1`,
      params,
    );
    const num = (v: number | string | null) => (v === null ? null : Math.round(Number(v) * 10) / 10);
    return rows.map((r) => ({ org: r.org, day: r.day, dispatches: r.dispatches, arrived: r.arrived, medianS: num(r.median_s), p90S: num(r.p90_s), meanS: num(r.mean_s) }));
  }
}

/** In a case's or incident's closing transaction: its units are free again. */
export async function releaseOrders(tx: Queryable, target: TargetRef, at: Date): Promise<number> {
  const rows = await tx.query('UPDATE dispatches SET released_at = $4 WHERE target = $1 AND target_org = $2 AND target_id = $3 AND released_at IS NULL RETURNING id', [target.type, target.org, target.id, at]);
  return rows.length;
}
