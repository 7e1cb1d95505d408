/**
 * HTTP validators and ranges for a stored file (RFC 9110 §13, §14), in the few lines a strong
 * ETag and one range need:
 * - If-None-Match: a 304 when any tag listed (weakly compared) is the file's, or `*`;
 * - Range: one `bytes=` range (first-last, first-, or -suffix), clamped to the file; a range that
 *   starts past the end (or an empty suffix) is unsatisfiable (416). More than one range, a header
 *   longer than MAX_RANGE_HEADER, another unit or a malformed one: the Range is ignored and the
 *   whole file answered, as the RFC allows (§14.2). A multipart answer to thousands of ranges, or
 *   to overlapping ones, would send more than the file: it is never made;
 * - If-Range: the range only while the tag given is the file's (strong comparison), else the whole.
 */
import type { ByteRange } from '../gateway/media/blobs.js';

/** longer than any one range of a 64-bit size ("bytes=" and two 20-digit numbers) with room to spare */
export const MAX_RANGE_HEADER = 100;

export type RangeAnswer = { kind: 'whole' } | { kind: 'part'; range: ByteRange } | { kind: 'unsatisfiable' };

export function rangeOf(header: string | undefined, size: number, ifRange: string | undefined, etag: string): RangeAnswer {
  if (header === undefined || header.length > MAX_RANGE_HEADER) return { kind: 'whole' };
  if (ifRange !== undefined && ifRange.trim() !== etag) return { kind: 'whole' };
  const m = /^bytes=[ \t]*(\d*)-(\d*)[ \t]*$/i.exec(header);
  if (!m) return { kind: 'whole' };
  const [, first, last] = m as unknown as [string, string, string];
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    // the last n bytes
    const n = Number(last);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'part', range: { start: Math.max(0, size - n), end: size - 1 } };
  }
  const start = Number(first);
  // last before first: not a range at all (ignored), where one past the end is unsatisfiable
  if (last !== '' && Number(last) < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'part', range: { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) } };
}

/** true when If-None-Match names the tag (weak comparison: W/ ignored) or is `*` */
export function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}
