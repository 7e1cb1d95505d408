/**
 * EMQX's JT/T 808 gateway message format, so consumers written for EMQX work unchanged. The
 * reference: EMQX's "JT/T 808 Gateway Data Exchange Format" (docs.emqx.com/en/emqx/latest/gateway/
 * jt808_data_exchange.html; emqx/emqx-docs en_US/gateway/jt808_data_exchange.md) and, where the page
 * leaves a detail open, the gateway's own parser (emqx/emqx apps/emqx_gateway_jt808/src/
 * emqx_jt808_frame.erl, emqx_jt808_channel.erl, include/emqx_jt808.hrl):
 *   uplink   jt808/{clientid}/{phone}/up   {"header": {...}, "body": {...}}, lower-case keys
 *   downlink jt808/{clientid}/{phone}/dn   the same envelope, server message IDs (33536 = 0x8300)
 *   clientid = phone = the header's BCD digits as sent: 12 for 2013, 20 for 2019 (channel.erl
 *   enrich_clientinfo); header msg_id, encrypt, len (body bytes), phone, msg_sn, and proto_ver for
 *   2019 (frame.erl parse_message_header).
 * Bodies are EMQX's raw wire values: a location is read from its bytes the way frame.erl's
 * parse_location_report reads them (1e-6 degrees as unsigned DWORDs, altitude an unsigned WORD,
 * speed in 0.1 km/h, `direction`, time the BCD digits YYMMDDhhmmss in GMT+8, `extra` by item).
 * A position is the terminal's 0x0200 body encoded again by the codec (its additional items
 * included), so 0x0200 uplinks and the 0x0201/0x0500 answers carrying a location read alike.
 * What a normalised position no longer knows is stated: `msg_sn` is 0 on positions, and a time
 * the codec could not read (null) goes up as zeros. Where EMQX's parser and the standard disagree
 * (bit order of 0x25 and 0x2A) the JSON is what EMQX's gateway would publish: sinks/README.md.
 */
import { encodeBody } from '../decoders/index.js';
import type { Edition, Message } from '../decoders/index.js';
import type { Position } from '../events/model.js';

/** How a terminal's session speaks: its phone as sent (BCD digits) and edition. */
export interface EmqxSpeaker {
  phone: string;
  version: Edition;
  protocolVersion?: number | undefined;
}

/** The 12-digit phone of the 2013 header (EMQX keeps the BCD digits, leading zeros included). */
export function emqxPhone(terminal: string): string {
  return terminal.length >= 12 ? terminal : terminal.padStart(12, '0');
}

/** Who a position's terminal is when its session is not known here: a 2013 terminal. */
export function speakerOf(terminal: string): EmqxSpeaker {
  return { phone: emqxPhone(terminal), version: '2013' };
}

export function upTopic(phone: string): string {
  return `jt808/${phone}/${phone}/up`;
}

/** "jt808/{clientid}/{phone}/dn" -> phone */
export function phoneOfDownlink(topic: string): string | undefined {
  const m = /^jt808\/[^/]+\/([^/]+)\/dn$/.exec(topic);
  return m?.[1];
}

/** EMQX's uplink header: 2019 adds proto_ver (frame.erl parse_message_header). */
function header(msgId: number, who: EmqxSpeaker, len: number, serial: number, encrypt = 0): Record<string, number | string> {
  const h: Record<string, number | string> = { msg_id: msgId, encrypt, len, phone: who.phone, msg_sn: serial };
  if (who.version === '2019') h.proto_ver = who.protocolVersion ?? 1;
  return h;
}

/** A position as EMQX's 0x0200 uplink, in the envelope and topic of its terminal's edition. */
export function emqxLocation(p: Position, who: EmqxSpeaker): { header: object; body: object } {
  const bytes = locationBytes(p, who.version);
  return { header: header(0x0200, who, bytes.length, 0), body: emqxLocationBody(bytes, who.version === '2019') };
}

/** The position's 0x0200 body as the terminal sent it, encoded again (without items if they do not encode). */
function locationBytes(p: Position, version: Edition): Buffer {
  const report = { alarm: p.alarm, status: p.status, lat: p.lat, lng: p.lng, altitude: p.altitude, speed: p.speed, heading: p.heading, time: p.time, alarms: [], flags: [], extras: p.extras };
  const message = { msgId: 0x0200, version, phone: '0', serial: 0, body: report };
  try {
    return encodeBody(message);
  } catch {
    return encodeBody({ ...message, body: { ...report, extras: {} } });
  }
}

/** A terminal's answer to a command, as EMQX publishes it: the documented body per message ID. */
export function emqxMessage(m: Message): { header: object; body: unknown } {
  let bytes: Buffer | undefined;
  try {
    bytes = encodeBody(m);
  } catch {
    bytes = undefined;
  }
  return { header: header(m.msgId, m, bytes?.length ?? 0, m.serial, m.encryption ?? 0), body: emqxBody(m, bytes) };
}

function emqxBody(m: Message, bytes: Buffer | undefined): unknown {
  const b = m.body as Record<string, unknown>;
  const v2019 = m.version === '2019';
  switch (m.encryption ? -1 : m.msgId) {
    case 0x0001: // terminal general response: seq, id, result
      return { seq: b.ackSerial, id: b.ackMsgId, result: b.result };
    case 0x0201: // position query answer: seq, params (the 0x0200 body)
      if (bytes) return { seq: b.ackSerial, params: emqxLocationBody(bytes.subarray(2), v2019) };
      break;
    case 0x0500: // vehicle control answer: seq, location (frame.erl)
      if (bytes) return { seq: b.ackSerial, location: emqxLocationBody(bytes.subarray(2), v2019) };
      break;
    case 0x0104: {
      // parameters answer: seq, length, params [{id, value}]; bytes base64 (the page's "Parameter Value Type Mapping")
      const params = (b.params as { id: number; value: unknown }[]).map(({ id, value }) => ({ id, value: Buffer.isBuffer(value) ? value.toString('base64') : value }));
      return { seq: b.ackSerial, length: params.length, params };
    }
    case 0x0805: {
      // camera shot answer: seq, result, and length and ids when the result is 0
      const ids = (b.mediaIds as number[] | undefined) ?? [];
      return b.result === 0 ? { seq: b.ackSerial, result: b.result, length: ids.length, ids } : { seq: b.ackSerial, result: b.result };
    }
  }
  return rekey(m.body, snake);
}

const ITEM = {
  mileage: 0x01,
  fuelMeter: 0x02,
  speed: 0x03,
  alarmId: 0x04,
  tirePressure: 0x05,
  carriageTemp: 0x06,
  overspeed: 0x11,
  inOut: 0x12,
  pathTime: 0x13,
  signal: 0x25,
  ioStatus: 0x2a,
  analog: 0x2b,
  rssi: 0x30,
  satellites: 0x31,
  custom: 0xe0,
} as const;

/** EMQX's 0x0025 signal names, from the DWORD's most significant bit down (frame.erl). */
const SIGNALS = ['low_beam', 'high_beam', 'right_turn', 'left_turn', 'brake', 'reverse', 'fog', 'side_marker', 'horn', 'air_conditioner', 'neutral', 'retarder', 'abs', 'heater', 'cluth'];

/** A 0x0200 body (basic block, then items) read as frame.erl parse_location_report reads it. */
export function emqxLocationBody(body: Buffer, v2019: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    alarm: body.readUInt32BE(0),
    status: body.readUInt32BE(4),
    latitude: body.readUInt32BE(8),
    longitude: body.readUInt32BE(12),
    altitude: body.readUInt16BE(16),
    speed: body.readUInt16BE(18),
    direction: body.readUInt16BE(20),
    time: body.subarray(22, 28).toString('hex'),
  };
  if (body.length > 28) out.extra = emqxExtra(body.subarray(28), v2019);
  return out;
}

function emqxExtra(items: Buffer, v2019: boolean): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  let pos = 0;
  while (pos + 2 <= items.length) {
    const id = items[pos]!;
    const len = items[pos + 1]!;
    const v = items.subarray(pos + 2, Math.min(items.length, pos + 2 + len));
    pos += 2 + len;
    if (!known(extra, id, len, v, v2019)) {
      const b64 = v.toString('base64');
      if (id === ITEM.custom) extra.custome = b64;
      else if (id > ITEM.custom) extra.custome = { ...(typeof extra.custome === 'object' ? extra.custome : {}), [String(id)]: b64 };
      else extra[String(id)] = b64; // reserved and unknown items: the decimal ID, base64
    }
  }
  return extra;
}

/** The items EMQX names, at the lengths it reads them; false for anything it keeps as bytes. */
function known(extra: Record<string, unknown>, id: number, len: number, v: Buffer, v2019: boolean): boolean {
  if (v.length !== len) return false;
  switch (id) {
    case ITEM.mileage:
      return len === 4 && set(extra, 'mileage', v.readUInt32BE(0));
    case ITEM.fuelMeter:
      return len === 2 && set(extra, 'fuel_meter', v.readUInt16BE(0));
    case ITEM.speed:
      return len === 2 && set(extra, 'speed', v.readUInt16BE(0));
    case ITEM.alarmId:
      return len === 2 && set(extra, 'alarm_id', v.readUInt16BE(0));
    case ITEM.tirePressure:
      return v2019 && set(extra, 'tire_pressure', v.toString('base64'));
    case ITEM.carriageTemp:
      return v2019 && len === 2 && set(extra, 'carriage_temp', v.readInt16BE(0));
    case ITEM.overspeed:
      if (len === 1) return set(extra, 'overspeed_alarm', { type: v[0] });
      return len === 5 && set(extra, 'overspeed_alarm', { type: v[0], id: v.readUInt32BE(1) });
    case ITEM.inOut:
      return len === 6 && set(extra, 'in_out_alarm', { type: v[0], id: v.readUInt32BE(1), direction: v[5] });
    case ITEM.pathTime:
      return len === 7 && set(extra, 'path_time_alarm', { id: v.readUInt32BE(0), time: v.readUInt16BE(4), result: v[6] });
    case ITEM.signal: {
      if (len !== 4) return false;
      const word = v.readUInt32BE(0);
      return set(extra, 'signal', Object.fromEntries(SIGNALS.map((name, i) => [name, (word >>> (31 - i)) & 1])));
    }
    case ITEM.ioStatus: {
      if (len !== 2) return false;
      const word = v.readUInt16BE(0);
      return set(extra, 'io_status', { deep_sleep: (word >>> 15) & 1, sleep: (word >>> 14) & 1 });
    }
    case ITEM.analog:
      // the standard's AD0 is bits 0-15 of the DWORD: the second WORD on the wire
      return len === 4 && set(extra, 'analog', { ad0: v.readUInt16BE(2), ad1: v.readUInt16BE(0) });
    case ITEM.rssi:
      return len === 1 && set(extra, 'rssi', v[0]);
    case ITEM.satellites:
      return len === 1 && set(extra, 'gnss_sat_num', v[0]);
  }
  return false;
}

function set(o: Record<string, unknown>, k: string, v: unknown): true {
  o[k] = v;
  return true;
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
