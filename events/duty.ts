/**
 * Duty areas (执法勤务区域, issue 18): a beat drawn as a GeoJSON Polygon or MultiPolygon (WGS-84),
 * owned by an org unit, with weekly shifts in the command centre's zone and the devices and
 * people assigned to it. A device on shift outside its area for longer than a grace opens an
 * `off-post` incident; one not heard from opens `no-signal`. Entering and leaving are events
 * (DutyChange) on the stream, MQTT and Kafka.
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';

/** ISO 8601's week, Monday first: the index + 1 is the ISO day number the database keeps. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** The incidents a duty area opens (store/duty-watch.ts), beside the alarms' kinds. */
export const DUTY_INCIDENT_KINDS = ['off-post', 'no-signal'] as const;
export type DutyIncidentKind = (typeof DUTY_INCIDENT_KINDS)[number];

export const DUTY_AREA_ID = '^[A-Za-z0-9._:-]{1,64}$';
const HHMM = '^(?:[01][0-9]|2[0-3]):[0-5][0-9]$';

export const ShiftSchema = Type.Object(
  {
    day: Type.String({ pattern: `^(?:${WEEKDAYS.join('|')})$`, description: `the day the shift starts on: ${WEEKDAYS.join(', ')}` }),
    start: Type.String({ pattern: HHMM, description: 'HH:MM in web.timeZone' }),
    end: Type.String({ pattern: '^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$', description: 'HH:MM in web.timeZone; before start = the next day (a night shift), equal to start = 24 hours; 24:00 = midnight' }),
  },
  { additionalProperties: false },
);
export type Shift = Omit<Static<typeof ShiftSchema>, 'day'> & { day: Weekday };

/** A GeoJSON position: [longitude, latitude] (an altitude after them is allowed and ignored). */
const Position = Type.Array(Type.Number(), { minItems: 2, maxItems: 3 });

/** The shape only; rings closed, ranges, counts and crossings are events/duty-geometry.ts's to check. */
export function geometrySchema(maxVertices: number) {
  const Ring = Type.Array(Position, { minItems: 4, maxItems: maxVertices + 1 });
  const Rings = Type.Array(Ring, { minItems: 1, maxItems: 64, description: 'the outer ring, then its holes' });
  return Type.Union(
    [
      Type.Object({ type: Type.Literal('Polygon'), coordinates: Rings }, { additionalProperties: true }),
      Type.Object({ type: Type.Literal('MultiPolygon'), coordinates: Type.Array(Rings, { minItems: 1, maxItems: 256 }) }, { additionalProperties: true }),
    ],
    { description: 'GeoJSON (RFC 7946) Polygon or MultiPolygon, WGS-84 longitude/latitude' },
  );
}

export type DutyGeometry = { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] };

/** What a client sends for an area (PUT /api/duty-areas/{id}, a feature's properties in an import). */
export function dutyAreaBodySchema(maxVertices: number, maxAssigned: number) {
  return Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 200 }),
      org: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}(?:/[A-Za-z0-9._-]{1,64}){0,9}$', description: 'the org unit that owns it; its devices and people are of this unit or below' }),
      geometry: geometrySchema(maxVertices),
      shifts: Type.Array(ShiftSchema, { maxItems: 64, default: [] }),
      devices: Type.Array(Type.String({ pattern: '^[0-9a-fA-F]{1,20}$' }), { maxItems: maxAssigned, uniqueItems: true, default: [], description: 'terminals assigned' }),
      people: Type.Array(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,64}$' }), { maxItems: maxAssigned, uniqueItems: true, default: [], description: 'people assigned: the devices they carry are watched' }),
    },
    { additionalProperties: false },
  );
}

export interface DutyAreaInput {
  id: string;
  name: string;
  org: string;
  geometry: DutyGeometry;
  shifts: Shift[];
  devices: string[];
  people: string[];
}

export interface DutyArea extends DutyAreaInput {
  updatedAt: string;
}

export const DUTY_CHANGES = ['entered', 'left'] as const;
export type DutyChangeKind = (typeof DUTY_CHANGES)[number];

export const DutyChangeSchema = Type.Object(
  {
    terminal: Type.String(),
    category: Type.String(),
    org: Type.String({ description: "the device's org unit" }),
    area: Type.String({ description: 'the duty area id' }),
    areaOrg: Type.String({ description: "the area's org unit" }),
    change: Type.Union(DUTY_CHANGES.map((c) => Type.Literal(c))),
    onShift: Type.Boolean({ description: 'the area had a shift running at the time' }),
    at: Type.String({ format: 'date-time', description: "the report's arrival at the gateway" }),
    lat: Type.Number(),
    lng: Type.Number(),
  },
  { $id: 'https://dipper.dev/schemas/duty.json', title: 'DutyChange', additionalProperties: false, description: 'a device assigned to a duty area entered or left it' },
);
export type DutyChange = Static<typeof DutyChangeSchema>;

/** An area and how many of its units are on post now: the duty tile layer's feature (map/tiles/duty.ts). */
export interface AreaCoverage {
  area: DutyArea;
  /** units assigned (devices, and the devices people carry) within the asker's scope */
  assigned: number;
  onPost: number;
  offPost: number;
  silent: number;
  /** a shift of the area is running now */
  onShift: boolean;
}

/** Where the map reads duty coverage (the gateway's duty watch); `version` moves when a count may have. */
export interface DutyCoverageSource {
  readonly coverageVersion: number;
  /** `units`: which units to count, by their org unit (the asker's scope) */
  coverage(now?: number, units?: (org: string) => boolean): readonly AreaCoverage[];
}
