/**
 * The registry: org units (city / district / squad as a tree of paths), devices and people
 * (officers and auxiliaries, with the devices they carry), and static resources. Every read and
 * write names the caller's scope: a row outside it is as if it did not exist.
 */
import type { Category } from '../events/categories.js';
import type { StaticResource } from '../events/resource.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { Database, Queryable } from './database.js';
import { scopeCondition } from './scope.js';

export const ORG_KINDS = ['city', 'district', 'squad', 'unit'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];
export const PERSON_ROLES = ['officer', 'auxiliary'] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];

export interface OrgUnit {
  path: string;
  parent: string | null;
  kind: OrgKind;
  name: string;
}

export interface DeviceRecord {
  terminal: string;
  category: Category;
  org: string;
  plate?: string;
  officer?: string;
  terminalId?: string;
  epoch: number;
  channels: number[];
  /** the person carrying it, when one does */
  person?: string;
}

export interface Person {
  id: string;
  name: string;
  role: PersonRole;
  org: string;
  /** terminals they carry */
  devices: string[];
}

/** Why a write was not done, for the route to answer (404 / 409 naming it). */
export type Refusal =
  | { refused: 'not-found' }
  | { refused: 'exists' }
  | { refused: 'no-parent'; parent: string }
  | { refused: 'in-use'; by: 'org-units' | 'devices' | 'people' | 'resources' | 'duty-areas' }
  | { refused: 'out-of-scope'; field: string }
  | { refused: 'unknown-device'; terminals: string[] };

export const isRefusal = (x: unknown): x is Refusal => typeof x === 'object' && x !== null && 'refused' in x;

class HeldElsewhere extends Error {
  constructor(readonly row: number) {
    super(`row ${row}: the terminal belongs to another scope`);
  }
}

const parentOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : null);
const within = (scope: string, org: string) => scope === '' || org === scope || org.startsWith(`${scope}/`);

interface Page<T> {
  items: T[];
  next?: string;
}

export class RegistryRepository {
  constructor(private readonly db: Database) {}

  // --- org units -------------------------------------------------------------------------

  /** A unit under an existing one (a top-level unit only for the unscoped caller). */
  async createOrg(scope: string, unit: { path: string; kind: OrgKind; name: string }): Promise<OrgUnit | Refusal> {
    const parent = parentOf(unit.path);
    // a scoped caller creates strictly below its scope: never a sibling or its own root
    if (scope !== '' && !(unit.path.startsWith(`${scope}/`))) return { refused: 'out-of-scope', field: 'path' };
    return this.db.transaction(async (tx) => {
      if (parent !== null && (await tx.query('SELECT 1 FROM org_units WHERE path = $1', [parent])).length === 0) return { refused: 'no-parent', parent };
      const rows = await tx.query<OrgUnit>(
        `INSERT INTO org_units (path, parent, kind, name) VALUES ($1, $2, $3, $4) ON CONFLICT (path) DO NOTHING RETURNING path, parent, kind, name`,
        [unit.path, parent, unit.kind, unit.name],
      );
      return rows[0] ?? { refused: 'exists' };
    });
  }

  async listOrgs(scope: string): Promise<OrgUnit[]> {
    const params: unknown[] = [];
    const scoped = scopeCondition('path', scope, (v) => `$${params.push(v)}`);
    return this.db.query<OrgUnit>(`SELECT path, parent, kind, name FROM org_units ${scoped ? `WHERE ${scoped}` : ''} ORDER BY path`, params);
  }

  async updateOrg(scope: string, path: string, change: { kind?: OrgKind; name?: string }): Promise<OrgUnit | Refusal> {
    if (!within(scope, path)) return { refused: 'not-found' };
    const rows = await this.db.query<OrgUnit>(
      `UPDATE org_units SET kind = COALESCE($2, kind), name = COALESCE($3, name), updated_at = now() WHERE path = $1 RETURNING path, parent, kind, name`,
      [path, change.kind ?? null, change.name ?? null],
    );
    return rows[0] ?? { refused: 'not-found' };
  }

  /** Only an empty unit: no units, devices, people, resources or duty areas under it. */
  async deleteOrg(scope: string, path: string): Promise<true | Refusal> {
    if (!within(scope, path) || path === scope) return { refused: 'not-found' };
    return this.db.transaction(async (tx) => {
      if ((await tx.query('SELECT 1 FROM org_units WHERE path = $1 FOR UPDATE', [path])).length === 0) return { refused: 'not-found' };
      for (const [table, column, by] of [
        ['org_units', 'path', 'org-units'],
        ['devices', 'org', 'devices'],
        ['people', 'org', 'people'],
        ['resources', 'org', 'resources'],
        ['duty_areas', 'org', 'duty-areas'],
      ] as const) {
        const params: unknown[] = [];
        const below = scopeCondition(column, path, (v) => `$${params.push(v)}`)!;
        const self = table === 'org_units' ? ` AND path <> $${params.push(path)}` : '';
        if ((await tx.query(`SELECT 1 FROM ${table} WHERE ${below}${self} LIMIT 1`, params)).length > 0) return { refused: 'in-use', by };
      }
      await tx.query('DELETE FROM org_units WHERE path = $1', [path]);
      return true;
    });
  }

  // --- devices ---------------------------------------------------------------------------

  /** Created or replaced whole; a device of another scope is not replaced (not-found). */
  async putDevice(scope: string, d: Omit<DeviceRecord, 'person'>): Promise<DeviceRecord | Refusal> {
    if (!within(scope, d.org)) return { refused: 'out-of-scope', field: 'org' };
    return this.db.transaction(async (tx) => {
      const held = await tx.query<{ org: string }>('SELECT org FROM devices WHERE terminal = $1 FOR UPDATE', [d.terminal]);
      if (held[0] && !within(scope, held[0].org)) return { refused: 'not-found' };
      await upsertDevice(tx, d);
      return (await this.deviceIn(tx, scope, d.terminal))!;
    });
  }

  async getDevice(scope: string, terminal: string): Promise<DeviceRecord | undefined> {
    return this.deviceIn(this.db, scope, terminal);
  }

  async deleteDevice(scope: string, terminal: string): Promise<boolean> {
    const params: unknown[] = [terminal];
    const scoped = scopeCondition('org', scope, (v) => `$${params.push(v)}`);
    return (await this.db.query(`DELETE FROM devices WHERE terminal = $1${scoped ? ` AND ${scoped}` : ''} RETURNING terminal`, params)).length > 0;
  }

  /** by terminal, keyset-paged */
  async listDevices(q: { scope: string; category?: readonly Category[]; limit: number; after?: string }): Promise<Page<DeviceRecord>> {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const where: string[] = [];
    const scoped = scopeCondition('d.org', q.scope, p);
    if (scoped) where.push(scoped);
    if (q.category?.length) where.push(`d.category = ANY(${p(q.category)}::text[])`);
    if (q.after) where.push(`d.terminal > ${p(decodeCursor(q.after, 2)[1])}`);
    const rows = await this.db.query<DeviceRow>(`${DEVICE_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.terminal LIMIT ${p(q.limit + 1)}`, params);
    const items = rows.slice(0, q.limit).map(toDevice);
    const last = items[items.length - 1];
    return rows.length > q.limit && last ? { items, next: encodeCursor([new Date(0).toISOString(), last.terminal]) } : { items };
  }

  /**
   * The registry file's contents (JSON or CSV, parsed by the caller) in one transaction: all
   * of it or, when any row is refused, none of it. Rows replace what they name; nothing else is
   * touched.
   */
  /**
   * `replaceResources`: the resources listed are all there are in the scope (the DIPPER_DEVICES
   * file, their one source besides imports); the others in the scope are removed.
   */
  async importRegistry(scope: string, devices: readonly Omit<DeviceRecord, 'person'>[], resources: readonly StaticResource[], replaceResources = false): Promise<{ devices: number; resources: number } | { refused: 'out-of-scope'; rows: number[] }> {
    const outside = [...devices.map((d) => d.org), ...resources.map((r) => r.org)].flatMap((org, i) => (within(scope, org) ? [] : [i]));
    if (outside.length > 0) return { refused: 'out-of-scope', rows: outside };
    const done = await this.db.transaction(async (tx) => {
      for (const [i, d] of devices.entries()) {
        const held = await tx.query<{ org: string }>('SELECT org FROM devices WHERE terminal = $1 FOR UPDATE', [d.terminal]);
        // a terminal another scope holds is not taken over by an import (rolled back whole)
        if (held[0] && !within(scope, held[0].org)) throw new HeldElsewhere(i);
        await upsertDevice(tx, d);
      }
      for (const [i, r] of resources.entries()) {
        const held = await tx.query<{ org: string }>('SELECT org FROM resources WHERE id = $1 FOR UPDATE', [r.id]);
        if (held[0] && !within(scope, held[0].org)) throw new HeldElsewhere(devices.length + i);
        await tx.query(
          `INSERT INTO resources (id, kind, org, lat, lng, name) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, org = EXCLUDED.org, lat = EXCLUDED.lat, lng = EXCLUDED.lng, name = EXCLUDED.name, updated_at = now()`,
          [r.id, r.kind, r.org, r.lat, r.lng, r.name ?? null],
        );
      }
      if (replaceResources) {
        const params: unknown[] = [resources.map((r) => r.id)];
        const scoped = scopeCondition('org', scope, (v) => `$${params.push(v)}`);
        await tx.query(`DELETE FROM resources WHERE NOT (id = ANY($1::text[]))${scoped ? ` AND ${scoped}` : ''}`, params);
      }
      return { devices: devices.length, resources: resources.length };
    }).catch((e: unknown) => {
      if (e instanceof HeldElsewhere) return { refused: 'out-of-scope' as const, rows: [e.row] };
      throw e;
    });
    return done;
  }

  /** Everything, for the gateway's in-memory registry at start (the hot path never queries). */
  async snapshot(): Promise<{ devices: DeviceRecord[]; resources: StaticResource[] }> {
    const devices = (await this.db.query<DeviceRow>(`${DEVICE_SELECT} ORDER BY d.terminal`)).map(toDevice);
    const resources = (await this.db.query<{ id: string; kind: string; org: string; lat: number; lng: number; name: string | null }>('SELECT id, kind, org, lat, lng, name FROM resources ORDER BY id')).map((r) => {
      const s: StaticResource = { id: r.id, kind: r.kind, org: r.org, lat: Number(r.lat), lng: Number(r.lng) };
      if (r.name !== null) s.name = r.name;
      return s;
    });
    return { devices, resources };
  }

  // --- people ----------------------------------------------------------------------------

  /** Created or replaced whole, with the devices they carry (each in the caller's scope). */
  async putPerson(scope: string, person: Person): Promise<Person | Refusal> {
    if (!within(scope, person.org)) return { refused: 'out-of-scope', field: 'org' };
    return this.db.transaction(async (tx) => {
      const held = await tx.query<{ org: string }>('SELECT org FROM people WHERE id = $1 FOR UPDATE', [person.id]);
      if (held[0] && !within(scope, held[0].org)) return { refused: 'not-found' };
      const known = new Set(
        (await tx.query<{ terminal: string; org: string }>('SELECT terminal, org FROM devices WHERE terminal = ANY($1::text[])', [person.devices])).filter((r) => within(scope, r.org)).map((r) => r.terminal),
      );
      const unknown = person.devices.filter((d) => !known.has(d));
      if (unknown.length > 0) return { refused: 'unknown-device', terminals: unknown };
      await tx.query(
        `INSERT INTO people (id, name, role, org) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, role = EXCLUDED.role, org = EXCLUDED.org, updated_at = now()`,
        [person.id, person.name, person.role, person.org],
      );
      await tx.query('DELETE FROM person_devices WHERE person_id = $1', [person.id]);
      // a device carried by someone else passes to this person
      for (const terminal of person.devices) {
        await tx.query('INSERT INTO person_devices (terminal, person_id) VALUES ($1, $2) ON CONFLICT (terminal) DO UPDATE SET person_id = EXCLUDED.person_id', [terminal, person.id]);
      }
      return (await personIn(tx, scope, person.id))!;
    });
  }

  async getPerson(scope: string, id: string): Promise<Person | undefined> {
    return personIn(this.db, scope, id);
  }

  async listPeople(scope: string): Promise<Person[]> {
    const params: unknown[] = [];
    const scoped = scopeCondition('p.org', scope, (v) => `$${params.push(v)}`);
    const rows = await this.db.query<PersonRow>(`${PERSON_SELECT} ${scoped ? `WHERE ${scoped}` : ''} GROUP BY p.id ORDER BY p.id`, params);
    return rows.map(toPerson);
  }

  async deletePerson(scope: string, id: string): Promise<boolean> {
    const params: unknown[] = [id];
    const scoped = scopeCondition('org', scope, (v) => `$${params.push(v)}`);
    return (await this.db.query(`DELETE FROM people WHERE id = $1${scoped ? ` AND ${scoped}` : ''} RETURNING id`, params)).length > 0;
  }

  private async deviceIn(q: Queryable, scope: string, terminal: string): Promise<DeviceRecord | undefined> {
    const params: unknown[] = [terminal];
    const scoped = scopeCondition('d.org', scope, (v) => `$${params.push(v)}`);
    const rows = await q.query<DeviceRow>(`${DEVICE_SELECT} WHERE d.terminal = $1${scoped ? ` AND ${scoped}` : ''}`, params);
    return rows[0] && toDevice(rows[0]);
  }
}

interface DeviceRow extends Record<string, unknown> {
  terminal: string;
  category: Category;
  org: string;
  plate: string | null;
  officer: string | null;
  terminal_id: string | null;
  epoch: number;
  channels: number[];
  person_id: string | null;
}

const DEVICE_SELECT = 'SELECT d.terminal, d.category, d.org, d.plate, d.officer, d.terminal_id, d.epoch, d.channels, pd.person_id FROM devices d LEFT JOIN person_devices pd ON pd.terminal = d.terminal';

function toDevice(r: DeviceRow): DeviceRecord {
  const d: DeviceRecord = { terminal: r.terminal, category: r.category, org: r.org, epoch: Number(r.epoch), channels: (r.channels ?? []).map(Number) };
  if (r.plate !== null) d.plate = r.plate;
  if (r.officer !== null) d.officer = r.officer;
  if (r.terminal_id !== null) d.terminalId = r.terminal_id;
  if (r.person_id !== null) d.person = r.person_id;
  return d;
}

async function upsertDevice(q: Queryable, d: Omit<DeviceRecord, 'person'>): Promise<void> {
  await q.query(
    `INSERT INTO devices (terminal, category, org, plate, officer, terminal_id, epoch, channels) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::smallint[])
     ON CONFLICT (terminal) DO UPDATE SET category = EXCLUDED.category, org = EXCLUDED.org, plate = EXCLUDED.plate, officer = EXCLUDED.officer,
       terminal_id = EXCLUDED.terminal_id, epoch = EXCLUDED.epoch, channels = EXCLUDED.channels, updated_at = now()`,
    [d.terminal, d.category, d.org, d.plate ?? null, d.officer ?? null, d.terminalId ?? null, d.epoch, d.channels],
  );
}

interface PersonRow extends Record<string, unknown> {
  id: string;
  name: string;
  role: PersonRole;
  org: string;
  devices: string[] | null;
}

const PERSON_SELECT = `SELECT p.id, p.name, p.role, p.org, array_remove(array_agg(pd.terminal ORDER BY pd.terminal), NULL) AS devices
  FROM people p LEFT JOIN person_devices pd ON pd.person_id = p.id`;

const toPerson = (r: PersonRow): Person => ({ id: r.id, name: r.name, role: r.role, org: r.org, devices: r.devices ?? [] });

async function personIn(q: Queryable, scope: string, id: string): Promise<Person | undefined> {
  const params: unknown[] = [id];
  const scoped = scopeCondition('p.org', scope, (v) => `$${params.push(v)}`);
  const rows = await q.query<PersonRow>(`${PERSON_SELECT} WHERE p.id = $1${scoped ? ` AND ${scoped}` : ''} GROUP BY p.id`, params);
  return rows[0] && toPerson(rows[0]);
}
