/**
 * Vendor messages outside JT/T 808 that real devices send on the same port and framing and
 * that peers decode (traccar/traccar src/main/java/org/traccar/protocol/HuabaoProtocolDecoder.java,
 * MSG_LOCATION_REPORT_2 / MSG_LOCATION_REPORT_BLIND / MSG_GENERAL_RESPONSE_2). Their header has
 * a one-byte serial (header.ts).
 *
 *   0x5501 location report 2        time BCD[6] DDMMYYhhmmss (UTC), latitude BCD[4] DDMMmmmm,
 *   0x5502 location report, blind     longitude 9 BCD digits DDDMMmmmm and a flags nibble in the
 *          (stored while out of        low half of their fifth byte (bit 0 fix, bit 1 north,
 *          coverage, sent later)       bit 2 east, bit 3 unknown), speed BCD[1] (knots), heading
 *                                      BYTE (x 2 degrees), rssi BYTE, satellites BYTE, mileage
 *                                      DWORD (km), battery BYTE (0-100 %, 0xAA charging), cell ID
 *                                      DWORD, LAC WORD, product BYTE, status WORD, alarm WORD,
 *                                      then bytes kept raw (id/len/value items in the captures)
 *   0x4401 general response 2       msgId WORD, result BYTE (platform -> terminal)
 *
 * Coordinates, time, speed and heading follow Traccar's Jt600ProtocolDecoder.decodeBinaryLocation
 * (degrees + minutes / 60; DateBuilder in UTC; speed as knots; heading x 2), the rest its
 * decodeLocation2. Decisions:
 * - Traccar marks every 0x5501 valid and every 0x5502 invalid; the body keeps the flags
 *   nibble instead, whose bit 0 agrees with the captures' satellite counts (10 satellites:
 *   set; 1 satellite: clear). The gateway reads the fix from it and treats 0x5502 as backfill.
 * - Values are kept as sent (knots, the flags nibble, the raw status and alarm words of the
 *   device's own product line); the gateway converts what a Position needs.
 * - A BCD nibble over 9 in time or coordinates is 'malformed', as in the standard's bodies.
 */
import { decodeBcd } from '../bcd.js';
import { fail } from '../errors.js';
import type { Reader } from '../reader.js';
import type { BodyCodec } from '../registry.js';
import type { Writer } from '../writer.js';

export interface VendorLocation {
  /** Device time, ISO-8601 UTC; null for an all-zero or impossible date. */
  time: string | null;
  /** Signed degrees (south and west negative, from the flags nibble). */
  lat: number;
  lng: number;
  /** The nibble after the longitude digits: bit 0 fix, bit 1 north, bit 2 east, bit 3 unknown. */
  fixFlags: number;
  speedKnots: number;
  /** Degrees (the BYTE on the wire is half of it). */
  heading: number;
  rssi: number;
  satellites: number;
  mileageKm: number;
  /** 0-100: percent; 0xAA: charging. */
  battery: number;
  cellId: number;
  lac: number;
  /** The device's product line (Traccar: 1-2 alarm bit 0 low power; 3: status bit 5 blocked, alarm bits 1-3). */
  product: number;
  deviceStatus: number;
  deviceAlarm: number;
  /** What follows the fixed 35 bytes, as sent. */
  tail: Buffer;
}

export interface VendorAnswer {
  ackMsgId: number;
  result: number;
}

declare module '../message.js' {
  interface BodyMap {
    0x5501: VendorLocation;
    0x5502: VendorLocation;
    0x4401: VendorAnswer;
  }
}

/** The fixed part of 0x5501/0x5502. */
export const VENDOR_LOCATION_FIXED = 35;

const digit = (b: number, at: number): number => {
  if (b > 9) fail('malformed', `BCD nibble 0x${b.toString(16)} at body offset ${at}`);
  return b;
};

/** DDMMYYhhmmss (UTC) -> ISO, null for an all-zero or impossible date. */
function readTime(r: Reader): string | null {
  const at = r.need(6, 'time BCD[6]');
  const d = decodeBcd(r.buf, at, 6);
  const [day, month, year, hour, minute, second] = [0, 2, 4, 6, 8, 10].map((i) => Number(d.slice(i, i + 2))) as [number, number, number, number, number, number];
  if (month === 0 && day === 0) return null;
  const ms = Date.UTC(2000 + year, month - 1, day, hour, minute, second);
  const back = new Date(ms);
  // Date.UTC rolls 31 February over into March: such a time is not one
  if (back.getUTCDate() !== day || back.getUTCMonth() !== month - 1 || hour > 23 || minute > 59 || second > 59) return null;
  return back.toISOString();
}

function writeTime(w: Writer, iso: string | null): void {
  if (iso === null) {
    w.bcd('', 6, 'time');
    return;
  }
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) fail('encode', `time "${iso}" is not ISO-8601`);
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  w.bcd(two(d.getUTCDate()) + two(d.getUTCMonth() + 1) + two(d.getUTCFullYear() % 100) + two(d.getUTCHours()) + two(d.getUTCMinutes()) + two(d.getUTCSeconds()), 6, 'time');
}

/** degrees * 10^6 + minutes * 10^4 as an integer (DDMMmmmm, DDDMMmmmm) -> decimal degrees. */
const toDegrees = (raw: number): number => Math.floor(raw / 1e6) + (raw % 1e6) / 1e4 / 60;

/** Decimal degrees -> the DDMMmmmm integer, minutes rounded to 1/10^4. */
function fromDegrees(deg: number): number {
  const abs = Math.abs(deg);
  let whole = Math.floor(abs);
  let minutes = Math.round((abs - whole) * 60 * 1e4);
  if (minutes >= 60 * 1e4) {
    whole++;
    minutes -= 60 * 1e4;
  }
  return whole * 1e6 + minutes;
}

function readLocation(r: Reader): VendorLocation {
  const time = readTime(r);
  const latDigits = decodeBcd(r.buf, r.need(4, 'latitude BCD[4]'), 4);
  const at = r.need(5, 'longitude and flags');
  const b = r.buf;
  let lngRaw = 0;
  for (let i = 0; i < 4; i++) lngRaw = lngRaw * 100 + digit(b[at + i]! >> 4, at + i) * 10 + digit(b[at + i]! & 0x0f, at + i);
  lngRaw = lngRaw * 10 + digit(b[at + 4]! >> 4, at + 4);
  const fixFlags = b[at + 4]! & 0x0f;
  const latAbs = toDegrees(Number(latDigits));
  const lngAbs = toDegrees(lngRaw);
  const speedKnots = Number(decodeBcd(b, r.need(1, 'speed BCD[1]'), 1));
  const heading = r.u8('heading') * 2;
  return {
    time,
    lat: fixFlags & 0x2 ? latAbs : -latAbs,
    lng: fixFlags & 0x4 ? lngAbs : -lngAbs,
    fixFlags,
    speedKnots,
    heading,
    rssi: r.u8('rssi'),
    satellites: r.u8('satellites'),
    mileageKm: r.u32('mileage'),
    battery: r.u8('battery'),
    cellId: r.u32('cell ID'),
    lac: r.u16('LAC'),
    product: r.u8('product'),
    deviceStatus: r.u16('status'),
    deviceAlarm: r.u16('alarm'),
    tail: Buffer.from(r.rest()),
  };
}

/** South or west, -0 included (a zero coordinate decodes to -0 when its hemisphere bit is clear). */
const negative = (x: number): boolean => x < 0 || Object.is(x, -0);

function writeLocation(w: Writer, v: VendorLocation): void {
  writeTime(w, v.time);
  w.bcd(String(fromDegrees(v.lat)), 4, 'latitude');
  const lng = String(fromDegrees(v.lng)).padStart(9, '0');
  if (lng.length > 9) fail('encode', `longitude ${v.lng} does not fit DDDMMmmmm`);
  // the hemisphere bits follow the signs; bits 0 and 3 are kept as given
  const flags = (v.fixFlags & 0x9) | (negative(v.lat) ? 0 : 0x2) | (negative(v.lng) ? 0 : 0x4);
  w.bcd(lng.slice(0, 8), 4, 'longitude');
  w.u8(((lng.charCodeAt(8) - 48) << 4) | flags, 'longitude digit and flags');
  w.bcd(String(v.speedKnots), 1, 'speed');
  if (v.heading % 2 !== 0) fail('encode', `heading ${v.heading} is not even (the wire holds half of it)`);
  w.u8(v.heading / 2, 'heading');
  w.u8(v.rssi, 'rssi').u8(v.satellites, 'satellites').u32(v.mileageKm, 'mileage').u8(v.battery, 'battery');
  w.u32(v.cellId, 'cell ID').u16(v.lac, 'LAC').u8(v.product, 'product').u16(v.deviceStatus, 'status').u16(v.deviceAlarm, 'alarm');
  w.bytes(v.tail);
}

function location(msgId: 0x5501 | 0x5502, name: string): BodyCodec<VendorLocation> {
  return { msgId, name, direction: 'up', decode: readLocation, encode: writeLocation };
}

const answer: BodyCodec<VendorAnswer> = {
  msgId: 0x4401,
  name: 'vendorGeneralResponse',
  direction: 'down',
  decode: (r) => ({ ackMsgId: r.u16('answered message ID'), result: r.u8('result') }),
  encode: (w, v) => void w.u16(v.ackMsgId, 'answered message ID').u8(v.result, 'result'),
};

export const vendor = [location(0x5501, 'vendorLocationReport'), location(0x5502, 'vendorBlindLocationReport'), answer];
