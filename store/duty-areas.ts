/**
 * Duty areas on record: the shape, the weekly shifts, the devices and people assigned. Every
 * read and write names the caller's scope (another org's area is as if it did not exist); an
 * area's devices and people are of its own org unit or below, so whoever may see the area may
 * see who is on it. Their number is bounded (`duty.maxAreas`): the watch holds each one's cover
 * in memory. Geometry is checked before it gets here (events/duty-geometry.ts).
 */
import type { DutyArea, DutyAreaInput, DutyGeometry, Shift } from '../events/duty.js';
import { WEEKDAYS } from '../events/duty.js';
import { hhmmOf, minutesOf } from '../events/duty-shifts.js';
import { within } from '../events/scope.js';
import type { Database, Queryable } from './database.js';
import { scopeCondition } from './scope.js';

/** Why a write was not done, for the route to answer. */
export type DutyRefusal =
  | { refused: 'not-found' }
  | { refused: 'out-of-scope'; field: 'org' }
  | { refused: 'unknown-device'; terminals: string[] }
  | { refused: 'unknown-person'; people: string[] }
  | { refused: 'too-many'; limit: number };

export const isDutyRefusal = (x: unknown): x is DutyRefusal => typeof x === 'object' && x !== null && 'refused' in x;

/** a device on an area, with its registry's org unit and category (an incident names them before it is heard from) */
export interface WatchedUnit {
  terminal: string;
  org: string;
  category: string;
}

/** an area to watch: its units are its devices and those its people carry */
export interface WatchedArea {
  area: DutyArea;
  units: WatchedUnit[];
}

/** what makes the areas as the watch holds them differ (compared, never parsed) */
export type DutyFingerprint = string;

// any constant the other statements do not use: one area count check at a time
const AREA_LOCK = 0x64757479; // "duty"

interface AreaRow extends Record<string, unknown> {
  id: string;
  org: string;
  name: string;
  geometry: DutyGeometry | string;
  updated_at: Date;
  shifts: { day: number; start_min: number; end_min: number }[] | string | null;
  devices: string[] | null;
  people: string[] | null;
}

const AREA_SELECT = `SELECT a.id, a.org, a.name, a.geometry, a.updated_at,
  (SELECT coalesce(json_agg(json_build_object('day', s.day, 'start_min', s.start_min, 'end_min', s.end_min) ORDER BY s.day, s.start_min), '[]') FROM duty_shifts s WHERE s.area_id = a.id) AS shifts,
  (SELECT coalesce(array_agg(d.terminal ORDER BY d.terminal), '{}') FROM duty_area_devices d WHERE d.area_id = a.id) AS devices,
  (SELECT coalesce(array_agg(p.person_id ORDER BY p.person_id), '{}') FROM duty_area_people p WHERE p.area_id = a.id) AS people
  FROM duty_areas a`;

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

function toArea(r: AreaRow): DutyArea {
  const shifts = json(r.shifts ?? []).map((s) => ({ day: WEEKDAYS[Number(s.day) - 1]!, start: hhmmOf(Number(s.start_min)), end: hhmmOf(Number(s.end_min)) }));
  return { id: r.id, org: r.org, name: r.name, geometry: json(r.geometry), shifts, devices: r.devices ?? [], people: r.people ?? [], updatedAt: new Date(r.updated_at).toISOString() };
}

/** a write refused inside a transaction: rolled back, then answered */
class Refused extends Error {
  constructor(readonly refusal: DutyRefusal | { refused: 'problems'; problems: { index: number; message: string }[] }) {
    super('refused');
  }
}

export interface ImportProblem {
  /** the feature's place in the collection */
  index: number;
  message: string;
}

export class DutyAreaRepository {
  constructor(private readonly db: Database) {}

  async list(scope: string): Promise<DutyArea[]> {
    const params: unknown[] = [];
    const scoped = scopeCondition('a.org', scope, (v) => `$${params.push(v)}`);
    return (await this.db.query<AreaRow>(`${AREA_SELECT} ${scoped ? `WHERE ${scoped}` : ''} ORDER BY a.id`, params)).map(toArea);
  }

  async get(scope: string, id: string): Promise<DutyArea | undefined> {
    return areaIn(this.db, scope, id);
  }

  /** Created or replaced whole (shifts and assignments with it). `created` tells which. */
  async put(scope: string, area: DutyAreaInput, maxAreas: number, now = new Date()): Promise<{ area: DutyArea; created: boolean } | DutyRefusal> {
    if (!within(scope, area.org)) return { refused: 'out-of-scope', field: 'org' };
    try {
      return await this.db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [AREA_LOCK]);
        const created = await write(tx, scope, area, maxAreas, now);
        if (isDutyRefusal(created)) throw new Refused(created);
        return { area: (await areaIn(tx, scope, area.id))!, created };
      });
    } catch (e) {
      if (e instanceof Refused && e.refusal.refused !== 'problems') return e.refusal;
      throw e;
    }
  }

  async delete(scope: string, id: string): Promise<boolean> {
    const params: unknown[] = [id];
    const scoped = scopeCondition('org', scope, (v) => `$${params.push(v)}`);
    return (await this.db.query(`DELETE FROM duty_areas WHERE id = $1${scoped ? ` AND ${scoped}` : ''} RETURNING id`, params)).length > 0;
  }

  /**
   * Many areas in one transaction: all of them or, when any is refused, none; every refused one
   * is named with its place in the list.
   */
  async importAreas(scope: string, areas: readonly DutyAreaInput[], maxAreas: number, now = new Date()): Promise<{ created: number; replaced: number } | { refused: 'problems'; problems: ImportProblem[] }> {
    const problems: ImportProblem[] = [];
    for (const [index, a] of areas.entries()) if (!within(scope, a.org)) problems.push({ index, message: `org: "${a.org}" is outside this token's scope` });
    if (problems.length > 0) return { refused: 'problems', problems };
    try {
      return await this.db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [AREA_LOCK]);
        let created = 0;
        for (const [index, a] of areas.entries()) {
          const done = await write(tx, scope, a, maxAreas, now);
          if (isDutyRefusal(done)) problems.push({ index, message: refusalText(done, a.id) });
          else if (done) created++;
        }
        if (problems.length > 0) throw new Refused({ refused: 'problems', problems });
        return { created, replaced: areas.length - created };
      });
    } catch (e) {
      if (e instanceof Refused && e.refusal.refused === 'problems') return e.refusal;
      throw e;
    }
  }

  /** Every area with the terminals it watches, for the gateway's watch. */
  async watched(): Promise<WatchedArea[]> {
    const areas = (await this.db.query<AreaRow>(`${AREA_SELECT} ORDER BY a.id`)).map(toArea);
    const rows = await this.db.query<{ area_id: string; terminal: string; org: string; category: string }>(
      `SELECT ad.area_id, d.terminal, d.org, d.category FROM duty_area_devices ad JOIN devices d ON d.terminal = ad.terminal
       UNION SELECT ap.area_id, d.terminal, d.org, d.category FROM duty_area_people ap JOIN person_devices pd ON pd.person_id = ap.person_id JOIN devices d ON d.terminal = pd.terminal
       ORDER BY 1, 2`,
    );
    const byArea = new Map<string, WatchedUnit[]>();
    for (const r of rows) {
      let list = byArea.get(r.area_id);
      if (!list) byArea.set(r.area_id, (list = []));
      list.push({ terminal: r.terminal, org: r.org, category: r.category });
    }
    return areas.map((area) => ({ area, units: byArea.get(area.id) ?? [] }));
  }

  /**
   * Changes to what `watched` answers, in one cheap row: areas added, changed or removed, their
   * devices, and the devices their people carry (a person written again has a new updated_at).
   */
  async fingerprint(): Promise<DutyFingerprint> {
    const [r] = await this.db.query<{ n: number; at: Date | null; d: number; p: number; pd: number; pat: Date | null }>(
      `SELECT (SELECT count(*)::int FROM duty_areas) AS n, (SELECT max(updated_at) FROM duty_areas) AS at,
              (SELECT count(*)::int FROM duty_area_devices) AS d, (SELECT count(*)::int FROM duty_area_people) AS p,
              (SELECT count(*)::int FROM duty_area_people ap JOIN person_devices pd ON pd.person_id = ap.person_id) AS pd,
              (SELECT max(pe.updated_at) FROM duty_area_people ap JOIN people pe ON pe.id = ap.person_id) AS pat`,
    );
    const t = (d: Date | null) => (d === null ? '' : new Date(d).toISOString());
    return `${r!.n}/${t(r!.at)}/${r!.d}/${r!.p}/${r!.pd}/${t(r!.pat)}`;
  }
}

export function refusalText(r: DutyRefusal, id: string): string {
  switch (r.refused) {
    case 'not-found':
      return `no duty area ${id} in this token's scope (the id is another org unit's)`;
    case 'out-of-scope':
      return `${r.field}: outside this token's scope`;
    case 'unknown-device':
      return `devices: ${r.terminals.join(', ')} not in the registry under the area's org unit`;
    case 'unknown-person':
      return `people: ${r.people.join(', ')} not in the registry under the area's org unit`;
    case 'too-many':
      return `there are ${r.limit} duty areas, the most allowed (duty.maxAreas)`;
  }
}

/** One area written in the caller's transaction (holding AREA_LOCK): true created, false replaced. */
async function write(tx: Queryable, scope: string, a: DutyAreaInput, maxAreas: number, now: Date): Promise<boolean | DutyRefusal> {
  const held = await tx.query<{ org: string }>('SELECT org FROM duty_areas WHERE id = $1 FOR UPDATE', [a.id]);
  if (held[0] && !within(scope, held[0].org)) return { refused: 'not-found' };
  if (!held[0]) {
    const [{ n }] = (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM duty_areas')) as [{ n: number }];
    if (n >= maxAreas) return { refused: 'too-many', limit: maxAreas };
  }
  // assignments: registered, and of the area's org unit or below (so within the caller's scope too)
  const devices = await tx.query<{ terminal: string; org: string }>('SELECT terminal, org FROM devices WHERE terminal = ANY($1::text[])', [a.devices]);
  const knownDevices = new Set(devices.filter((d) => within(a.org, d.org)).map((d) => d.terminal));
  const unknownDevices = a.devices.filter((t) => !knownDevices.has(t));
  if (unknownDevices.length > 0) return { refused: 'unknown-device', terminals: unknownDevices };
  const people = await tx.query<{ id: string; org: string }>('SELECT id, org FROM people WHERE id = ANY($1::text[])', [a.people]);
  const knownPeople = new Set(people.filter((p) => within(a.org, p.org)).map((p) => p.id));
  const unknownPeople = a.people.filter((p) => !knownPeople.has(p));
  if (unknownPeople.length > 0) return { refused: 'unknown-person', people: unknownPeople };
  await tx.query(
    `INSERT INTO duty_areas (id, org, name, geometry, created_at, updated_at) VALUES ($1, $2, $3, $4::jsonb, $5, $5)
     ON CONFLICT (id) DO UPDATE SET org = EXCLUDED.org, name = EXCLUDED.name, geometry = EXCLUDED.geometry, updated_at = EXCLUDED.updated_at`,
    [a.id, a.org, a.name, JSON.stringify({ type: a.geometry.type, coordinates: a.geometry.coordinates }), now],
  );
  await tx.query('DELETE FROM duty_shifts WHERE area_id = $1', [a.id]);
  await tx.query('DELETE FROM duty_area_devices WHERE area_id = $1', [a.id]);
  await tx.query('DELETE FROM duty_area_people WHERE area_id = $1', [a.id]);
  if (a.shifts.length > 0) {
    const shifts = uniqueShifts(a.shifts);
    await tx.query(
      `INSERT INTO duty_shifts (area_id, day, start_min, end_min) SELECT $1, d, s, e FROM unnest($2::smallint[], $3::smallint[], $4::smallint[]) AS t (d, s, e)`,
      [a.id, shifts.map((s) => WEEKDAYS.indexOf(s.day) + 1), shifts.map((s) => minutesOf(s.start)), shifts.map((s) => minutesOf(s.end))],
    );
  }
  if (a.devices.length > 0) await tx.query('INSERT INTO duty_area_devices (area_id, terminal) SELECT $1, unnest($2::text[])', [a.id, a.devices]);
  if (a.people.length > 0) await tx.query('INSERT INTO duty_area_people (area_id, person_id) SELECT $1, unnest($2::text[])', [a.id, a.people]);
  return !held[0];
}

/** two shifts starting on the same day and minute are one: the longer is kept */
function uniqueShifts(shifts: readonly Shift[]): Shift[] {
  const byStart = new Map<string, Shift>();
  const length = (s: Shift) => ((minutesOf(s.end) - minutesOf(s.start) + 1439) % 1440) + 1;
  for (const s of shifts) {
    const key = `${s.day} ${s.start}`;
    const had = byStart.get(key);
    if (!had || length(s) > length(had)) byStart.set(key, s);
  }
  return [...byStart.values()];
}

async function areaIn(q: Queryable, scope: string, id: string): Promise<DutyArea | undefined> {
  const params: unknown[] = [id];
  const scoped = scopeCondition('a.org', scope, (v) => `$${params.push(v)}`);
  const rows = await q.query<AreaRow>(`${AREA_SELECT} WHERE a.id = $1${scoped ? ` AND ${scoped}` : ''}`, params);
  return rows[0] && toArea(rows[0]);
}
