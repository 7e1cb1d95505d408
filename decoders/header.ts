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
 *
 * Vendor messages outside the standard with a one-byte serial (Traccar's HuabaoProtocolDecoder
 * reads `index` as one byte for 0x5501/0x5502 and writes one in its 0x4401 answer):
 *
 *   0  message ID WORD, 2 attributes WORD (bits 0-9 body length, bits 10-15 kept as
 *   `vendorFlags`: bit 15 asks for a 0x4401 answer, bit 10 is set in the captures and is not
 *   RSA), 4 terminal phone BCD[6], 10 serial BYTE. Never subpackaged, no 2019 form.
 */
export const BODY_LENGTH_MASK = 0x03ff;
export const ENCRYPTION_SHIFT = 10;
export const SUBPACKAGE_BIT = 1 << 13;
export const VERSION_BIT = 1 << 14;
export const MAX_BODY = 1023;
/** The attribute bits a one-byte-serial vendor message keeps as `vendorFlags`. */
export const VENDOR_FLAGS_MASK = 0xfc00;
/** Bit 15 of a vendor message's attributes: the terminal wants a 0x4401 answer. */
export const VENDOR_ANSWER_BIT = 0x8000;

/** The vendor messages whose header carries a one-byte serial (11 bytes in all). */
export function hasShortSerial(msgId: number): boolean {
  return msgId === 0x5501 || msgId === 0x5502 || msgId === 0x4401;
}

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
  const msgId = data.length >= 2 ? (data[0]! << 8) | data[1]! : -1;
  if (hasShortSerial(msgId)) return parseShortHeader(data, msgId, bounds, defaultEdition);
  if (data.length < 12) return new Jt808Error('truncated', `header needs 12 bytes, frame has ${data.length}`);
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

/** msgId WORD, attributes WORD, phone BCD[6], serial BYTE (see the top of this file). */
function parseShortHeader(data: Buffer, msgId: number, bounds: BodyBounds, defaultEdition: Edition): Header | Jt808Error {
  if (data.length < 11) return new Jt808Error('truncated', `header needs 11 bytes, frame has ${data.length}`);
  const attrs = (data[2]! << 8) | data[3]!;
  const bodyLength = attrs & BODY_LENGTH_MASK;
  if (data.length - 11 !== bodyLength) return new Jt808Error('length', `body-length field says ${bodyLength}, frame carries ${data.length - 11}`);
  bounds.offset = 11;
  bounds.length = bodyLength;
  const header: Header = { msgId, version: defaultEdition === '2019' ? '2013' : defaultEdition, phone: phone6(data, 4), serial: data[10]! };
  const flags = attrs & VENDOR_FLAGS_MASK;
  if (flags !== 0) header.vendorFlags = flags;
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
  if (hasShortSerial(h.msgId)) {
    // the platform's serial counter is a WORD: its low byte is what fits
    w.u16(h.msgId, 'message ID').u16(bodyLength | ((h.vendorFlags ?? 0) & VENDOR_FLAGS_MASK));
    w.bytes(phoneBytes(h.phone, 6));
    w.u8(h.serial & 0xff, 'serial');
    return;
  }
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
