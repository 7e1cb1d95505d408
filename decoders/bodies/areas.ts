/**
 * Area and route family (platform -> terminal settings, 2019 query and answer).
 *
 *   0x8600 set circles      action BYTE (0 update, 1 append, 2 modify), count BYTE, count x
 *                           {id DWORD, attr WORD, lat DWORD, lng DWORD, radius DWORD (m),
 *                            [start BCD[6], end BCD[6]] when attr bit 0,
 *                            [maxSpeed WORD (km/h), overspeedDuration BYTE (s)] when attr bit 1,
 *                            2019: [nightMaxSpeed WORD] when attr bit 1, nameLen WORD, name}
 *   0x8602 set rectangles   as 0x8600 with topLeftLat, topLeftLng, bottomRightLat,
 *                           bottomRightLng DWORD in place of lat, lng, radius
 *   0x8604 set polygon      id DWORD, attr WORD, [start, end] bit 0, [maxSpeed, overspeedDuration]
 *                           bit 1, count WORD, count x {lat DWORD, lng DWORD},
 *                           2019: [nightMaxSpeed WORD] bit 1, nameLen WORD, name
 *   0x8606 set route        id DWORD, attr WORD, [start, end] bit 0, count WORD, count x
 *                           {inflectionId DWORD, segmentId DWORD, lat DWORD, lng DWORD, width BYTE
 *                            (m), attr BYTE, [longThreshold WORD, shortThreshold WORD (s)] when
 *                            attr bit 0, [maxSpeed WORD, overspeedDuration BYTE] when attr bit 1,
 *                            2019: [nightMaxSpeed WORD] when attr bit 1},
 *                           2019: nameLen WORD, name
 *   0x8601 / 0x8603 / 0x8605 / 0x8607 delete   count BYTE (0 = all), ids DWORD x count
 *   0x8608 query (2019)     type BYTE (1 circle, 2 rectangle, 3 polygon, 4 route), count DWORD,
 *                           ids DWORD x count (count 0 = all of that type)
 *   0x0608 answer (2019)    type BYTE, count DWORD, count x one area or route in the layout of
 *                           an 0x8600 / 0x8602 item or a whole 0x8604 / 0x8606 body
 *
 * Area attribute bits (WORD): 0 by time, 1 speed limit, 2/3 alarm driver/platform on entry,
 * 4/5 on exit, 6 south latitude, 7 west longitude, 8 doors forbidden, 14 radio off inside,
 * 15 collect GNSS detail. Route attribute: 0 by time, 2-5 the entry/exit alarms. Segment
 * attribute (BYTE): 0 drive-time thresholds, 1 speed limit, 2 south, 3 west.
 *
 * Decisions:
 * - Coordinates are signed degrees (DWORD / 1e6, negative when the hemisphere bit is set), the
 *   same convention as 0x0200's `lat`/`lng`. The raw attribute is kept. The encoder sets the
 *   hemisphere bit for a negative value and clears it for a positive one (0 keeps it); a
 *   rectangle or polygon whose corners disagree in sign is an encode error, since one bit
 *   serves the whole area.
 * - Start/end times stay the 12 BCD digits YYMMDDhhmmss (GMT+8) as sent: the standard lets
 *   zero date parts mean "every day" (000000083000 = daily from 08:30), which an ISO instant
 *   cannot say.
 * - 2019 polygons carry nightMaxSpeed after the vertices, not after overspeedDuration as
 *   circles and rectangles do: both SmallChi (JT808_0x8604.cs) and toggery (B8604Codec) read
 *   it there.
 * - 0x0608: SmallChi wraps each circle or rectangle in a whole 0x8600 / 0x8602 body (action
 *   and BYTE count included); toggery (B0608Codec) reads bare items. The 2019 text says the
 *   DWORD counts areas, so items are read bare. An unknown type keeps the rest as `raw`.
 * - 0x8608 / 0x0608 are 2019 messages but decode under any header; the item layouts follow
 *   the header's edition.
 */
import { fail } from '../errors.js';
import { bcd, gbk16, list, rest, struct, u16, u32, u8, when } from '../fields.js';
import type { BodyContext, Field } from '../fields.js';
import { defineBody } from '../registry.js';
import type { BodyCodec } from '../registry.js';

/** Fields every area carries after its geometry (2019 adds the night speed and name). */
export interface AreaLimits {
  /** YYMMDDhhmmss GMT+8 as sent (attr bit 0). */
  startTime?: string;
  endTime?: string;
  /** km/h (attr bit 1). */
  maxSpeed?: number;
  /** Seconds over the limit before an alarm (attr bit 1). */
  overspeedDuration?: number;
  /** 2019, attr bit 1. */
  nightMaxSpeed?: number;
  /** 2019. */
  name?: string;
}

export interface CircleArea extends AreaLimits {
  id: number;
  attr: number;
  lat: number;
  lng: number;
  /** metres */
  radius: number;
}

export interface RectangleArea extends AreaLimits {
  id: number;
  attr: number;
  topLeftLat: number;
  topLeftLng: number;
  bottomRightLat: number;
  bottomRightLng: number;
}

export interface PolygonArea extends AreaLimits {
  id: number;
  attr: number;
  vertices: { lat: number; lng: number }[];
}

export interface RoutePoint {
  inflectionId: number;
  segmentId: number;
  lat: number;
  lng: number;
  /** metres */
  width: number;
  /** Segment attribute BYTE. */
  attr: number;
  /** Seconds: segment driven too long / not long enough (attr bit 0). */
  longThreshold?: number;
  shortThreshold?: number;
  maxSpeed?: number;
  overspeedDuration?: number;
  nightMaxSpeed?: number;
}

export interface Route {
  id: number;
  attr: number;
  startTime?: string;
  endTime?: string;
  points: RoutePoint[];
  name?: string;
}

export interface AreaSetting<A> {
  /** 0 update (replace all), 1 append, 2 modify. */
  action: number;
  areas: A[];
}

export interface AreaDeletion {
  /** Empty = delete every area of the kind. */
  ids: number[];
}

export interface AreaQuery {
  /** 1 circle, 2 rectangle, 3 polygon, 4 route. */
  type: number;
  ids: number[];
}

export type AreaQueryAnswer =
  | { type: 1; areas: CircleArea[] }
  | { type: 2; areas: RectangleArea[] }
  | { type: 3; areas: PolygonArea[] }
  | { type: 4; areas: Route[] }
  | { type: number; raw: Buffer };

declare module '../message.js' {
  interface BodyMap {
    0x8600: AreaSetting<CircleArea>;
    0x8601: AreaDeletion;
    0x8602: AreaSetting<RectangleArea>;
    0x8603: AreaDeletion;
    0x8604: PolygonArea;
    0x8605: AreaDeletion;
    0x8606: Route;
    0x8607: AreaDeletion;
    0x8608: AreaQuery;
    0x0608: AreaQueryAnswer;
  }
}

export const AREA_BY_TIME = 1 << 0;
export const AREA_SPEED_LIMIT = 1 << 1;
export const AREA_SOUTH = 1 << 6;
export const AREA_WEST = 1 << 7;
export const SEGMENT_SOUTH = 1 << 2;
export const SEGMENT_WEST = 1 << 3;

type Parent = Record<string, unknown>;

function degrees(raw: number, negative: boolean): number {
  if (raw === 0) return 0; // never -0
  return (negative ? -raw : raw) / 1e6;
}

function micro(deg: number, what: string): number {
  if (!Number.isFinite(deg)) fail('encode', `${what}: ${deg} is not a coordinate`);
  return Math.round(Math.abs(deg) * 1e6);
}

/** The attribute with `bit` set for negative values, cleared for positive ones, kept for 0. */
function hemisphere(attr: number, bit: number, values: number[], what: string): number {
  const negative = values.some((v) => v < 0);
  const positive = values.some((v) => v > 0);
  if (negative && positive) fail('encode', `${what}: one hemisphere bit cannot carry both signs`);
  return negative ? attr | bit : positive ? attr & ~bit : attr;
}

const bit = (mask: number) => (p: Parent): boolean => ((p.attr as number) & mask) !== 0;
const byTime = bit(AREA_BY_TIME);
const speedLimited = bit(AREA_SPEED_LIMIT);
const is2019 = (_: Parent, ctx: BodyContext): boolean => ctx.version === '2019';
const nightSpeed = (p: Parent, ctx: BodyContext): boolean => is2019(p, ctx) && speedLimited(p);

/** A coordinate DWORD signed by a hemisphere bit of the area's attribute (read before it). */
function coordinate(mask: number, what: string): Field<number> {
  return {
    read: (r, _ctx, p) => degrees(r.u32(what), ((p.attr as number) & mask) !== 0),
    write: (w, v) => void w.u32(micro(v, what), what),
  };
}

/**
 * The fields an attribute and edition call for must be given: `when` would otherwise leave
 * them out and shift every byte after them.
 */
function requireLimits(v: AreaLimits & { id: number; attr: number }, ctx: BodyContext, speedBits: boolean): void {
  const missing: string[] = [];
  if (v.attr & AREA_BY_TIME && (v.startTime === undefined || v.endTime === undefined)) missing.push('startTime/endTime');
  if (speedBits && v.attr & AREA_SPEED_LIMIT) {
    if (v.maxSpeed === undefined || v.overspeedDuration === undefined) missing.push('maxSpeed/overspeedDuration');
    if (ctx.version === '2019' && v.nightMaxSpeed === undefined) missing.push('nightMaxSpeed');
  }
  if (ctx.version === '2019' && v.name === undefined) missing.push('name');
  if (missing.length) fail('encode', `area ${v.id} with attr 0x${v.attr.toString(16)} needs ${missing.join(', ')}`);
}

/** Encodes with the hemisphere bits matched to the signs of the area's coordinates. */
function signedArea<T extends AreaLimits & { id: number; attr: number }>(inner: Field<T>, lats: (v: T) => number[], lngs: (v: T) => number[]): Field<T> {
  return {
    read: inner.read,
    write(w, v, ctx, parent) {
      const attr = hemisphere(hemisphere(v.attr, AREA_SOUTH, lats(v), 'latitude'), AREA_WEST, lngs(v), 'longitude');
      requireLimits(v, ctx, true);
      inner.write(w, attr === v.attr ? v : { ...v, attr }, ctx, parent);
    },
  };
}

const times = { startTime: when(byTime, bcd(6)), endTime: when(byTime, bcd(6)) };
const speed = { maxSpeed: when(speedLimited, u16), overspeedDuration: when(speedLimited, u8) };

export const circleArea = signedArea(
  struct({
    id: u32,
    attr: u16,
    lat: coordinate(AREA_SOUTH, 'latitude'),
    lng: coordinate(AREA_WEST, 'longitude'),
    radius: u32,
    ...times,
    ...speed,
    nightMaxSpeed: when(nightSpeed, u16),
    name: when(is2019, gbk16),
  }) as Field<CircleArea>,
  (v) => [v.lat],
  (v) => [v.lng],
);

export const rectangleArea = signedArea(
  struct({
    id: u32,
    attr: u16,
    topLeftLat: coordinate(AREA_SOUTH, 'latitude'),
    topLeftLng: coordinate(AREA_WEST, 'longitude'),
    bottomRightLat: coordinate(AREA_SOUTH, 'latitude'),
    bottomRightLng: coordinate(AREA_WEST, 'longitude'),
    ...times,
    ...speed,
    nightMaxSpeed: when(nightSpeed, u16),
    name: when(is2019, gbk16),
  }) as Field<RectangleArea>,
  (v) => [v.topLeftLat, v.bottomRightLat],
  (v) => [v.topLeftLng, v.bottomRightLng],
);

/** A polygon vertex: its signs come from the polygon's attribute (the list's parent). */
const vertex: Field<{ lat: number; lng: number }> = {
  read: (r, _ctx, p) => ({
    lat: degrees(r.u32('vertex latitude'), ((p.attr as number) & AREA_SOUTH) !== 0),
    lng: degrees(r.u32('vertex longitude'), ((p.attr as number) & AREA_WEST) !== 0),
  }),
  write(w, v) {
    w.u32(micro(v.lat, 'vertex latitude'), 'vertex latitude').u32(micro(v.lng, 'vertex longitude'), 'vertex longitude');
  },
};

export const polygonArea = signedArea(
  struct({
    id: u32,
    attr: u16,
    ...times,
    ...speed,
    vertices: list(u16, vertex),
    nightMaxSpeed: when(nightSpeed, u16),
    name: when(is2019, gbk16),
  }) as Field<PolygonArea>,
  (v) => v.vertices.map((x) => x.lat),
  (v) => v.vertices.map((x) => x.lng),
);

const need = (v: number | undefined, what: string): number => (v === undefined ? fail('encode', `route point needs ${what}`) : v);

/** A route point: hand-written, since its hemisphere bits follow the coordinates they sign. */
const routePoint: Field<RoutePoint> = {
  read(r, ctx) {
    const inflectionId = r.u32('inflection id');
    const segmentId = r.u32('segment id');
    const rawLat = r.u32('point latitude');
    const rawLng = r.u32('point longitude');
    const width = r.u8('segment width');
    const attr = r.u8('segment attribute');
    const p: RoutePoint = {
      inflectionId,
      segmentId,
      lat: degrees(rawLat, (attr & SEGMENT_SOUTH) !== 0),
      lng: degrees(rawLng, (attr & SEGMENT_WEST) !== 0),
      width,
      attr,
    };
    if (attr & AREA_BY_TIME) {
      p.longThreshold = r.u16('too-long threshold');
      p.shortThreshold = r.u16('too-short threshold');
    }
    if (attr & AREA_SPEED_LIMIT) {
      p.maxSpeed = r.u16('segment max speed');
      p.overspeedDuration = r.u8('segment overspeed duration');
      if (ctx.version === '2019') p.nightMaxSpeed = r.u16('segment night max speed');
    }
    return p;
  },
  write(w, p, ctx) {
    const attr = hemisphere(hemisphere(p.attr, SEGMENT_SOUTH, [p.lat], 'latitude'), SEGMENT_WEST, [p.lng], 'longitude');
    w.u32(p.inflectionId, 'inflection id').u32(p.segmentId, 'segment id');
    w.u32(micro(p.lat, 'point latitude'), 'point latitude').u32(micro(p.lng, 'point longitude'), 'point longitude');
    w.u8(p.width, 'segment width').u8(attr, 'segment attribute');
    if (attr & AREA_BY_TIME) w.u16(need(p.longThreshold, 'longThreshold')).u16(need(p.shortThreshold, 'shortThreshold'));
    if (attr & AREA_SPEED_LIMIT) {
      w.u16(need(p.maxSpeed, 'maxSpeed')).u8(need(p.overspeedDuration, 'overspeedDuration'));
      if (ctx.version === '2019') w.u16(need(p.nightMaxSpeed, 'nightMaxSpeed'));
    }
  },
};

const routeLayout = struct({
  id: u32,
  attr: u16,
  ...times,
  points: list(u16, routePoint),
  name: when(is2019, gbk16),
}) as Field<Route>;

/** Route attribute bit 1 is reserved: speed limits live on the segments. */
export const route: Field<Route> = {
  read: routeLayout.read,
  write(w, v, ctx, parent) {
    requireLimits(v, ctx, false);
    routeLayout.write(w, v, ctx, parent);
  },
};

const deletion: Field<AreaDeletion> = struct({ ids: list(u8, u32) });

const ANSWER_ITEMS: Record<number, Field<unknown>> = { 1: circleArea, 2: rectangleArea, 3: polygonArea, 4: route } as Record<number, Field<unknown>>;

const areaQueryAnswer: BodyCodec<AreaQueryAnswer> = {
  msgId: 0x0608,
  name: 'areaQueryAnswer',
  direction: 'up',
  decode(r, ctx) {
    const type = r.u8('query type');
    const item = ANSWER_ITEMS[type];
    if (!item) return { type, raw: Buffer.from(r.rest()) };
    return { type, areas: list(u32, item).read(r, ctx, {}) } as AreaQueryAnswer;
  },
  encode(w, body, ctx) {
    w.u8(body.type, 'query type');
    const item = ANSWER_ITEMS[body.type];
    if ('areas' in body) {
      if (!item) fail('encode', `area query type ${body.type} has no item layout: give raw`);
      list(u32, item).write(w, body.areas, ctx, {});
    } else {
      if (item) fail('encode', `area query type ${body.type} needs areas`);
      rest.write(w, body.raw, ctx, {});
    }
  },
};

export const areas = [
  defineBody(0x8600, 'setCircleAreas', 'down', struct({ action: u8, areas: list(u8, circleArea) })),
  defineBody(0x8601, 'deleteCircleAreas', 'down', deletion),
  defineBody(0x8602, 'setRectangleAreas', 'down', struct({ action: u8, areas: list(u8, rectangleArea) })),
  defineBody(0x8603, 'deleteRectangleAreas', 'down', deletion),
  defineBody(0x8604, 'setPolygonArea', 'down', polygonArea),
  defineBody(0x8605, 'deletePolygonAreas', 'down', deletion),
  defineBody(0x8606, 'setRoute', 'down', route),
  defineBody(0x8607, 'deleteRoutes', 'down', deletion),
  defineBody(0x8608, 'queryAreas', 'down', struct({ type: u8, ids: list(u32, u32) })),
  areaQueryAnswer,
];
