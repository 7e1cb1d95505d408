/**
 * The k nearest terminals to a point, from the live index as it stands (issue 18: the nearest
 * free units for an incident). No scan and no second index: a best-first search down the
 * index's own grid (the count pyramid's levels, then the level-15 buckets), the way
 * geokdbush walks a k-d tree. A cell goes on the queue only when the pyramid says it holds a
 * selected terminal, with the least great-circle distance any point in it can have; a
 * terminal comes off the queue only when nothing left can be nearer. Distances are metres on
 * the sphere (the mean Earth radius), straight-line: not road distance. Bounds and
 * distances are the sphere's, so a search near the antimeridian finds units on its other side.
 */
import TinyQueue from 'tinyqueue';
import type { LiveIndex, Selection } from './live-index.js';
import { BUCKET_LEVEL } from './live-index.js';
import { latOf, lngOf } from './mercator.js';
import { greatCircleM } from '../events/great-circle.js';

const RAD = Math.PI / 180;
/**
 * Rounding room, metres: a cell's bound is worked out exactly (below), then lowered by this
 * much so that floating point never puts it above the true distance.
 */
const BOUND_SLACK_M = 1;

export interface Nearest {
  slot: number;
  distanceM: number;
}

interface Entry {
  /** metres: exact for a terminal, a lower bound for a cell */
  d: number;
  /** -1 for a terminal (then `x` is its slot), else the cell's level */
  level: number;
  x: number;
  y: number;
}

/**
 * The least distance from (lng, lat) to the meridian `m` between latitudes `south` and
 * `north`. Along a meridian the distance's cosine, sin φp sin φ + cos φp cos φ cos Δλ, has one
 * maximum, where tan φ = tan φp / cos Δλ (only when cos Δλ > 0): the least distance is there
 * when that latitude is on the edge, else at an end of it.
 */
function meridianEdgeM(lng: number, lat: number, m: number, south: number, north: number): number {
  let d = Math.min(greatCircleM(lng, lat, m, south), greatCircleM(lng, lat, m, north));
  const cosDLng = Math.cos((m - lng) * RAD);
  if (cosDLng > 0) {
    const at = Math.atan(Math.tan(lat * RAD) / cosDLng) / RAD;
    if (at > south && at < north) d = Math.min(d, greatCircleM(lng, lat, m, at));
  }
  return d;
}

/**
 * The least distance from (lng, lat) to any point of cell (cx, cy) at `level`, exact at any
 * distance. It was the distance to the box's point nearest in latitude and longitude taken
 * apart, shaded by 0.5 %: fine within a city, but from another continent 0.5 % is tens of
 * kilometres, every cell of a city fell inside that slack and one candidate search from far
 * away opened every bucket (a second of the event loop at 1M terminals, test/security/dispatch).
 * Within the box's longitudes the nearest point is straight north or south (no two points are
 * closer than their latitudes are apart); outside them it is on the nearer meridian edge
 * (along a parallel the distance grows with the longitude difference).
 */
function cellBound(lng: number, lat: number, level: number, cx: number, cy: number): number {
  const n = 2 ** level;
  const west = lngOf(cx / n);
  const east = lngOf((cx + 1) / n);
  const north = latOf(cy / n);
  const south = latOf((cy + 1) / n);
  let d: number;
  if (lng >= west && lng <= east) {
    if (lat >= south && lat <= north) return 0;
    d = greatCircleM(lng, lat, lng, lat > north ? north : south);
  } else {
    d = Math.min(meridianEdgeM(lng, lat, west, south, north), meridianEdgeM(lng, lat, east, south, north));
  }
  return Math.max(0, d - BOUND_SLACK_M);
}

/**
 * The `k` selected terminals nearest to (lng, lat) for which `accept(slot)` holds (a unit not
 * engaged elsewhere, say), nearest first, none farther than `maxM`.
 */
export function nearest(index: LiveIndex, lng: number, lat: number, k: number, sel: Selection, accept: (slot: number) => boolean = () => true, maxM = Infinity): Nearest[] {
  const out: Nearest[] = [];
  if (k <= 0) return out;
  const queue = new TinyQueue<Entry>([], (a, b) => a.d - b.d);
  const top = index.topLevel;
  for (const [cx, cy] of index.topCells()) {
    if (!index.hasSelected(top, cx, cy, sel)) continue;
    const d = cellBound(lng, lat, top, cx, cy);
    if (d <= maxM) queue.push({ d, level: top, x: cx, y: cy });
  }
  const lastCountLevel = index.countMaxZoom + top;
  while (queue.length > 0) {
    const e = queue.pop()!;
    if (e.d > maxM) break;
    if (e.level < 0) {
      out.push({ slot: e.x, distanceM: e.d });
      if (out.length === k) break;
      continue;
    }
    if (e.level === BUCKET_LEVEL) {
      index.bucketSlots(e.x, e.y, (slot) => {
        if (!index.selects(sel, slot) || !accept(slot)) return;
        const d = greatCircleM(lng, lat, index.lngOf(slot), index.latOf(slot));
        if (d <= maxM) queue.push({ d, level: -1, x: slot, y: 0 });
      });
      continue;
    }
    // below the last count level the buckets themselves are the children: one step, not two
    const next = e.level === lastCountLevel ? BUCKET_LEVEL : e.level + 1;
    const span = 2 ** (next - e.level);
    for (let x = e.x * span; x < (e.x + 1) * span; x++) {
      for (let y = e.y * span; y < (e.y + 1) * span; y++) {
        if (!index.hasSelected(next, x, y, sel)) continue;
        const d = cellBound(lng, lat, next, x, y);
        if (d <= maxM) queue.push({ d, level: next, x, y });
      }
    }
  }
  return out;
}
