import { encodeBcd, epochToBcdTime, isoToBcdTime } from './bcd.js';
import { fail } from './errors.js';
import { encodeGbk } from './gbk.js';

/**
 * A growable big-endian writer for message bodies: the mirror of Reader. Values outside a
 * field's range are an 'encode' error, never silently truncated on the wire.
 */
export class Writer {
  private buf: Buffer;
  length = 0;

  constructor(capacity = 64) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  private room(n: number): number {
    const at = this.length;
    if (at + n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, at + n));
      this.buf.copy(next, 0, 0, at);
      this.buf = next;
    }
    this.length = at + n;
    return at;
  }

  private check(v: number, max: number, what: string, min = 0): void {
    if (!Number.isInteger(v) || v < min || v > max) fail('encode', `${what}: ${v} outside ${min}..${max}`);
  }

  u8(v: number, what = 'BYTE'): this {
    this.check(v, 0xff, what);
    const at = this.room(1); // room() may grow the buffer: take the slot before touching it
    this.buf[at] = v;
    return this;
  }

  u16(v: number, what = 'WORD'): this {
    this.check(v, 0xffff, what);
    const at = this.room(2);
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v & 0xff;
    return this;
  }

  i16(v: number, what = 'WORD'): this {
    this.check(v, 0x7fff, what, -0x8000);
    return this.u16(v & 0xffff, what);
  }

  u32(v: number, what = 'DWORD'): this {
    this.check(v, 0xffffffff, what);
    const at = this.room(4);
    this.buf.writeUInt32BE(v, at);
    return this;
  }

  u64(v: bigint, what = 'QWORD'): this {
    if (v < 0n || v > 0xffffffffffffffffn) fail('encode', `${what}: ${v} outside u64`);
    const at = this.room(8);
    this.buf.writeBigUInt64BE(v, at);
    return this;
  }

  bytes(b: Uint8Array): this {
    const at = this.room(b.length);
    this.buf.set(b, at);
    return this;
  }

  /** Exactly `n` bytes: the data, zero-padded; longer data is an error. */
  fixed(b: Uint8Array, n: number, what = 'BYTE[n]'): this {
    if (b.length > n) fail('encode', `${what}: ${b.length} bytes do not fit ${n}`);
    const at = this.room(n);
    this.buf.set(b, at);
    this.buf.fill(0, at + b.length, at + n);
    return this;
  }

  hex(h: string, n?: number, what = 'BYTE[n]'): this {
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(h)) fail('encode', `${what}: "${h}" is not hex`);
    const b = Buffer.from(h, 'hex');
    return n === undefined ? this.bytes(b) : this.fixed(b, n, what);
  }

  bcd(digits: string, n: number, what = 'BCD[n]'): this {
    if (digits.length > n * 2) fail('encode', `${what}: "${digits}" longer than ${n * 2} digits`);
    const at = this.room(n);
    encodeBcd(digits, n, this.buf, at);
    return this;
  }

  time(ms: number): this {
    const at = this.room(6);
    epochToBcdTime(ms, this.buf, at);
    return this;
  }

  /** ISO-8601 UTC string (or null for zeros) as BCD[6] GMT+8. */
  timeIso(iso: string | null): this {
    const at = this.room(6);
    isoToBcdTime(iso, this.buf, at);
    return this;
  }

  gbk(text: string, n: number, what = 'STRING[n]'): this {
    return this.fixed(encodeGbk(text), n, what);
  }

  gbk8(text: string, what = 'len BYTE + STRING'): this {
    const b = encodeGbk(text);
    return this.u8(b.length, what).bytes(b);
  }

  gbk16(text: string, what = 'len WORD + STRING'): this {
    const b = encodeGbk(text);
    return this.u16(b.length, what).bytes(b);
  }

  gbkRest(text: string): this {
    return this.bytes(encodeGbk(text));
  }

  /** Reserve a slot to fill later (counts and lengths known only after the items). */
  reserve(n: number): number {
    return this.room(n);
  }

  setU8(at: number, v: number): void {
    this.buf[at] = v;
  }

  setU16(at: number, v: number): void {
    this.buf.writeUInt16BE(v, at);
  }

  toBuffer(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}
