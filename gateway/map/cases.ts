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

export class CaseStore {
  /** in order of creation: the first closed one is the oldest to drop */
  private readonly cases = new Map<string, Case>();
  version = 0;

  constructor(
    private readonly max = 100_000,
    private readonly onDrop: (outcome: 'evicted' | 'refused') => void = () => undefined,
  ) {}

  /**
   * Can a case with this id be stored? True when it exists (an update, or the caller's
   * conflict) or there is room, made by dropping the oldest closed or cancelled case if needed.
   */
  room(id: string): boolean {
    if (this.cases.has(id) || this.cases.size < this.max) return true;
    for (const [old, c] of this.cases) {
      if (c.status !== 'closed' && c.status !== 'cancelled') continue;
      this.cases.delete(old);
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

  get(id: string): Case | undefined {
    return this.cases.get(id);
  }

  /** undefined when the id exists */
  create(input: CaseCreate, org: string, now = new Date()): Case | undefined {
    if (this.cases.has(input.id) || !this.room(input.id)) return undefined;
    const at = now.toISOString();
    const c: Case = { id: input.id, type: input.type, status: input.status ?? 'open', location: input.location, time: new Date(input.time).toISOString(), org, createdAt: at, updatedAt: at };
    if (input.description !== undefined) c.description = input.description;
    this.cases.set(c.id, c);
    this.version++;
    return c;
  }

  /** A case as it is (from another replica through Kafka): newest updatedAt wins, decided by the caller. */
  put(c: Case): void {
    if (!this.room(c.id)) return;
    this.cases.set(c.id, c);
    this.version++;
  }

  update(id: string, patch: CasePatch, now = new Date()): Case | undefined {
    const before = this.cases.get(id);
    if (!before) return undefined;
    const c: Case = { ...before, ...patch, updatedAt: now.toISOString() };
    if (patch.time) c.time = new Date(patch.time).toISOString();
    this.cases.set(id, c);
    this.version++;
    return c;
  }

  list(filter: (c: Case) => boolean): Case[] {
    const out: Case[] = [];
    for (const c of this.cases.values()) if (filter(c)) out.push(c);
    return out;
  }
}
