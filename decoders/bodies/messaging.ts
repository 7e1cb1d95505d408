/**
 * Messaging family: text, questions, events, information on demand, calls and phone book,
 * waybill and driver identity, passthrough, compressed upload and RSA keys.
 *
 *   0x8300 text message    2013: flag BYTE, text STRING (to the end)
 *                          2019: flag BYTE, textType BYTE (1 notice, 2 service), text STRING
 *   0x8301 event setting   type BYTE (0 delete all, 1 update, 2 append, 3 modify, 4 delete
 *                          listed), count BYTE, count x {id BYTE, len BYTE, text}     [gone in 2019]
 *   0x0301 event report    eventId BYTE                                               [gone in 2019]
 *   0x8302 question        flag BYTE, questionLen BYTE, question, then to the end
 *                          {answerId BYTE, len WORD, answer}                           [gone in 2019]
 *   0x0302 question answer ackSerial WORD, answerId BYTE                               [gone in 2019]
 *   0x8303 info menu       type BYTE (0 delete all, 1 update, 2 append, 3 modify), count BYTE,
 *                          count x {infoType BYTE, len WORD, name}                   [gone in 2019]
 *   0x0303 info demand     infoType BYTE, flag BYTE (1 demand, 0 cancel)             [gone in 2019]
 *   0x8304 info service    infoType BYTE, len WORD, content                          [gone in 2019]
 *   0x8400 call back       flag BYTE (0 normal call, 1 monitor), phone STRING (to the end, <= 20)
 *   0x8401 phone book      type BYTE (0 delete all, 1 update, 2 append, 3 modify), count BYTE,
 *                          count x {flag BYTE (1 in, 2 out, 3 both), phoneLen BYTE, phone,
 *                          nameLen BYTE, name}
 *   0x0701 waybill         len DWORD, content BYTE[len]
 *   0x0702 driver identity 2013: status BYTE (1 card in, 2 card out), time BCD[6]; when status
 *                          is 1: icResult BYTE (0 ok, 1 key failed, 2 locked, 3 pulled, 4
 *                          checksum); when icResult is 0: nameLen BYTE, name, certificate
 *                          STRING[20], issuerLen BYTE, issuer, expiry BCD[4] (YYYYMMDD)
 *                          2019: the same, then driverIdNumber STRING[20]
 *                          2011: nameLen BYTE, name, driverIdNumber STRING[20], certificate
 *                          STRING[40], issuerLen BYTE, issuer
 *   0x8702 driver identity request: empty
 *   0x0900 / 0x8900 passthrough: type BYTE, content (to the end)
 *   0x0901 compressed upload: len DWORD, gzip data BYTE[len] (kept compressed)
 *   0x0A00 / 0x8A00 RSA public key: e DWORD, n BYTE[128]
 *
 * Decisions:
 * - 0x8301, 0x8303, 0x8401: the standard says type 0 (delete all) is sent with nothing after
 *   it, yet SmallChi's 0x8301 test sends type 0 with a count and items. A count is read
 *   whenever bytes follow the type; an encoded type 0 with no items is the bare type byte.
 * - 0x0702: SmallChi's 2019 test frames pad the fixed STRING[20] fields on the left with
 *   0x00 while the standard pads on the right; both paddings are trimmed. The encoder pads
 *   on the right.
 * - 0x0702 edition: a 2013-flagged header cannot tell 2011 from 2013, and a session's edition
 *   (learnt from the 0x0100 length) is not proof either: terminals that register with a short
 *   0x0100 send 2013 driver reports. So the body tells, by length, as 0x0100 does: the 2011
 *   layout (name, ID number[20], certificate[40], issuer) and the 2013 one (status, time, then
 *   for a card read the IC result and the driver fields) each end at a computable offset, and
 *   the layout that ends exactly at the body's end is read; the message's version follows it.
 *   When both or neither fit, the session's edition decides ('2011' -> 2011), else the first
 *   byte does (0x01, or 0x02 in a 7-byte body, is 2013, as SmallChi reads it).
 * - 0x0702 2019: SmallChi also reads a trailing faceMatch BYTE and uid STRING[20] (a later
 *   amendment); read when present, written when given.
 * - 0x0702 status 2 (card out): the fields after the time are only "valid and filled" for
 *   status 1 (2013 table 80); a terminal that sends an IC result, or the whole driver block,
 *   after a card-out has them ignored (the body still fits the 2013 layout).
 * - 0x0901: SmallChi gunzips the data; this codec keeps the bytes the terminal sent.
 */
import { decodeGbk } from '../gbk.js';
import { fail } from '../errors.js';
import { bytes, described, gbk16, gbk8, gbkRest, listRest, rest, struct, time, u16, u32, u8, when } from '../fields.js';
import type { BodyContext, Field, Parent } from '../fields.js';
import type { Reader } from '../reader.js';
import { defineBody, emptyBody } from '../registry.js';
import type { BodyCodec } from '../registry.js';

export interface TextMessage {
  /** 2013: bit 0 emergency, 2 display, 3 TTS, 4 advert screen, 5 CAN fault code. 2019:
   *  bits 0-1 01 service, 10 emergency, 11 notice; 2 display, 3 TTS, 5 CAN fault code. */
  flag: number;
  /** 2019 only: 1 notice, 2 service. */
  textType?: number;
  text: string;
}

export interface EventSetting {
  type: number;
  events: { id: number; text: string }[];
}

export interface Question {
  /** bit 0 emergency, 3 TTS read-out, 4 advert screen display. */
  flag: number;
  question: string;
  answers: { id: number; text: string }[];
}

export interface InfoMenuSetting {
  type: number;
  items: { infoType: number; name: string }[];
}

export interface PhoneBook {
  type: number;
  contacts: { flag: number; phone: string; name: string }[];
}

export interface DriverIdentity {
  /** 2013/2019: 1 card inserted (driver on duty), 2 card removed. Absent in 2011. */
  status?: number;
  time?: string | null;
  /** Present when status is 1: 0 read ok, 1 key check failed, 2 card locked, 3 card pulled, 4 checksum. */
  icResult?: number;
  driverName?: string;
  /** Qualification certificate number (STRING[20]; 2011: STRING[40]). */
  certificate?: string;
  issuer?: string;
  /** Certificate expiry, YYYYMMDD. */
  certificateExpiry?: string;
  /** Driver's identity card number: 2019 and 2011. */
  driverIdNumber?: string;
  /** 2019 amendment: face match 0-100 and identity card UID. */
  faceMatch?: number;
  uid?: string;
}

export interface Passthrough {
  /** 0x00 GNSS detail, 0x0B IC card, 0x41/0x42 serial ports, 0xF0-0xFF user-defined. */
  type: number;
  content: Buffer;
}

export interface RsaPublicKey {
  e: number;
  /** Modulus, 128 bytes. */
  n: Buffer;
}

declare module '../message.js' {
  interface BodyMap {
    0x8300: TextMessage;
    0x8301: EventSetting;
    0x0301: { eventId: number };
    0x8302: Question;
    0x0302: { ackSerial: number; answerId: number };
    0x8303: InfoMenuSetting;
    0x0303: { infoType: number; flag: number };
    0x8304: { infoType: number; content: string };
    0x8400: { flag: number; phone: string };
    0x8401: PhoneBook;
    0x0701: { content: Buffer };
    0x0702: DriverIdentity;
    0x8702: Record<string, never>;
    0x0900: Passthrough;
    0x8900: Passthrough;
    0x0901: { data: Buffer };
    0x0A00: RsaPublicKey;
    0x8A00: RsaPublicKey;
  }
}

/** BYTE[len] preceded by a DWORD length (waybill, compressed data). */
const bytes32: Field<Buffer> = {
  read: (r) => Buffer.from(r.bytes(r.u32('length DWORD'), 'content BYTE[len]')),
  write: (w, v) => void w.u32(v.length, 'length DWORD').bytes(v),
};

/**
 * A setting message's `type, count, items`: the count and items are read only when bytes
 * follow the type, and a type 0 (delete all) without items is written as the bare type.
 */
function settingList<T>(item: Field<T>): Field<T[]> {
  return {
    read(r, ctx, parent) {
      const out: T[] = [];
      if (r.remaining === 0) return out;
      const n = r.u8('setting count');
      for (let i = 0; i < n; i++) out.push(item.read(r, ctx, parent));
      return out;
    },
    write(w, v, ctx, parent) {
      if (parent.type === 0 && v.length === 0) return;
      w.u8(v.length, 'setting count');
      for (const x of v) item.write(w, x, ctx, parent);
    },
  };
}

/** Fixed-width GBK trimmed on both sides of its NUL padding (SmallChi pads on the left). */
function gbkPadded(n: number): Field<string> {
  return {
    read(r) {
      const at = r.need(n, `STRING[${n}]`);
      let start = at;
      while (start < at + n && r.buf[start] === 0x00) start++;
      return decodeGbk(r.buf, start, at + n);
    },
    write: (w, v) => void w.gbk(v, n, `STRING[${n}]`),
  };
}

const is2019 = (_: unknown, ctx: BodyContext): boolean => ctx.version === '2019';

/** 2019 flag bits 0-1 = 01 (service) -> textType 2 (service); any other kind is a notice (1). */
const textTypeOfFlag = (parent: Parent): number => ((Number(parent.flag) & 0b11) === 0b01 ? 2 : 1);

const textMessage = struct({
  flag: described(u8, '2013: bit 0 emergency, 2 display, 3 TTS, 4 advert screen, 5 CAN fault code; 2019: bits 0-1 01 service, 10 emergency, 11 notice; 2 display, 3 TTS, 5 CAN fault code'),
  textType: when(is2019, u8, { note: '2019 only: 1 notice, 2 service; when left out, 2 if flag says service (bits 0-1 = 01), else 1', default: textTypeOfFlag }),
  text: described(gbkRest, 'GBK; over 1023 bytes of body the message goes in subpackages'),
});

const string20 = gbkPadded(20);
const string40 = gbkPadded(40);

/** Where the 2011 layout starting at `at` ends (name, ID number[20], certificate[40], issuer), or -1. */
function end2011(b: Buffer, at: number, end: number): number {
  if (at >= end) return -1;
  at += 1 + b[at]! + 20 + 40;
  return at < end ? at + 1 + b[at]! : -1;
}

/**
 * Where the 2013 layout starting at `at` ends, or -1: status, time, and after a card read
 * (or a card-out that carries them anyway) the IC result and, when it is 0, name,
 * certificate[20], issuer and expiry BCD[4].
 */
function end2013(b: Buffer, at: number, end: number): number {
  const cardRead = b[at] === 1;
  let p = at + 7;
  if (p > end) return -1;
  if (p === end) return cardRead ? -1 : p; // a card read needs its IC result
  const ok = b[p++] === 0;
  if (p === end) return cardRead && ok ? -1 : p; // a successful read needs the driver fields
  if (!ok) return p;
  p += 1 + b[p]! + 20;
  return p < end ? p + 1 + b[p]! + 4 : -1;
}

function readDriverIdentity(r: Reader, ctx: BodyContext): DriverIdentity {
  const first = r.remaining > 0 ? r.buf[r.pos] : undefined;
  if (ctx.version !== '2019') {
    const fits2011 = end2011(r.buf, r.pos, r.end) === r.end;
    const fits2013 = end2013(r.buf, r.pos, r.end) === r.end;
    const looks2013 = first === 0x01 || (first === 0x02 && r.remaining === 7);
    const is2011 = fits2011 !== fits2013 ? fits2011 : ctx.version === '2011' || !looks2013;
    ctx.version = is2011 ? '2011' : '2013';
  }
  if (ctx.version === '2011') {
    return {
      driverName: r.gbk8('driver name'),
      driverIdNumber: string20.read(r, ctx, {}),
      certificate: string40.read(r, ctx, {}),
      issuer: r.gbk8('issuer'),
    };
  }
  const out: DriverIdentity = { status: r.u8('card status'), time: time.read(r, ctx, {}) };
  if (out.status !== 1) return out;
  out.icResult = r.u8('IC read result');
  if (out.icResult !== 0) return out;
  out.driverName = r.gbk8('driver name');
  out.certificate = string20.read(r, ctx, {});
  out.issuer = r.gbk8('issuer');
  out.certificateExpiry = r.bcd(4, 'certificate expiry');
  if (ctx.version === '2019') {
    out.driverIdNumber = string20.read(r, ctx, {});
    if (r.remaining > 0) {
      out.faceMatch = r.u8('face match');
      out.uid = string20.read(r, ctx, {});
    }
  }
  return out;
}

const need = <T>(v: T | undefined, what: string): T => (v === undefined ? fail('encode', `driver identity needs ${what}`) : v);

const driverIdentity: BodyCodec<DriverIdentity> = {
  msgId: 0x0702,
  name: 'driverIdentity',
  direction: 'up',
  decode: readDriverIdentity,
  encode(w, b, ctx) {
    if (ctx.version === '2011') {
      w.gbk8(need(b.driverName, 'driverName'), 'driver name');
      w.gbk(need(b.driverIdNumber, 'driverIdNumber'), 20, 'driver ID number');
      w.gbk(need(b.certificate, 'certificate'), 40, 'certificate');
      w.gbk8(need(b.issuer, 'issuer'), 'issuer');
      return;
    }
    const status = need(b.status, 'status');
    w.u8(status, 'card status');
    time.write(w, need(b.time, 'time'), ctx, {});
    if (status !== 1) return;
    const icResult = need(b.icResult, 'icResult');
    w.u8(icResult, 'IC read result');
    if (icResult !== 0) return;
    w.gbk8(need(b.driverName, 'driverName'), 'driver name');
    w.gbk(need(b.certificate, 'certificate'), 20, 'certificate');
    w.gbk8(need(b.issuer, 'issuer'), 'issuer');
    w.bcd(need(b.certificateExpiry, 'certificateExpiry'), 4, 'certificate expiry');
    if (ctx.version === '2019') {
      w.gbk(need(b.driverIdNumber, 'driverIdNumber'), 20, 'driver ID number');
      if (b.faceMatch !== undefined || b.uid !== undefined) {
        w.u8(need(b.faceMatch, 'faceMatch with uid'), 'face match');
        w.gbk(need(b.uid, 'uid with faceMatch'), 20, 'uid');
      }
    }
  },
};

const passthrough = struct({ type: u8, content: rest });
const rsaKey = struct({ e: u32, n: bytes(128) });

export const messaging = [
  defineBody(0x8300, 'textMessage', 'down', textMessage),
  defineBody(0x8301, 'eventSetting', 'down', struct({ type: u8, events: settingList(struct({ id: u8, text: gbk8 })) })),
  defineBody(0x0301, 'eventReport', 'up', struct({ eventId: u8 })),
  defineBody(0x8302, 'question', 'down', struct({ flag: u8, question: gbk8, answers: listRest(struct({ id: u8, text: gbk16 })) })),
  defineBody(0x0302, 'questionAnswer', 'up', struct({ ackSerial: u16, answerId: u8 })),
  defineBody(0x8303, 'infoMenuSetting', 'down', struct({ type: u8, items: settingList(struct({ infoType: u8, name: gbk16 })) })),
  defineBody(0x0303, 'infoDemand', 'up', struct({ infoType: u8, flag: u8 })),
  defineBody(0x8304, 'infoService', 'down', struct({ infoType: u8, content: gbk16 })),
  defineBody(0x8400, 'callBack', 'down', struct({ flag: u8, phone: gbkRest })),
  defineBody(0x8401, 'phoneBook', 'down', struct({ type: u8, contacts: settingList(struct({ flag: u8, phone: gbk8, name: gbk8 })) })),
  defineBody(0x0701, 'waybill', 'up', struct({ content: bytes32 })),
  driverIdentity,
  emptyBody(0x8702, 'driverIdentityRequest', 'down'),
  defineBody(0x0900, 'uplinkPassthrough', 'up', passthrough),
  defineBody(0x8900, 'downlinkPassthrough', 'down', passthrough),
  defineBody(0x0901, 'compressedUpload', 'up', struct({ data: bytes32 })),
  defineBody(0x0a00, 'terminalRsaKey', 'up', rsaKey),
  defineBody(0x8a00, 'platformRsaKey', 'down', rsaKey),
];
