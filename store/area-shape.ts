/**
 * The exact test of a duty area: is a point inside it? GeoJSON's edges are straight lines in
 * longitude/latitude (RFC 7946 §3.1.1), so this is the plane's even-odd ray test, per ring: a
 * point is inside a polygon when it is inside its outer ring and no hole, inside the area when
 * inside any of its polygons. The edges are filed by latitude band, so a test looks only at
 * the edges of its band (a ray crosses only edges spanning its latitude), not at every vertex
 * of a district's outline. It is asked only for points in an area's boundary cells
 * (area-cover.ts); it also tells the cover which cells an edge passes through.
 */
import type { DutyGeometry } from '../events/duty.js';
import { polygonsOf } from '../events/duty-geometry.js';

/** an edge filed in this many bands at most, on average: bounds the index whatever the outline */
const MAX_FILINGS_PER_EDGE = 8;
const MAX_BANDS = 1024;

export class AreaShape {
  readonly west: number;
  readonly south: number;
  readonly east: number;
  readonly north: number;
  /** edges: x1, y1, x2, y2 (longitude, latitude) */
  private readonly xy: Float64Array;
  /** each edge's ring */
  private readonly ringOf: Uint32Array;
  /** each ring's polygon, and whether it is a hole */
  private readonly polygonOf: Uint32Array;
  private readonly hole: Uint8Array;
  private readonly polygons: number;
  private readonly bands: number;
  private readonly bandHeight: number;
  /** edges of band b: filed[start[b]] .. filed[start[b + 1] - 1] */
  private readonly start: Uint32Array;
  private readonly filed: Uint32Array;
  /** per-query scratch: ring parities, per-polygon results; edge marks for box queries */
  private readonly parity: Uint8Array;
  private readonly inPolygon: Int8Array;
  private readonly seen: Uint32Array;
  private generation = 0;

  constructor(geometry: DutyGeometry) {
    const polygons = polygonsOf(geometry);
    let edges = 0;
    let rings = 0;
    for (const p of polygons) {
      for (const r of p) {
        edges += r.length - 1;
        rings++;
      }
    }
    this.xy = new Float64Array(edges * 4);
    this.ringOf = new Uint32Array(edges);
    this.polygonOf = new Uint32Array(rings);
    this.hole = new Uint8Array(rings);
    this.parity = new Uint8Array(rings);
    this.polygons = polygons.length;
    this.inPolygon = new Int8Array(polygons.length);
    this.seen = new Uint32Array(edges);
    let west = Infinity;
    let south = Infinity;
    let east = -Infinity;
    let north = -Infinity;
    let e = 0;
    let ring = 0;
    for (const [p, polygon] of polygons.entries()) {
      for (const [r, coords] of polygon.entries()) {
        this.polygonOf[ring] = p;
        this.hole[ring] = r > 0 ? 1 : 0;
        for (let i = 0; i + 1 < coords.length; i++, e++) {
          const [x1, y1] = coords[i] as [number, number];
          const [x2, y2] = coords[i + 1] as [number, number];
          this.xy.set([x1, y1, x2, y2], e * 4);
          this.ringOf[e] = ring;
          west = Math.min(west, x1);
          east = Math.max(east, x1);
          south = Math.min(south, y1);
          north = Math.max(north, y1);
        }
        ring++;
      }
    }
    this.west = west;
    this.south = south;
    this.east = east;
    this.north = north;
    // as many bands as keep the filings within bound: a long north-south edge is filed in each band it spans
    let bands = Math.max(1, Math.min(MAX_BANDS, Math.ceil(edges / 4)));
    for (;;) {
      if (bands === 1 || this.filings(bands) <= edges * MAX_FILINGS_PER_EDGE) break;
      bands = Math.max(1, Math.floor(bands / 2));
    }
    this.bands = bands;
    this.bandHeight = (north - south) / bands || 1;
    const counts = new Uint32Array(bands + 1);
    for (let i = 0; i < edges; i++) for (let b = this.bandOf(Math.min(this.xy[i * 4 + 1]!, this.xy[i * 4 + 3]!)); b <= this.bandOf(Math.max(this.xy[i * 4 + 1]!, this.xy[i * 4 + 3]!)); b++) counts[b + 1]!++;
    for (let b = 0; b < bands; b++) counts[b + 1]! += counts[b]!;
    this.start = counts;
    this.filed = new Uint32Array(counts[bands]!);
    const next = counts.slice(0, bands);
    for (let i = 0; i < edges; i++) for (let b = this.bandOf(Math.min(this.xy[i * 4 + 1]!, this.xy[i * 4 + 3]!)); b <= this.bandOf(Math.max(this.xy[i * 4 + 1]!, this.xy[i * 4 + 3]!)); b++) this.filed[next[b]!++] = i;
  }

  private filings(bands: number): number {
    const h = (this.north - this.south) / bands || 1;
    let n = 0;
    for (let i = 0; i < this.ringOf.length; i++) {
      const lo = Math.min(this.xy[i * 4 + 1]!, this.xy[i * 4 + 3]!);
      const hi = Math.max(this.xy[i * 4 + 1]!, this.xy[i * 4 + 3]!);
      n += Math.min(bands - 1, Math.floor((hi - this.south) / h)) - Math.min(bands - 1, Math.floor((lo - this.south) / h)) + 1;
    }
    return n;
  }

  private bandOf(lat: number): number {
    const b = Math.floor((lat - this.south) / this.bandHeight);
    return b < 0 ? 0 : b >= this.bands ? this.bands - 1 : b;
  }

  /** edges of the outline, all rings */
  get edgeCount(): number {
    return this.ringOf.length;
  }

  contains(lat: number, lng: number): boolean {
    if (lat < this.south || lat > this.north || lng < this.west || lng > this.east) return false;
    const b = this.bandOf(lat);
    this.parity.fill(0);
    const xy = this.xy;
    for (let k = this.start[b]!, end = this.start[b + 1]!; k < end; k++) {
      const i = this.filed[k]! * 4;
      const y1 = xy[i + 1]!;
      const y2 = xy[i + 3]!;
      // the half-open rule: a vertex on the ray counts for one of its two edges
      if (y1 > lat !== y2 > lat) {
        const x1 = xy[i]!;
        if (lng < x1 + ((lat - y1) * (xy[i + 2]! - x1)) / (y2 - y1)) this.parity[this.ringOf[this.filed[k]!]!]! ^= 1;
      }
    }
    // inside a polygon: inside its outer ring and no hole of it; the area: any polygon
    if (this.polygons === 1 && this.parity.length === 1) return this.parity[0] === 1;
    this.inPolygon.fill(0);
    for (let r = 0; r < this.parity.length; r++) {
      const p = this.polygonOf[r]!;
      if (this.hole[r] === 0) {
        if (this.parity[r] === 1 && this.inPolygon[p] === 0) this.inPolygon[p] = 1;
      } else if (this.parity[r] === 1) this.inPolygon[p] = -1;
    }
    for (let p = 0; p < this.polygons; p++) if (this.inPolygon[p] === 1) return true;
    return false;
  }

  /**
   * Whether an edge of the area meets the convex polygon `ring` (closed or not, [lng, lat]
   * pairs, border included), given its box.
   */
  meetsConvex(ring: readonly (readonly [number, number])[], west: number, south: number, east: number, north: number): boolean {
    if (north < this.south || south > this.north || east < this.west || west > this.east) return false;
    if (++this.generation === 0xffffffff) {
      this.seen.fill(0);
      this.generation = 1;
    }
    const xy = this.xy;
    for (let b = this.bandOf(south), last = this.bandOf(north); b <= last; b++) {
      for (let k = this.start[b]!, end = this.start[b + 1]!; k < end; k++) {
        const e = this.filed[k]!;
        if (this.seen[e] === this.generation) continue;
        this.seen[e] = this.generation;
        const x1 = xy[e * 4]!;
        const y1 = xy[e * 4 + 1]!;
        const x2 = xy[e * 4 + 2]!;
        const y2 = xy[e * 4 + 3]!;
        if (!segmentMeetsBox(x1, y1, x2, y2, west, south, east, north)) continue;
        if (insideConvex(ring, x1, y1) || insideConvex(ring, x2, y2)) return true;
        for (let i = 0; i < ring.length; i++) {
          const [ax, ay] = ring[i]!;
          const [bx, by] = ring[(i + 1) % ring.length]!;
          if (segmentsMeet(x1, y1, x2, y2, ax, ay, bx, by)) return true;
        }
      }
    }
    return false;
  }
}

const orient = (ax: number, ay: number, bx: number, by: number, cx: number, cy: number) => (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);

/** inside or on a convex polygon given in either winding */
function insideConvex(ring: readonly (readonly [number, number])[], x: number, y: number): boolean {
  let sign = 0;
  for (let i = 0; i < ring.length; i++) {
    const [ax, ay] = ring[i]!;
    const [bx, by] = ring[(i + 1) % ring.length]!;
    if (ax === bx && ay === by) continue;
    const o = orient(ax, ay, bx, by, x, y);
    if (o === 0) continue;
    if (sign === 0) sign = Math.sign(o);
    else if (Math.sign(o) !== sign) return false;
  }
  return true;
}

/** do the segments share a point (touching counts) */
function segmentsMeet(ax: number, ay: number, bx: number, by: number, cx: number, cy: number, dx: number, dy: number): boolean {
  const o1 = orient(ax, ay, bx, by, cx, cy);
  const o2 = orient(ax, ay, bx, by, dx, dy);
  const o3 = orient(cx, cy, dx, dy, ax, ay);
  const o4 = orient(cx, cy, dx, dy, bx, by);
  if (((o1 >= 0 && o2 <= 0) || (o1 <= 0 && o2 >= 0)) && ((o3 >= 0 && o4 <= 0) || (o3 <= 0 && o4 >= 0))) {
    // collinear: overlapping spans
    if (o1 === 0 && o2 === 0) return Math.max(Math.min(ax, bx), Math.min(cx, dx)) <= Math.min(Math.max(ax, bx), Math.max(cx, dx)) && Math.max(Math.min(ay, by), Math.min(cy, dy)) <= Math.min(Math.max(ay, by), Math.max(cy, dy));
    return true;
  }
  return false;
}

/** Liang–Barsky: does the segment share a point with the box? */
function segmentMeetsBox(x1: number, y1: number, x2: number, y2: number, west: number, south: number, east: number, north: number): boolean {
  const dx = x2 - x1;
  const dy = y2 - y1;
  let t0 = 0;
  let t1 = 1;
  for (const [p, q] of [
    [-dx, x1 - west],
    [dx, east - x1],
    [-dy, y1 - south],
    [dy, north - y1],
  ] as const) {
    if (p === 0) {
      if (q < 0) return false;
    } else {
      const r = q / p;
      if (p < 0) {
        if (r > t1) return false;
        if (r > t0) t0 = r;
      } else {
        if (r < t0) return false;
        if (r < t1) t1 = r;
      }
    }
  }
  return true;
}
