import { Jt808Error, fail } from './errors.js';
import type { Edition, Header } from './message.js';
import type { Writer } from './writer.js';

/**
 * Message header (JT/T 808-2013 §4.4.3, 2019 §4.4.3):
 *
 *   2013 off  2019 off  field                 type
 *   0         0         message ID            WORD
 *   2         2         body attributes       WORD   bits 0-9 length, 10-12 encryption,
 *                                                    13 subpackage, 14 version flag (2019)
 *   -         4         protocol version      BYTE
 *   4         5         terminal phone        BCD[6] / BCD[10]
 *   10        15        serial                WORD
 *   12        17        packet total          WORD   (subpackaged only)
 *   14        19        packet index          WORD   (subpackaged only, from 1)
 *
 * 2011 and 2013 headers are identical; the edition is refined from the 0x0100 body.
 */
export const BODY_LENGTH_MASK = 0x03ff;
export const ENCRYPTION_SHIFT = 10;
export const SUBPACKAGE_BIT = 1 << 13;
export const VERSION_BIT = 1 << 14;
export const MAX_BODY = 1023;

/** Where the body sits in the frame; filled in by parseHeader (one reused object: no allocation per frame). */
export interface BodyBounds {
  offset: number;
  length: number;
}

/**
 * The terminal phone is BCD, but real Huabao-family devices put hex IDs there (Traccar's
 * captures carry 4e5de66fba22): the phone is read as the hex of its bytes, which is the
 * digit string for valid BCD and keeps such devices working instead of refusing them.
 */
function phoneOf(data: Buffer, at: number, length: number): string {
  return data.toString('hex', at, at + length);
}

/** Phones repeat on every frame of a session: a bounded cache keyed by the six bytes. */
const phones = new Map<number, string>();

function phone6(data: Buffer, at: number): string {
  const key = (data[at]! * 0x100 + data[at + 1]!) * 0x100000000 + (((data[at + 2]! << 24) | (data[at + 3]! << 16) | (data[at + 4]! << 8) | data[at + 5]!) >>> 0);
  let phone = phones.get(key);
  if (phone === undefined) {
    phone = phoneOf(data, at, 6);
    if (phones.size >= 100_000) phones.clear();
    phones.set(key, phone);
  }
  return phone;
}

export function parseHeader(data: Buffer, bounds: BodyBounds, defaultEdition: Edition = '2013'): Header | Jt808Error {
  if (data.length < 12) return new Jt808Error('truncated', `header needs 12 bytes, frame has ${data.length}`);
  const msgId = (data[0]! << 8) | data[1]!;
  const attrs = (data[2]! << 8) | data[3]!;
  const is2019 = (attrs & VERSION_BIT) !== 0;
  const sub = (attrs & SUBPACKAGE_BIT) !== 0;
  const headerLength = (is2019 ? 17 : 12) + (sub ? 4 : 0);
  if (data.length < headerLength) return new Jt808Error('truncated', `header needs ${headerLength} bytes, frame has ${data.length}`);
  const bodyLength = attrs & BODY_LENGTH_MASK;
  if (data.length - headerLength !== bodyLength) {
    return new Jt808Error('length', `body-length field says ${bodyLength}, frame carries ${data.length - headerLength}`);
  }
  bounds.offset = headerLength;
  bounds.length = bodyLength;
  const phone = is2019 ? phoneOf(data, 5, 10) : phone6(data, 4);
  const p = is2019 ? 15 : 10;
  const header: Header = {
    msgId,
    version: is2019 ? '2019' : defaultEdition === '2019' ? '2013' : defaultEdition,
    phone,
    serial: (data[p]! << 8) | data[p + 1]!,
  };
  if (is2019) header.protocolVersion = data[4]!;
  const encryption = (attrs >> ENCRYPTION_SHIFT) & 0x07;
  if (encryption !== 0) header.encryption = encryption;
  if (sub) header.packet = { total: (data[p + 2]! << 8) | data[p + 3]!, index: (data[p + 4]! << 8) | data[p + 5]! };
  return header;
}

const phoneBuffers = new Map<string, Buffer>();

/** The phone's BCD bytes (hex digits accepted, see phoneOf), cached: every frame to a terminal repeats them. */
function phoneBytes(phone: string, width: number): Buffer {
  const key = width === 10 ? `L${phone}` : phone;
  let bytes = phoneBuffers.get(key);
  if (bytes === undefined) {
    if (!/^[0-9a-fA-F]*$/.test(phone) || phone.length > width * 2) fail('encode', `phone "${phone}" does not fit BCD[${width}]`);
    bytes = Buffer.from(phone.padStart(width * 2, '0'), 'hex');
    if (phoneBuffers.size >= 100_000) phoneBuffers.clear();
    phoneBuffers.set(key, bytes);
  }
  return bytes;
}

/** Writes a header for a body of `bodyLength` bytes. */
export function writeHeader(w: Writer, h: Header, bodyLength: number): void {
  if (bodyLength > MAX_BODY) fail('encode', `body of ${bodyLength} bytes exceeds ${MAX_BODY}: use encodeParts`);
  const is2019 = h.version === '2019';
  let attrs = bodyLength | ((h.encryption ?? 0) << ENCRYPTION_SHIFT);
  if (h.packet) attrs |= SUBPACKAGE_BIT;
  if (is2019) attrs |= VERSION_BIT;
  w.u16(h.msgId, 'message ID').u16(attrs);
  if (is2019) w.u8(h.protocolVersion ?? 1, 'protocol version');
  w.bytes(phoneBytes(h.phone, is2019 ? 10 : 6));
  w.u16(h.serial, 'serial');
  if (h.packet) w.u16(h.packet.total, 'packet total').u16(h.packet.index, 'packet index');
}
