import { fail } from './errors.js';

const DIGITS = '0123456789';

/** BCD bytes -> digit string. A nibble over 9 is a malformed field, not a guess. */
export function decodeBcd(buf: Buffer, start: number, length: number): string {
  let out = '';
  for (let i = start; i < start + length; i++) {
    const b = buf[i]!;
    const hi = b >> 4;
    const lo = b & 0x0f;
    if (hi > 9 || lo > 9) fail('malformed', `BCD byte 0x${b.toString(16).padStart(2, '0')} at offset ${i}`);
    out += DIGITS[hi]! + DIGITS[lo]!;
  }
  return out;
}

/** Digit string -> BCD bytes, left-padded with zeros to `length` bytes (phones, times). */
export function encodeBcd(digits: string, length: number, out: Buffer, offset: number): void {
  if (!/^\d*$/.test(digits) || digits.length > length * 2) {
    fail('encode', `"${digits}" does not fit BCD[${length}]`);
  }
  const padded = digits.padStart(length * 2, '0');
  for (let i = 0; i < length; i++) {
    out[offset + i] = ((padded.charCodeAt(2 * i) - 48) << 4) | (padded.charCodeAt(2 * i + 1) - 48);
  }
}

/**
 * BCD[6] YYMMDDhhmmss in GMT+8 (the standard's clock) -> epoch milliseconds UTC.
 * Years are 20YY. Returns NaN for an all-zero time (terminals without a fix send it).
 */
export function bcdTimeToEpoch(buf: Buffer, start: number): number {
  const n = (i: number): number => {
    const b = buf[start + i]!;
    const hi = b >> 4;
    const lo = b & 0x0f;
    if (hi > 9 || lo > 9) fail('malformed', `BCD time byte 0x${b.toString(16).padStart(2, '0')}`);
    return hi * 10 + lo;
  };
  const yy = n(0);
  const mo = n(1);
  const dd = n(2);
  const hh = n(3);
  const mi = n(4);
  const ss = n(5);
  if (mo === 0 && dd === 0) return NaN;
  return Date.UTC(2000 + yy, mo - 1, dd, hh - 8, mi, ss);
}

/** Epoch milliseconds -> BCD[6] GMT+8. */
export function epochToBcdTime(ms: number, out: Buffer, offset: number): void {
  if (!Number.isFinite(ms)) {
    out.fill(0, offset, offset + 6);
    return;
  }
  const d = new Date(ms + 8 * 3600_000);
  const parts = [d.getUTCFullYear() % 100, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
  for (let i = 0; i < 6; i++) out[offset + i] = ((((parts[i]! / 10) | 0) << 4) | parts[i]! % 10) & 0xff;
}

/** ISO-8601 UTC string or null for a missing time: what the JSON contract carries. */
export function isoOrNull(ms: number): string | null {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

export function parseIsoOrNull(iso: string | null): number {
  if (iso === null) return NaN;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) fail('encode', `time "${iso}" is not ISO-8601`);
  return ms;
}

const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysIn = (year: number, month: number): number =>
  month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : DAYS[month - 1]!;

/**
 * BCD[6] GMT+8 -> ISO-8601 UTC string, formatted from the digits (the hot path: no Date).
 * Null for an all-zero date (terminals without a fix) and for a calendar-impossible time
 * (month 13, 25 o'clock): an ISO string cannot carry it, and the gateway then falls back to
 * the receive time. A bad BCD nibble is a 'malformed' frame.
 */
export function bcdTimeToIso(buf: Buffer, start: number): string | null {
  let year = 2000 + bcd2(buf, start);
  let month = bcd2(buf, start + 1);
  let day = bcd2(buf, start + 2);
  let hour = bcd2(buf, start + 3);
  const minute = bcd2(buf, start + 4);
  const second = bcd2(buf, start + 5);
  if (month === 0 && day === 0) return null;
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return null;
  hour -= 8; // GMT+8 -> UTC
  if (hour < 0) {
    hour += 24;
    if (--day === 0) {
      if (--month === 0) {
        month = 12;
        year--;
      }
      day = daysIn(year, month);
    }
  }
  return year + '-' + PAD2[month] + '-' + PAD2[day] + 'T' + PAD2[hour] + ':' + PAD2[minute] + ':' + PAD2[second] + '.000Z';
}

/** One BCD byte as its two-digit value; a nibble over 9 is a malformed frame. */
function bcd2(buf: Buffer, at: number): number {
  const b = buf[at]!;
  const hi = b >> 4;
  const lo = b & 0x0f;
  if (hi > 9 || lo > 9) fail('malformed', `BCD time byte 0x${b.toString(16).padStart(2, '0')}`);
  return hi * 10 + lo;
}

const toBcd = (v: number): number => (((v / 10) | 0) << 4) | v % 10;

/**
 * ISO-8601 UTC string (or null) -> BCD[6] GMT+8. The shape every producer here emits,
 * "YYYY-MM-DDTHH:MM:SS(.sss)Z", is converted from its digits; anything else goes through
 * Date.parse (an unparsable string is an 'encode' error).
 */
export function isoToBcdTime(iso: string | null, out: Buffer, offset: number): void {
  if (iso !== null && iso.length >= 20 && iso.charCodeAt(4) === 45 && iso.charCodeAt(10) === 84 && iso.charCodeAt(iso.length - 1) === 90) {
    let year = +iso.slice(0, 4);
    let month = +iso.slice(5, 7);
    let day = +iso.slice(8, 10);
    let hour = +iso.slice(11, 13) + 8; // UTC -> GMT+8
    const minute = +iso.slice(14, 16);
    const second = +iso.slice(17, 19);
    if (year >= 2000 && year <= 2099 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month) && hour <= 31 && minute <= 59 && second <= 59) {
      if (hour >= 24) {
        hour -= 24;
        if (++day > daysIn(year, month)) {
          day = 1;
          if (++month > 12) {
            month = 1;
            year++;
          }
        }
      }
      if (year <= 2099) {
        out[offset] = toBcd(year % 100);
        out[offset + 1] = toBcd(month);
        out[offset + 2] = toBcd(day);
        out[offset + 3] = toBcd(hour);
        out[offset + 4] = toBcd(minute);
        out[offset + 5] = toBcd(second);
        return;
      }
    }
  }
  epochToBcdTime(parseIsoOrNull(iso), out, offset);
}
