/**
 * Enforcement cases (警情/案件): created and updated through the API, kept in memory, shown
 * on the map (the `cases` layer of cluster tiles, the `cases` heat layer) and published to the
 * sinks as Case events. Each case belongs to an org unit, so scopes apply to it as to terminals.
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';

export const CASE_STATUSES = ['open', 'dispatched', 'onscene', 'closed', 'cancelled'] as const;

const Location = Type.Object(
  {
    lat: Type.Number({ minimum: -90, maximum: 90, description: 'WGS-84 degrees' }),
    lng: Type.Number({ minimum: -180, maximum: 180, description: 'WGS-84 degrees' }),
  },
  { additionalProperties: false },
);

export const CaseSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9._:-]{1,64}$' }),
    type: Type.String({ minLength: 1, maxLength: 64, description: 'case type, e.g. traffic, theft, dispute' }),
    status: Type.Union(CASE_STATUSES.map((s) => Type.Literal(s))),
    location: Location,
    time: Type.String({ format: 'date-time', description: 'when it happened (reported)' }),
    org: Type.String({ maxLength: 200, description: 'org unit in charge; defaults to the token scope' }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'https://dipper.dev/schemas/case.json', title: 'Case', additionalProperties: false },
);
export type Case = Static<typeof CaseSchema>;

export const CaseCreateSchema = Type.Object(
  {
    id: CaseSchema.properties.id,
    type: CaseSchema.properties.type,
    status: Type.Optional(CaseSchema.properties.status),
    location: Location,
    time: CaseSchema.properties.time,
    org: Type.Optional(CaseSchema.properties.org),
    description: CaseSchema.properties.description,
  },
  { additionalProperties: false },
);
export type CaseCreate = Static<typeof CaseCreateSchema>;

export const CasePatchSchema = Type.Object(
  {
    type: Type.Optional(CaseSchema.properties.type),
    status: Type.Optional(CaseSchema.properties.status),
    location: Type.Optional(Location),
    time: Type.Optional(CaseSchema.properties.time),
    description: CaseSchema.properties.description,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type CasePatch = Static<typeof CasePatchSchema>;

/**
 * Cases by (org, id): an id is unique within an org unit, not across them. Another district's
 * case can never make a creation fail (a 409 there would tell the caller that district has that
 * id); a caller only ever collides with cases its scope shows it (cases.ts routes).
 */
export class CaseStore {
  /** id -> org -> case */
  private readonly cases = new Map<string, Map<string, Case>>();
  private count = 0;
  version = 0;

  get size(): number {
    return this.count;
  }

  /** The case with this id in exactly this org unit. */
  getIn(org: string, id: string): Case | undefined {
    return this.cases.get(id)?.get(org);
  }

  /** The cases with this id whose org passes `visible` (the caller's scope). */
  find(id: string, visible: (org: string) => boolean): Case[] {
    const out: Case[] = [];
    for (const c of this.cases.get(id)?.values() ?? []) if (visible(c.org)) out.push(c);
    return out;
  }

  /** The case with this id when one org unit has it; undefined when none or several (callers that know only the id: withhold). */
  get(id: string): Case | undefined {
    const orgs = this.cases.get(id);
    return orgs?.size === 1 ? orgs.values().next().value : undefined;
  }

  /** undefined when the id exists in that org unit */
  create(input: CaseCreate, org: string, now = new Date()): Case | undefined {
    if (this.getIn(org, input.id)) return undefined;
    const at = now.toISOString();
    const c: Case = { id: input.id, type: input.type, status: input.status ?? 'open', location: input.location, time: new Date(input.time).toISOString(), org, createdAt: at, updatedAt: at };
    if (input.description !== undefined) c.description = input.description;
    this.put(c);
    return c;
  }

  /** A case as it is (from another replica through Kafka): newest updatedAt wins, decided by the caller. */
  put(c: Case): void {
    let orgs = this.cases.get(c.id);
    if (!orgs) this.cases.set(c.id, (orgs = new Map()));
    if (!orgs.has(c.org)) this.count++;
    orgs.set(c.org, c);
    this.version++;
  }

  update(org: string, id: string, patch: CasePatch, now = new Date()): Case | undefined {
    const before = this.getIn(org, id);
    if (!before) return undefined;
    const c: Case = { ...before, ...patch, updatedAt: now.toISOString() };
    if (patch.time) c.time = new Date(patch.time).toISOString();
    this.put(c);
    return c;
  }

  list(filter: (c: Case) => boolean): Case[] {
    const out: Case[] = [];
    for (const orgs of this.cases.values()) for (const c of orgs.values()) if (filter(c)) out.push(c);
    return out;
  }
}
