/**
 * Is a duty area's geometry one the watch can hold? GeoJSON (RFC 7946) leaves much to the
 * writer; a drawing tool or a GIS export can send rings left open, coordinates swapped or out of
 * range, a ring that crosses itself, or a province's outline at survey precision. Each problem
 * is named by its path (`geometry.coordinates[0][12]`), the first few of them.
 *
 * Refused: a ring not closed or with fewer than three distinct positions, a position repeated
 * at once, coordinates out of range, an edge spanning more than 180° of longitude (cut it at
 * the antimeridian, as RFC 7946 §3.1.9 says), more than `maxVertices` positions in all, a ring
 * of no area, two edges of one polygon that cross or overlap (a self-crossing ring, a hole
 * crossing its outer ring: which side is inside would depend on the rule used), a hole outside
 * its outer ring. Allowed: rings touching at a point, either winding order (§3.1.6 says parsers
 * should not refuse the other), parts of a MultiPolygon that overlap, share edges or lie inside
 * one another (a point is inside the area when it is inside any part: their union counts).
 */
import type { DutyGeometry } from './duty.js';

/** the first problems only: a broken export would otherwise answer with thousands of lines */
const MAX_PROBLEMS = 10;

interface Edge {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** ring number in the geometry, its polygon, and the edge's place in its ring */
  ring: number;
  polygon: number;
  at: number;
}

/** the polygons of the geometry, each its rings (outer first) */
export function polygonsOf(g: DutyGeometry): number[][][][] {
  return g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
}

/** twice the signed area in degrees² (shoelace); 0 for a degenerate ring */
export function ringArea2(ring: readonly (readonly number[])[]): number {
  let sum = 0;
  for (let i = 0; i + 1 < ring.length; i++) sum += ring[i]![0]! * ring[i + 1]![1]! - ring[i + 1]![0]! * ring[i]![1]!;
  return sum;
}

/** even-odd ray test of one ring (closed: first = last); a point on an edge may fall either side */
export function inRing(ring: readonly (readonly number[])[], x: number, y: number): boolean {
  let inside = false;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x1, y1] = ring[i] as [number, number];
    const [x2, y2] = ring[i + 1] as [number, number];
    if (y1 > y !== y2 > y && x < x1 + ((y - y1) * (x2 - x1)) / (y2 - y1)) inside = !inside;
  }
  return inside;
}

const orient = (ax: number, ay: number, bx: number, by: number, cx: number, cy: number) => (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);

/** every position on one line (a ring of no area, whichever way it is walked) */
function collinear(ring: readonly (readonly number[])[]): boolean {
  const [x0, y0] = ring[0] as [number, number];
  const far = ring.find((v) => v[0] !== x0 || v[1] !== y0);
  if (!far) return true;
  return ring.every((v) => orient(x0, y0, far[0]!, far[1]!, v[0]!, v[1]!) === 0);
}


/** 'cross' (interiors cross at a point), 'overlap' (collinear, sharing more than a point), or undefined */
function meet(a: Edge, b: Edge): 'cross' | 'overlap' | undefined {
  const o1 = orient(a.x1, a.y1, a.x2, a.y2, b.x1, b.y1);
  const o2 = orient(a.x1, a.y1, a.x2, a.y2, b.x2, b.y2);
  const o3 = orient(b.x1, b.y1, b.x2, b.y2, a.x1, a.y1);
  const o4 = orient(b.x1, b.y1, b.x2, b.y2, a.x2, a.y2);
  if (((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0))) return 'cross';
  if (o1 === 0 && o2 === 0) {
    // on one line: project on its longer axis and see whether the spans share more than a point
    const useX = Math.abs(a.x2 - a.x1) >= Math.abs(a.y2 - a.y1);
    const [a1, a2] = useX ? [Math.min(a.x1, a.x2), Math.max(a.x1, a.x2)] : [Math.min(a.y1, a.y2), Math.max(a.y1, a.y2)];
    const [b1, b2] = useX ? [Math.min(b.x1, b.x2), Math.max(b.x1, b.x2)] : [Math.min(b.y1, b.y2), Math.max(b.y1, b.y2)];
    if (Math.min(a2, b2) - Math.max(a1, b1) > 0) return 'overlap';
  }
  return undefined;
}

/**
 * Pairs of edges that cross or overlap, by a sweep over longitude (edges sorted by their west
 * end, each compared only with those still open whose latitudes overlap its own). Edges next
 * to each other in a ring share a vertex and are only refused when they fold back on themselves.
 */
function crossings(edges: Edge[], ringLength: readonly number[], limit: number): [Edge, Edge, 'cross' | 'overlap'][] {
  const found: [Edge, Edge, 'cross' | 'overlap'][] = [];
  const sorted = [...edges].sort((a, b) => Math.min(a.x1, a.x2) - Math.min(b.x1, b.x2));
  let open: Edge[] = [];
  for (const e of sorted) {
    const west = Math.min(e.x1, e.x2);
    open = open.filter((o) => Math.max(o.x1, o.x2) >= west);
    const south = Math.min(e.y1, e.y2);
    const north = Math.max(e.y1, e.y2);
    for (const o of open) {
      // parts of a MultiPolygon may overlap or share edges: their union counts
      if (o.polygon !== e.polygon || Math.max(o.y1, o.y2) < south || Math.min(o.y1, o.y2) > north) continue;
      const kind = meet(o, e);
      if (!kind) continue;
      const n = ringLength[e.ring]!;
      const adjacent = o.ring === e.ring && (Math.abs(o.at - e.at) === 1 || Math.abs(o.at - e.at) === n - 1);
      if (adjacent && kind === 'cross') continue;
      found.push(o.ring < e.ring || (o.ring === e.ring && o.at < e.at) ? [o, e, kind] : [e, o, kind]);
      if (found.length >= limit) return found;
    }
    open.push(e);
  }
  return found;
}

/** What is wrong with the geometry, each naming its place (prefix: the geometry's path); [] = none. */
export function geometryProblems(g: DutyGeometry, maxVertices: number, prefix = 'geometry'): string[] {
  const problems: string[] = [];
  const say = (p: string): false => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
    return false;
  };
  const polygons = polygonsOf(g);
  const ringPath: string[] = [];
  const ringLength: number[] = [];
  const edges: Edge[] = [];
  let vertices = 0;
  for (const rings of polygons) for (const ring of rings) vertices += ring.length;
  if (vertices > maxVertices) return [`${prefix}.coordinates: ${vertices} positions, more than duty.maxVertices (${maxVertices}): simplify the outline`];
  for (const [p, rings] of polygons.entries()) {
    for (const [r, ring] of rings.entries()) {
      const path = g.type === 'Polygon' ? `${prefix}.coordinates[${r}]` : `${prefix}.coordinates[${p}][${r}]`;
      const ringNo = ringPath.length;
      ringPath.push(path);
      ringLength.push(ring.length - 1);
      let ok = true;
      for (const [i, pos] of ring.entries()) {
        const [lng, lat] = pos as [number, number];
        if (!Number.isFinite(lng) || lng < -180 || lng > 180) ok = say(`${path}[${i}]: longitude ${lng} is outside -180..180 (positions are [longitude, latitude])`);
        else if (!Number.isFinite(lat) || lat < -90 || lat > 90) ok = say(`${path}[${i}]: latitude ${lat} is outside -90..90 (positions are [longitude, latitude])`);
        else if (i > 0 && lng === ring[i - 1]![0] && lat === ring[i - 1]![1]) ok = say(`${path}[${i}]: repeats the position before it`);
        else if (i > 0 && Math.abs(lng - ring[i - 1]![0]!) > 180) ok = say(`${path}[${i}]: the edge to it spans more than 180° of longitude: cut the area at the antimeridian`);
      }
      const first = ring[0]!;
      const last = ring[ring.length - 1]!;
      if (first[0] !== last[0] || first[1] !== last[1]) {
        say(`${path}: not closed (the last position must repeat the first)`);
        ok = false;
      }
      if (!ok) continue;
      if (collinear(ring)) {
        say(`${path}: encloses no area`);
        continue;
      }
      for (let i = 0; i + 1 < ring.length; i++) edges.push({ x1: ring[i]![0]!, y1: ring[i]![1]!, x2: ring[i + 1]![0]!, y2: ring[i + 1]![1]!, ring: ringNo, polygon: p, at: i });
    }
  }
  if (problems.length > 0) return problems;
  for (const [a, b, kind] of crossings(edges, ringLength, MAX_PROBLEMS)) {
    const where = (e: Edge) => `${ringPath[e.ring]}[${e.at}]-[${e.at + 1}]`;
    say(`${prefix}: edge ${where(a)} ${kind === 'cross' ? 'crosses' : 'overlaps'} edge ${where(b)} (self-crossing rings are refused: which side is inside would be ambiguous)`);
  }
  if (problems.length > 0) return problems;
  // no crossings: a hole is inside its outer ring when one of its vertices (not on the outer ring) is
  for (const [p, rings] of polygons.entries()) {
    const outer = rings[0]!;
    const shared = new Set(outer.map((v) => `${v[0]},${v[1]}`));
    for (const [r, hole] of rings.entries()) {
      if (r === 0) continue;
      const probe = hole.find((v) => !shared.has(`${v[0]},${v[1]}`));
      if (!probe || !inRing(outer, probe[0]!, probe[1]!)) say(`${g.type === 'Polygon' ? `${prefix}.coordinates[${r}]` : `${prefix}.coordinates[${p}][${r}]`}: a hole outside its outer ring`);
    }
  }
  return problems;
}
