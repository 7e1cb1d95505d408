import { decodeBcd, bcdTimeToEpoch, bcdTimeToIso } from './bcd.js';
import { fail } from './errors.js';
import { decodeGbk } from './gbk.js';

/**
 * A bounds-checked cursor over one message body. Every read past `end` is a typed
 * 'truncated' error naming the field, so an additional item that overruns its body fails
 * that frame only. All integers are big-endian and unsigned unless the name says otherwise.
 */
export class Reader {
  buf: Buffer;
  pos: number;
  end: number;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number, what: string): number {
    const at = this.pos;
    if (at + n > this.end) fail('truncated', `${what}: needs ${n} byte(s) at body offset ${at}, ${this.end - at} left`);
    this.pos = at + n;
    return at;
  }

  u8(what = 'BYTE'): number {
    return this.buf[this.need(1, what)]!;
  }

  u16(what = 'WORD'): number {
    const at = this.need(2, what);
    return (this.buf[at]! << 8) | this.buf[at + 1]!;
  }

  i16(what = 'WORD'): number {
    const v = this.u16(what);
    return v > 0x7fff ? v - 0x10000 : v;
  }

  u32(what = 'DWORD'): number {
    const at = this.need(4, what);
    const b = this.buf;
    // multiply, not <<, so the high bit never turns the value negative
    return b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
  }

  u64(what = 'QWORD'): bigint {
    const at = this.need(8, what);
    return this.buf.readBigUInt64BE(at);
  }

  bytes(n: number, what = 'BYTE[n]'): Buffer {
    const at = this.need(n, what);
    return this.buf.subarray(at, at + n);
  }

  hex(n: number, what = 'BYTE[n]'): string {
    const at = this.need(n, what);
    return this.buf.toString('hex', at, at + n);
  }

  rest(): Buffer {
    const at = this.pos;
    this.pos = this.end;
    return this.buf.subarray(at, this.end);
  }

  restHex(): string {
    const at = this.pos;
    this.pos = this.end;
    return this.buf.toString('hex', at, this.end);
  }

  bcd(n: number, what = 'BCD[n]'): string {
    return decodeBcd(this.buf, this.need(n, what), n);
  }

  /** BCD[6] GMT+8 time as epoch ms UTC (NaN when the terminal sent zeros). */
  time(what = 'BCD[6] time'): number {
    return bcdTimeToEpoch(this.buf, this.need(6, what));
  }

  /** BCD[6] GMT+8 time as an ISO-8601 UTC string (null for zeros or an impossible date). */
  timeIso(what = 'BCD[6] time'): string | null {
    return bcdTimeToIso(this.buf, this.need(6, what));
  }

  /** Fixed-width GBK string, padding trimmed. */
  gbk(n: number, what = 'STRING[n]'): string {
    const at = this.need(n, what);
    return decodeGbk(this.buf, at, at + n);
  }

  /** GBK string preceded by its byte length in one BYTE. */
  gbk8(what = 'len BYTE + STRING'): string {
    return this.gbk(this.u8(what), what);
  }

  /** GBK string preceded by its byte length in one WORD. */
  gbk16(what = 'len WORD + STRING'): string {
    return this.gbk(this.u16(what), what);
  }

  /** GBK string running to the end of the body. */
  gbkRest(): string {
    const at = this.pos;
    this.pos = this.end;
    return decodeGbk(this.buf, at, this.end);
  }
}
