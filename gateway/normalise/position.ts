/**
 * Decoded location -> Position event. The codec reports values as sent; here they are judged:
 * a fix without the fix bit (status bit 1), coordinates out of range or exactly 0,0, or a
 * device time further in the future than `maxFutureMs`, is flagged valid:false (and gets no
 * H3 cell), so nothing downstream mistakes it for a good position.
 */
import { cellToParent, latLngToCell } from 'h3-js';
import type { Device } from '../registry/devices.js';
import type { Position } from './events.js';

/** The part of a decoded 0x0200 body a Position is built from (0x0201/0x0500/0x0704 items too). */
export interface LocationLike {
  alarm: number;
  status: number;
  lat: number;
  lng: number;
  altitude: number;
  speed: number;
  heading: number;
  time: string | null;
  alarms: readonly string[];
  flags: readonly string[];
  extras?: object;
}

export interface NormaliseOptions {
  resolution: number;
  parents: readonly number[];
  maxFutureMs: number;
}

export type InvalidReason = 'no-fix' | 'out-of-range' | 'zero' | 'future';

const FIX_BIT = 0x2;

export function invalidReason(loc: LocationLike, now: number, maxFutureMs: number): InvalidReason | undefined {
  if ((loc.status & FIX_BIT) === 0) return 'no-fix';
  if (!(Math.abs(loc.lat) <= 90) || !(Math.abs(loc.lng) <= 180)) return 'out-of-range';
  if (loc.lat === 0 && loc.lng === 0) return 'zero';
  if (loc.time !== null && Date.parse(loc.time) - now > maxFutureMs) return 'future';
  return undefined;
}

export function toPosition(loc: LocationLike, who: Device, receivedAt: number, backfill: boolean, options: NormaliseOptions): { position: Position; invalid?: InvalidReason } {
  const invalid = invalidReason(loc, receivedAt, options.maxFutureMs);
  let h3: string | null = null;
  const h3Parents: Record<string, string> = {};
  if (!invalid) {
    h3 = latLngToCell(loc.lat, loc.lng, options.resolution);
    for (const res of options.parents) if (res < options.resolution) h3Parents[res] = cellToParent(h3, res);
  }
  const position: Position = {
    terminal: who.terminal,
    category: who.category,
    org: who.org,
    time: loc.time,
    receivedAt: new Date(receivedAt).toISOString(),
    lat: loc.lat,
    lng: loc.lng,
    speed: loc.speed,
    heading: loc.heading,
    altitude: loc.altitude,
    alarm: loc.alarm,
    status: loc.status,
    alarms: [...loc.alarms],
    flags: [...loc.flags],
    extras: (loc.extras ?? {}) as Record<string, unknown>,
    h3,
    h3Parents,
    valid: invalid === undefined,
    backfill,
  };
  return invalid ? { position, invalid } : { position };
}
