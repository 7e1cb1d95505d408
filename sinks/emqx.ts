/**
 * EMQX JT/T 808 gateway conventions, so consumers written for EMQX work unchanged
 * (docs.emqx.com "jt808 data exchange"; emqx_jt808.hrl):
 *   uplink   jt808/{clientid}/{phone}/up   {"header": {...}, "body": {...}}, lower-case keys
 *   downlink jt808/{clientid}/{phone}/dn   the same envelope, server message IDs (33536 = 0x8300)
 * Dipper uses the phone as the client id. Numbers are EMQX's raw wire units: latitude and
 * longitude in 1e-6 degrees, speed in 0.1 km/h, time a BCD-style string YYMMDDhhmmss in GMT+8.
 * What a normalised position no longer knows is stated: `msg_sn` is 0 and `len` is the 0x0200
 * base length (28) because the sinks see positions, not frames.
 */
import type { Position } from '../events/model.js';

/** The 12-digit phone of the 2013 header (EMQX keeps the BCD digits, leading zeros included). */
export function emqxPhone(terminal: string): string {
  return terminal.length >= 12 ? terminal : terminal.padStart(12, '0');
}

export function upTopic(phone: string): string {
  return `jt808/${phone}/${phone}/up`;
}

/** "jt808/{clientid}/{phone}/dn" -> phone */
export function phoneOfDownlink(topic: string): string | undefined {
  const m = /^jt808\/[^/]+\/([^/]+)\/dn$/.exec(topic);
  return m?.[1];
}

/** YYMMDDhhmmss in GMT+8, from an ISO UTC time. */
export function bcdTime(iso: string): string {
  const d = new Date(Date.parse(iso) + 8 * 3600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

const EXTRA: Record<string, [string, number]> = {
  mileageKm: ['mileage', 10],
  fuelL: ['fuel_meter', 10],
  recorderSpeedKmh: ['speed', 10],
  rssi: ['rssi', 1],
  satellites: ['gnss_sat_num', 1],
};

/** A position as EMQX's 0x0200 uplink. */
export function emqxLocation(p: Position): { header: object; body: object } {
  const extra: Record<string, number> = {};
  for (const [k, v] of Object.entries(p.extras)) {
    const m = EXTRA[k];
    if (m && typeof v === 'number') extra[m[0]] = Math.round(v * m[1]);
  }
  const body: Record<string, unknown> = {
    alarm: p.alarm,
    status: p.status,
    latitude: Math.round(p.lat * 1e6),
    longitude: Math.round(p.lng * 1e6),
    altitude: p.altitude,
    speed: Math.round(p.speed * 10),
    direction: p.heading,
    time: bcdTime(p.time ?? p.receivedAt),
  };
  if (Object.keys(extra).length > 0) body.extra = extra;
  return { header: { msg_id: 0x0200, encrypt: 0, len: 28, phone: emqxPhone(p.terminal), msg_sn: 0 }, body };
}

/** Answer frames (0x0001, 0x0201, ...) as EMQX uplinks: the decoded body with snake_case keys. */
export function emqxMessage(m: { msgId: number; phone: string; serial: number; body: unknown }): { header: object; body: unknown } {
  return { header: { msg_id: m.msgId, encrypt: 0, phone: m.phone, msg_sn: m.serial }, body: rekey(m.body, snake) };
}

/** A downlink envelope -> message ID and a body in the codec's camelCase; throws on a bad one. */
export function parseDownlink(payload: Buffer): { msgId: number; body: object } {
  const v = JSON.parse(payload.toString()) as { header?: { msg_id?: unknown }; body?: unknown };
  const msgId = v.header?.msg_id;
  if (typeof msgId !== 'number' || !Number.isInteger(msgId)) throw new Error('header.msg_id must be an integer');
  const body = v.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('body must be an object');
  return { msgId, body: rekey(body, camel) as object };
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function rekey(v: unknown, f: (k: string) => string): unknown {
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (Array.isArray(v)) return v.map((x) => rekey(x, f));
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [f(k), rekey(x, f)]));
}
