/**
 * Keyset paging: the sort key of a page's last row, handed to the caller as an opaque string
 * and taken back as `after`. Its first value is a time; one that does not parse is refused.
 */

import { StoreRefusal } from './refusal.js';
/** a cursor this API did not give (HTTP 400) */
export class BadCursor extends StoreRefusal {
  override name = 'BadCursor';
}

export function encodeCursor(values: readonly string[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(s: string, length: number): string[] {
  if (s.length <= 2048) {
    try {
      const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
      if (Array.isArray(v) && v.length === length && v.every((x) => typeof x === 'string') && !Number.isNaN(Date.parse(v[0] as string))) return v as string[];
    } catch {
      // falls through to the error
    }
  }
  throw new BadCursor('`after` is not a cursor this API gave');
}
