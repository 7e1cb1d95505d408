/**
 * Decoded location -> Position event. The codec reports values as sent; here they are judged:
 * a fix without the fix bit (status bit 1), coordinates out of range or exactly 0,0, or a
 * device time further in the future than `maxFutureMs`, is flagged valid:false (and gets no
 * H3 cell), so nothing downstream mistakes it for a good position.
 */
import { latLngToCell } from 'h3-js';
import type { LocationBasic } from '../../decoders/index.js';
import type { Device } from '../registry/devices.js';
import type { Position } from '../../events/model.js';
import { cellParents } from './h3-parent.js';
import { isoAt, isoFormatter } from '../../events/iso-time.js';

/**
 * What a Position is built from: the codec's 28-byte location block (0x0200, 0x0201, 0x0500,
 * each 0x0704 item, 0x0801's location), with the additional items when the message has them.
 */
export type LocationLike = LocationBasic & { extras?: object };

export interface NormaliseOptions {
  resolution: number;
  parents: readonly number[];
  maxFutureMs: number;
}

export const INVALID_REASONS = ['no-fix', 'out-of-range', 'zero', 'future'] as const;
export type InvalidReason = (typeof INVALID_REASONS)[number];

const FIX_BIT = 0x2;

const futureLimit = isoFormatter();

function isFuture(time: string, now: number, maxFutureMs: number): boolean {
  // the codec's form (2026-03-01T08:00:00.000Z, as toISOString writes it) compares as text
  if (time.length === 24 && time.charCodeAt(19) === 0x2e && time.charCodeAt(23) === 0x5a) return time > futureLimit(now + maxFutureMs);
  return Date.parse(time) - now > maxFutureMs;
}

export function invalidReason(loc: LocationLike, now: number, maxFutureMs: number): InvalidReason | undefined {
  if ((loc.status & FIX_BIT) === 0) return 'no-fix';
  if (!(Math.abs(loc.lat) <= 90) || !(Math.abs(loc.lng) <= 180)) return 'out-of-range';
  if (loc.lat === 0 && loc.lng === 0) return 'zero';
  if (loc.time !== null && isFuture(loc.time, now, maxFutureMs)) return 'future';
  return undefined;
}

export function toPosition(loc: LocationLike, who: Device, receivedAt: number, backfill: boolean, options: NormaliseOptions): { position: Position; invalid?: InvalidReason } {
  const invalid = invalidReason(loc, receivedAt, options.maxFutureMs);
  let h3: string | null = null;
  let h3Parents: Record<string, string> = {};
  if (!invalid) {
    h3 = latLngToCell(loc.lat, loc.lng, options.resolution);
    h3Parents = cellParents(h3, options.parents);
  }
  const position: Position = {
    terminal: who.terminal,
    category: who.category,
    org: who.org,
    time: loc.time,
    receivedAt: isoAt(receivedAt),
    lat: loc.lat,
    lng: loc.lng,
    speed: loc.speed,
    heading: loc.heading,
    altitude: loc.altitude,
    alarm: loc.alarm,
    status: loc.status,
    // the codec's name lists are frozen and shared between frames: positions are never mutated
    alarms: loc.alarms as string[],
    flags: loc.flags as string[],
    extras: (loc.extras ?? {}) as Record<string, unknown>,
    h3,
    h3Parents,
    valid: invalid === undefined,
    backfill,
  };
  return invalid ? { position, invalid } : { position };
}
