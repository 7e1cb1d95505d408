import { Jt808Error } from './errors.js';

/**
 * Escaping and the check byte (JT/T 808-2013 §4.4). On the wire a frame is
 * 7e | escape(header | body | check) | 7e, with 7e -> 7d 02 and 7d -> 7d 01.
 * Order on send: build, check, escape; on receive: unescape, verify, parse.
 */
export const FLAG = 0x7e;
export const ESC = 0x7d;

/** Largest header (2019, subpackaged) + largest body + check byte. */
export const MAX_UNESCAPED = 21 + 1023 + 1;
/** Every byte may double when escaped. */
export const MAX_ESCAPED = MAX_UNESCAPED * 2;
/** Smallest frame: a 2011/2013 header and the check byte. */
export const MIN_UNESCAPED = 12 + 1;

export function xorChecksum(buf: Uint8Array, start: number, end: number): number {
  let x = 0;
  for (let i = start; i < end; i++) x ^= buf[i]!;
  return x;
}

/**
 * Escaped content between two flags -> unescaped header+body (check byte verified and
 * removed). Returns an error instead of throwing: this runs once per frame on the hot path.
 * Without any 0x7d the result is a view of the input, not a copy.
 */
export function unframe(content: Buffer): Buffer | Jt808Error {
  return unframeRange(content, 0, content.length);
}

/**
 * unframe over content[start, end) of a larger buffer (the splitter's chunk). The common
 * case, nothing escaped, is one pass that XORs (and watches for 0x7d unless the caller knows
 * there is none), then one view.
 */
export function unframeRange(buf: Buffer, start: number, end: number, mayBeEscaped = true): Buffer | Jt808Error {
  const last = end - 1;
  let sum = 0;
  let escaped = false;
  if (mayBeEscaped) {
    for (let i = start; i < last; i++) {
      const b = buf[i]!;
      if (b === ESC) {
        escaped = true;
        break;
      }
      sum ^= b;
    }
    escaped ||= buf[last] === ESC;
  } else {
    // the caller knows no 0x7d lies in [start, end): the check-byte XOR alone
    for (let i = start; i < last; i++) sum ^= buf[i]!;
  }
  if (!escaped) {
    const n = end - start;
    if (n > MAX_UNESCAPED) return new Jt808Error('too_long', `${n} bytes unescaped, at most ${MAX_UNESCAPED}`);
    if (n < MIN_UNESCAPED) return new Jt808Error('truncated', `${n} bytes, a frame needs at least ${MIN_UNESCAPED}`);
    if (sum !== buf[last]) {
      return new Jt808Error('checksum', `computed 0x${sum.toString(16).padStart(2, '0')}, frame says 0x${buf[last]!.toString(16).padStart(2, '0')}`);
    }
    return buf.subarray(start, last);
  }
  return unframeEscaped(buf.subarray(start, end));
}

function unframeEscaped(content: Buffer): Buffer | Jt808Error {
  const data = unescape(content);
  if (data instanceof Jt808Error) return data;
  if (data.length > MAX_UNESCAPED) return new Jt808Error('too_long', `${data.length} bytes unescaped, at most ${MAX_UNESCAPED}`);
  if (data.length < MIN_UNESCAPED) return new Jt808Error('truncated', `${data.length} bytes, a frame needs at least ${MIN_UNESCAPED}`);
  const last = data.length - 1;
  const sum = xorChecksum(data, 0, last);
  if (sum !== data[last]) {
    return new Jt808Error('checksum', `computed 0x${sum.toString(16).padStart(2, '0')}, frame says 0x${data[last]!.toString(16).padStart(2, '0')}`);
  }
  return data.subarray(0, last);
}

/** 7d 01 -> 7d, 7d 02 -> 7e; any other byte after 7d is an 'escape' error. */
export function unescape(content: Buffer): Buffer | Jt808Error {
  let data = content;
  if (content.indexOf(ESC) !== -1) {
    data = Buffer.allocUnsafe(content.length);
    let n = 0;
    for (let i = 0; i < content.length; i++) {
      const b = content[i]!;
      if (b !== ESC) {
        data[n++] = b;
        continue;
      }
      const next = content[++i];
      if (next === 0x01) data[n++] = ESC;
      else if (next === 0x02) data[n++] = FLAG;
      else {
        const what = next === undefined ? 'at the end of the frame' : `followed by 0x${next.toString(16).padStart(2, '0')}`;
        return new Jt808Error('escape', `0x7d ${what} (offset ${i - 1})`);
      }
    }
    data = data.subarray(0, n);
  }
  return data;
}

/** Header+body -> wire bytes: check byte appended, escaped, flags around. */
export function enframe(data: Buffer): Buffer {
  const len = data.length;
  let sum = 0;
  let extra = 0;
  for (let i = 0; i < len; i++) {
    const b = data[i]!;
    sum ^= b;
    if (b === FLAG || b === ESC) extra++;
  }
  if (sum === FLAG || sum === ESC) extra++;
  const out = Buffer.allocUnsafe(len + extra + 3);
  out[0] = FLAG;
  if (extra === 0) {
    // the usual case: nothing to escape, one copy
    data.copy(out, 1);
    out[len + 1] = sum;
    out[len + 2] = FLAG;
    return out;
  }
  let n = 1;
  for (let i = 0; i <= len; i++) {
    const b = i < len ? data[i]! : sum; // the check byte is escaped like the rest
    if (b === FLAG) {
      out[n++] = ESC;
      out[n++] = 0x02;
    } else if (b === ESC) {
      out[n++] = ESC;
      out[n++] = 0x01;
    } else out[n++] = b;
  }
  out[n] = FLAG;
  return out;
}
