/** The store's settings: where what must outlive a restart is kept (registry, cases, incidents, media records). */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import type { TNumber } from '@sinclair/typebox';
import { CATEGORIES } from '../events/categories.js';
import type { Category } from '../events/categories.js';
import { Section } from '../events/settings.js';

/** a patrol car in town, an officer on foot */
const SPEED_KMH: Record<Category, number> = { vehicle: 30, bodycam: 5, handheld: 5, fixedcam: 1, unknown: 5 };

export const StoreSections = {
  database: Section({
    url: Type.String({ default: '', description: 'postgres://user:password@host:port/db of a PostgreSQL server; empty = the embedded PGlite under dataDir/db (no server)' }),
    poolSize: Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'connections to PostgreSQL at most (PGlite has one)' }),
    probeMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 5000, description: 'how often the database is asked whether it answers (dipper_database_up, /readyz)' }),
    embeddedSharedBuffersMb: Type.Integer({
      minimum: 1,
      maximum: 1024,
      default: 16,
      description: "PGlite's shared_buffers (MB): PostgreSQL's default, 128, cost 110 of the 420 MB a restarted gateway held and buys nothing for the embedded database's few megabytes of records (its files stay in the OS page cache)",
    }),
  }),
  incidents: Section({
    maxPending: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 100_000, description: 'alarm episodes (terminal, kind) held in memory while the database is away; past it a new one is refused and counted' }),
    retryMs: Type.Integer({ minimum: 10, maximum: 600_000, default: 500, description: 'first retry of a failed incident write; doubles up to maxRetryMs' }),
    maxRetryMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 30_000 }),
  }),
  mediaRecords: Section({
    maxPending: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 100_000, description: "media files' records (and deletions to mark on them) held in memory while the database is away; past it a new one is refused and counted (its bytes stay in the media store, unlisted)" }),
    retryMs: Type.Integer({ minimum: 10, maximum: 600_000, default: 500, description: 'first retry of a failed media record write; doubles up to maxRetryMs' }),
    maxRetryMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 30_000 }),
  }),
  dispatch: Section({
    speedKmh: Type.Object(Object.fromEntries(CATEGORIES.map((c) => [c, Type.Number({ exclusiveMinimum: 0, maximum: 200, default: SPEED_KMH[c] })])) as Record<Category, TNumber>, {
      additionalProperties: false,
      default: {},
      description: 'average speed per category (km/h) for the ETA of a candidate: straight line, not road distance',
    }),
    candidates: Type.Array(Type.Union(CATEGORIES.map((c) => Type.Literal(c))), { uniqueItems: true, default: ['vehicle', 'bodycam', 'handheld'], description: 'categories a candidate search offers when the caller names none' }),
    maxUnits: Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'units one dispatch order may send' }),
    arrivalRadiusM: Type.Integer({ minimum: 10, maximum: 10_000, default: 100, description: 'a dispatched unit this close to its target ...' }),
    arrivalDwellMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 30_000, description: '... for this long has arrived (the case becomes onscene)' }),
    refreshMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 5000, description: 'how often engaged units are read again from the database (orders sent by another gateway)' }),
  }),
  duty: Section({
    offPostGraceMs: Type.Integer({ minimum: 0, maximum: 86_400_000, default: 300_000, description: 'a device on shift outside its duty area this long opens an off-post incident' }),
    noSignalMs: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: 600_000, description: 'a device on shift not heard from (no location report) this long opens a no-signal incident' }),
    checkMs: Type.Integer({ minimum: 10, maximum: 600_000, default: 5000, description: 'how often the watch looks for devices off post or silent past their limits' }),
    refreshMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 30_000, description: 'how often the areas are read again from the database (changes made through another gateway)' }),
    h3Resolution: Type.Integer({ minimum: 0, maximum: 15, default: 9, description: "finest H3 resolution of an area's cover; at h3.resolution the report's own cell is used, at another each report's cell is found again (~4 µs)" }),
    maxCellsPerArea: Type.Integer({ minimum: 16, maximum: 1_000_000, default: 20_000, description: "an area's cover is made coarser until it has at most this many cells (then its interior cells are merged into their parents: 8 bytes a cell kept)" }),
    maxAreas: Type.Integer({ minimum: 1, maximum: 100_000, default: 10_000, description: 'duty areas in the database at most; past it a new one is refused' }),
    maxVertices: Type.Integer({ minimum: 4, maximum: 100_000, default: 5000, description: "positions in an area's geometry at most (all its rings)" }),
    maxAssigned: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000, description: 'devices, and people, assigned to one area at most' }),
  }),
};
export type DutySettings = Static<typeof StoreSections.duty>;
export type DispatchSettings = Static<typeof StoreSections.dispatch>;
export type DatabaseSettings = Static<typeof StoreSections.database>;
export type IncidentSettings = Static<typeof StoreSections.incidents>;
export type MediaRecordSettings = Static<typeof StoreSections.mediaRecords>;
