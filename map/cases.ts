/**
 * Enforcement cases (警情/案件): created and updated through the API, kept in memory, shown
 * on the map (the `cases` layer of cluster tiles, the `cases` heat layer) and published to the
 * sinks as Case events. Each case belongs to an org unit, so scopes apply to it as to terminals.
 *
 * Keyed by ids API clients choose, so bounded: at most `max` cases (map.maxCases). Past it the
 * oldest closed or cancelled case is dropped to make room (it is history, already out to the
 * sinks); when every case is still open, a new one is refused (HTTP 507) rather than an open
 * case forgotten. Counted either way.
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';

import { CASE_STATUSES, CaseSchema } from '../events/case.js';
import type { Case } from '../events/case.js';

export { CASE_STATUSES, CaseSchema };
export type { Case };

const Location = CaseSchema.properties.location;

export const CaseCreateSchema = Type.Object(
  {
    id: CaseSchema.properties.id,
    type: CaseSchema.properties.type,
    status: Type.Optional(CaseSchema.properties.status),
    location: Location,
    time: CaseSchema.properties.time,
    org: Type.Optional(CaseSchema.properties.org),
    description: CaseSchema.properties.description,
    note: Type.Optional(Type.String({ maxLength: 2000, description: "for the case's history: why" })),
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
    note: Type.Optional(Type.String({ maxLength: 2000, description: "for the case's history: why (alone, it is recorded without a change)" })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type CasePatch = Static<typeof CasePatchSchema>;

/** ids match ^[A-Za-z0-9._:-]+$ (no NUL): id + NUL + org names one case unambiguously */
const keyOf = (org: string, id: string) => `${id}\u0000${org}`;

/**
 * Cases by (org, id): an id is unique within an org unit, not across them. Another district's
 * case can never make a creation fail (a 409 there would tell the caller that district has that
 * id); a caller only ever collides with cases its scope shows it (cases.ts routes).
 */
export class CaseStore {
  /** by key, in order of creation: the first closed one is the oldest to drop */
  private readonly cases = new Map<string, Case>();
  /** id -> the org units holding a case with that id */
  private readonly orgsById = new Map<string, Set<string>>();
  version = 0;

  constructor(
    private readonly max = 100_000,
    private readonly onDrop: (outcome: 'evicted' | 'refused') => void = () => undefined,
  ) {}

  /**
   * Can this case be stored? True when it exists (an update, or the caller's conflict) or
   * there is room, made by dropping the oldest closed or cancelled case if needed.
   */
  room(org: string, id: string): boolean {
    if (this.cases.has(keyOf(org, id)) || this.cases.size < this.max) return true;
    for (const [key, c] of this.cases) {
      if (c.status !== 'closed' && c.status !== 'cancelled') continue;
      this.cases.delete(key);
      const orgs = this.orgsById.get(c.id)!;
      orgs.delete(c.org);
      if (orgs.size === 0) this.orgsById.delete(c.id);
      this.version++;
      this.onDrop('evicted');
      return true;
    }
    this.onDrop('refused');
    return false;
  }

  get size(): number {
    return this.cases.size;
  }

  /** The case with this id in exactly this org unit. */
  getIn(org: string, id: string): Case | undefined {
    return this.cases.get(keyOf(org, id));
  }

  /** The cases with this id whose org passes `visible` (the caller's scope). */
  find(id: string, visible: (org: string) => boolean): Case[] {
    const out: Case[] = [];
    for (const org of this.orgsById.get(id) ?? []) if (visible(org)) out.push(this.getIn(org, id)!);
    return out;
  }

  /** The case with this id when one org unit has it; undefined when none or several (callers that know only the id: withhold). */
  get(id: string): Case | undefined {
    const orgs = this.orgsById.get(id);
    return orgs?.size === 1 ? this.getIn(orgs.values().next().value!, id) : undefined;
  }

  /** undefined when the id exists in that org unit, or there is no room */
  create(input: CaseCreate, org: string, now = new Date()): Case | undefined {
    if (this.getIn(org, input.id) || !this.room(org, input.id)) return undefined;
    const at = now.toISOString();
    const c: Case = { id: input.id, type: input.type, status: input.status ?? 'open', location: input.location, time: new Date(input.time).toISOString(), org, createdAt: at, updatedAt: at };
    if (input.description !== undefined) c.description = input.description;
    this.set(c);
    return c;
  }

  /** A case as it is (from another replica through Kafka): newest updatedAt wins, decided by the caller. */
  put(c: Case): void {
    if (!this.room(c.org, c.id)) return;
    this.set(c);
  }

  update(org: string, id: string, patch: CasePatch, now = new Date()): Case | undefined {
    const before = this.getIn(org, id);
    if (!before) return undefined;
    const c: Case = { ...before, ...patch, updatedAt: now.toISOString() };
    if (patch.time) c.time = new Date(patch.time).toISOString();
    this.set(c);
    return c;
  }

  list(filter: (c: Case) => boolean): Case[] {
    const out: Case[] = [];
    for (const c of this.cases.values()) if (filter(c)) out.push(c);
    return out;
  }

  private set(c: Case): void {
    this.cases.set(keyOf(c.org, c.id), c);
    let orgs = this.orgsById.get(c.id);
    if (!orgs) this.orgsById.set(c.id, (orgs = new Set()));
    orgs.add(c.org);
    this.version++;
  }
}
