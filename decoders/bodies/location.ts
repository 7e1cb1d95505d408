/**
 * Location family: the hot path.
 *
 *   0x0200 location report (2013 §8.18, table 23)
 *     alarm DWORD, status DWORD, latitude DWORD (1e-6 deg, sign from status bit 2),
 *     longitude DWORD (1e-6 deg, sign from status bit 3), altitude WORD (m), speed WORD
 *     (1/10 km/h), heading WORD (0-359), time BCD[6] (GMT+8), then additional items
 *     {id BYTE, len BYTE, value} to the end of the body (location-items.ts).
 *   0x0201 position query answer      ackSerial WORD, 0x0200 body
 *   0x0500 vehicle control answer     ackSerial WORD, 0x0200 body
 *   0x0704 batch upload (table 76)    count WORD, type BYTE (0 normal, 1 blind-area
 *                                      backfill), count x {len WORD, 0x0200 body[len]}
 *
 * Decisions:
 * - Altitude is read as a signed WORD (as Traccar does): the Turpan depression is -154 m,
 *   and no terminal reports 32 km up.
 * - Values are reported as sent: range checks (a latitude over 90) belong to the gateway.
 * - `alarms`/`flags` name the set bits in the frame's edition; they are derived from
 *   `alarm`/`status`, which the encoder writes (the names are ignored when encoding).
 * - The encoder sets status bits 2/3 when lat/lng are negative and otherwise keeps them.
 */
import { fail } from '../errors.js';
import type { BodyContext, Field } from '../fields.js';
import { Reader } from '../reader.js';
import type { BodyCodec } from '../registry.js';
import type { Writer } from '../writer.js';
import { alarmNames, statusNames } from './location-bits.js';
import { readItems, writeItems } from './location-items.js';
import type { LocationExtras } from './location-items.js';

export type { LocationExtras } from './location-items.js';

/** The 28-byte basic block (also carried by 0x0801 and 0x0802). */
export interface LocationBasic {
  alarm: number;
  status: number;
  /** Signed degrees, WGS-84 as the terminal reports it. */
  lat: number;
  lng: number;
  altitude: number;
  /** km/h */
  speed: number;
  heading: number;
  /** Device time, ISO-8601 UTC; null when the terminal sent zeros. */
  time: string | null;
  alarms: readonly string[];
  flags: readonly string[];
}

export interface LocationReport extends LocationBasic {
  extras: LocationExtras;
}

export interface LocationAnswer extends LocationReport {
  ackSerial: number;
}

export interface LocationBatch {
  /** 0 normal batch, 1 blind-area backfill */
  type: number;
  locations: LocationReport[];
}

declare module '../message.js' {
  interface BodyMap {
    0x0200: LocationReport;
    0x0201: LocationAnswer;
    0x0500: LocationAnswer;
    0x0704: LocationBatch;
  }
}

function readBasic(r: Reader, ctx: BodyContext): LocationBasic {
  return readLocation(r, ctx, false);
}

/**
 * The 28-byte block, plus the additional items when `withItems`: the object is built in one
 * literal so every report shares one shape (the hot path's cheapest form).
 */
function readLocation(r: Reader, ctx: BodyContext, withItems: true): LocationReport;
function readLocation(r: Reader, ctx: BodyContext, withItems: false): LocationBasic;
function readLocation(r: Reader, ctx: BodyContext, withItems: boolean): LocationBasic | LocationReport {
  const at = r.need(28, 'location basic block (28 bytes)');
  const b = r.buf;
  const alarm = b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
  const status = b[at + 4]! * 0x1000000 + ((b[at + 5]! << 16) | (b[at + 6]! << 8) | b[at + 7]!);
  const rawLat = b[at + 8]! * 0x1000000 + ((b[at + 9]! << 16) | (b[at + 10]! << 8) | b[at + 11]!);
  const rawLng = b[at + 12]! * 0x1000000 + ((b[at + 13]! << 16) | (b[at + 14]! << 8) | b[at + 15]!);
  const alt = (b[at + 16]! << 8) | b[at + 17]!;
  const speed = ((b[at + 18]! << 8) | b[at + 19]!) / 10;
  const heading = (b[at + 20]! << 8) | b[at + 21]!;
  r.pos = at + 22;
  const time = r.timeIso();
  const lat = (status & 0x4) !== 0 && rawLat !== 0 ? -rawLat / 1e6 : rawLat / 1e6;
  const lng = (status & 0x8) !== 0 && rawLng !== 0 ? -rawLng / 1e6 : rawLng / 1e6;
  const altitude = alt > 0x7fff ? alt - 0x10000 : alt;
  const alarms = alarmNames(alarm, ctx.version);
  const flags = statusNames(status, ctx.version);
  if (!withItems) return { alarm, status, lat, lng, altitude, speed, heading, time, alarms, flags };
  const extras = readItems(r);
  return { alarm, status, lat, lng, altitude, speed, heading, time, alarms, flags, extras };
}

function writeBasic(w: Writer, v: LocationBasic): void {
  let status = v.status;
  if (v.lat < 0) status = (status | 0x4) >>> 0;
  if (v.lng < 0) status = (status | 0x8) >>> 0;
  w.u32(v.alarm, 'alarm')
    .u32(status, 'status')
    .u32(Math.round(Math.abs(v.lat) * 1e6), 'latitude')
    .u32(Math.round(Math.abs(v.lng) * 1e6), 'longitude')
    .i16(v.altitude, 'altitude')
    .u16(Math.round(v.speed * 10), 'speed')
    .u16(v.heading, 'heading')
    .timeIso(v.time);
}

/** The basic block alone, for the multimedia messages that embed it. */
export const locationBasic: Field<LocationBasic> = {
  read: (r, ctx) => readBasic(r, ctx),
  write: (w, v) => writeBasic(w, v),
};

function readReport(r: Reader, ctx: BodyContext): LocationReport {
  return readLocation(r, ctx, true);
}

function writeReport(w: Writer, v: LocationReport): void {
  writeBasic(w, v);
  writeItems(w, v.extras);
}

const report: BodyCodec<LocationReport> = {
  msgId: 0x0200,
  name: 'locationReport',
  direction: 'up',
  decode: readReport,
  encode: writeReport,
};

function answer(msgId: number, name: string): BodyCodec<LocationAnswer> {
  return {
    msgId,
    name,
    direction: 'up',
    decode(r, ctx) {
      const ackSerial = r.u16('ack serial');
      return { ackSerial, ...readReport(r, ctx) };
    },
    encode(w, v) {
      w.u16(v.ackSerial, 'ack serial');
      writeReport(w, v);
    },
  };
}

const batch: BodyCodec<LocationBatch> = {
  msgId: 0x0704,
  name: 'locationBatch',
  direction: 'up',
  decode(r, ctx) {
    const count = r.u16('item count');
    const type = r.u8('batch type');
    const locations: LocationReport[] = [];
    for (let i = 0; i < count; i++) {
      const len = r.u16(`length of location ${i + 1} of ${count}`);
      const start = r.need(len, `location ${i + 1} of ${count} (${len} bytes)`);
      locations.push(readReport(new Reader(r.buf, start, start + len), ctx));
    }
    return { type, locations };
  },
  encode(w, v) {
    if (v.locations.length === 0) fail('encode', '0x0704 needs at least one location');
    w.u16(v.locations.length, 'item count').u8(v.type, 'batch type');
    for (const loc of v.locations) {
      const at = w.reserve(2);
      const before = w.length;
      writeReport(w, loc);
      w.setU16(at, w.length - before);
    }
  },
};

export const location = [report, answer(0x0201, 'locationQueryAnswer'), answer(0x0500, 'vehicleControlAnswer'), batch];
