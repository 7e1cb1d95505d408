/**
 * A duty area's H3 cover, so that a report is not tested against the polygon in the common
 * case: the cells a point inside the area can fall in, each marked interior (wholly inside: no
 * test) or boundary (an edge of the area passes through it: the exact test of area-shape.ts).
 * A report whose cell is not in the cover is outside, with no test either. The report carries
 * its cell (Position.h3, at h3.resolution); when the cover is at that resolution, the cell's
 * key is read from it by bit arithmetic, with no H3 call.
 *
 * Cells are classified here, not by H3's containment modes: H3 draws a cell's edges as straight
 * lines in longitude/latitude between its vertices, the cell itself has great-circle edges
 * (straight in the gnomonic projection), which bulge by up to L²·tan(lat)/8R (0.3 mm for a
 * resolution-9 edge at Wuhan, metres at resolution 4). A cell is interior only when no edge of
 * the area comes within that bulge (with a margin) of its outline, and the cells around
 * each boundary cell join the cover, so a point inside always finds its cell.
 *
 * The resolution is the finest at or below `maxRes` at which the area has at most `maxCells`
 * cells (a province's outline comes out coarser than a beat's). Interior cells whose siblings
 * are all interior are then merged into their parent (H3's compactCells: a cell is among the
 * merged parent's when its own ancestor at that resolution is the parent, exactly), so an area
 * keeps about as many cells as its outline crosses. Each resolution's cells are a sorted
 * Float64Array of keys (8 bytes a cell), searched by bisection, finest first.
 */
import { POLYGON_TO_CELLS_FLAGS, cellToBoundary, compactCells, cellToLatLng, getHexagonAreaAvg, getHexagonEdgeLengthAvg, gridDisk, latLngToCell, polygonToCellsExperimental } from 'h3-js';
import type { DutyGeometry } from '../events/duty.js';
import { polygonsOf } from '../events/duty-geometry.js';
import { AreaShape } from './area-shape.js';

const EARTH_M = 6_371_008.8;
const RAD = Math.PI / 180;

/** How a point was judged: by the cover alone, or by the exact test in a boundary cell. */
export const Verdict = { outside: 0, interior: 1, boundaryIn: 2, boundaryOut: 3 } as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

const hexDigit = (c: number) => (c <= 57 ? c - 48 : (c | 32) - 87);

/** the two 32-bit halves of an H3 index written in hex (as h3-js gives it) */
function halves(cell: string): [number, number] {
  let hi = 0;
  let lo = 0;
  const split = cell.length - 8;
  for (let i = 0; i < split; i++) hi = hi * 16 + hexDigit(cell.charCodeAt(i));
  for (let i = split; i < cell.length; i++) lo = lo * 16 + hexDigit(cell.charCodeAt(i));
  return [hi, lo];
}

/** the resolution of a cell (bits 52-55 of the index) */
export function cellResolution(cell: string): number {
  return (halves(cell)[0] >>> 20) & 0xf;
}

/**
 * The key of the cell, or of its ancestor at `res` (coarser or equal): the base cell and the
 * digits 1..res of the index (bits 45-51, then three bits a digit from bit 44 down), one
 * integer below 2^52. A cell's ancestor has the same leading digits (H3's definition of the
 * parent), so the same shift gives it.
 */
export function cellKey(cell: string, res: number): number {
  const [hi, lo] = halves(cell);
  return Math.floor(((hi & 0xfffff) * 4294967296 + lo) / 2 ** (45 - 3 * res));
}

/** the area (outer rings) in km² and the outline's length in km, on a local flat earth: for choosing the resolution */
function extent(geometry: DutyGeometry): { areaKm2: number; perimeterKm: number; maxAbsLat: number } {
  let area = 0;
  let perimeter = 0;
  let maxAbsLat = 0;
  for (const polygon of polygonsOf(geometry)) {
    for (const [r, ring] of polygon.entries()) {
      let sum = 0;
      for (let i = 0; i + 1 < ring.length; i++) {
        const [x1, y1] = ring[i] as [number, number];
        const [x2, y2] = ring[i + 1] as [number, number];
        const k = Math.cos(((y1 + y2) / 2) * RAD);
        sum += (x1 * y2 - x2 * y1) * k;
        perimeter += Math.hypot((x2 - x1) * k, y2 - y1) * RAD * (EARTH_M / 1000);
        maxAbsLat = Math.max(maxAbsLat, Math.abs(y1));
      }
      if (r === 0) area += (Math.abs(sum) / 2) * (RAD * (EARTH_M / 1000)) ** 2;
    }
  }
  return { areaKm2: area, perimeterKm: perimeter, maxAbsLat };
}

interface Level {
  res: number;
  /** 2^(45 - 3·res): the index's low 52 bits divided by it give the key at res */
  divisor: number;
  /** sorted keys, each doubled, + 1 for an interior cell */
  cells: Float64Array;
}

export class AreaCover {
  readonly shape: AreaShape;
  /** the resolution cells are judged at; coarser levels hold interior cells merged into their parents */
  readonly res: number;
  private readonly levels: Level[];
  /** cells held (all levels) and interior ones among them */
  readonly size: number;
  readonly interior: number;
  /** six edges of a cell at `res` in degrees (latitude, longitude): a cover cell lies within two cells (four edges) of the outline, so beyond its box by this no report is in the cover */
  private readonly margin: number;
  private readonly marginLng: number;

  constructor(geometry: DutyGeometry, maxRes: number, maxCells: number) {
    this.shape = new AreaShape(geometry);
    const { areaKm2, perimeterKm, maxAbsLat } = extent(geometry);
    let res = maxRes;
    let kept: Map<string, 0 | 1> | undefined;
    for (; ; res--) {
      const estimate = areaKm2 / getHexagonAreaAvg(res, 'km2') + (3 * perimeterKm) / getHexagonEdgeLengthAvg(res, 'km') + 8;
      if (res > 0 && estimate > maxCells * 2) continue;
      kept = this.classify(geometry, res, maxAbsLat, res > 0 ? maxCells : Infinity);
      if (kept) break;
    }
    this.res = res;
    this.margin = (getHexagonEdgeLengthAvg(res, 'km') * 6) / 110.574;
    this.marginLng = this.margin / Math.cos(Math.min(maxAbsLat + 1, 89) * RAD);
    // interior cells merged into parents whose children are all interior (compactCells): a
    // district keeps about as many cells as its outline crosses, not as its area holds
    const interior: string[] = [];
    const base: string[] = [];
    for (const [cell, c] of kept) (c === 1 ? interior : base).push(cell);
    const byRes = new Map<number, number[]>([[res, base.map((cell) => cellKey(cell, res) * 2)]]);
    for (const cell of compactCells(interior)) {
      const r = cellResolution(cell);
      let list = byRes.get(r);
      if (!list) byRes.set(r, (list = []));
      list.push(cellKey(cell, r) * 2 + 1);
    }
    this.levels = [...byRes]
      .sort(([a], [b]) => b - a)
      .map(([r, keys]) => ({ res: r, divisor: 2 ** (45 - 3 * r), cells: Float64Array.from(keys).sort() }));
    this.size = this.levels.reduce((n, l) => n + l.cells.length, 0);
    this.interior = this.size - base.length;
  }

  /** the cover at `res`, each cell marked 1 interior or 0 boundary; undefined when it has more than `maxCells` */
  private classify(geometry: DutyGeometry, res: number, maxAbsLat: number, maxCells: number): Map<string, 0 | 1> | undefined {
    const candidates = new Set<string>();
    for (const polygon of polygonsOf(geometry)) {
      const rings = polygon.map((ring) => ring.map((p) => [p[0]!, p[1]!]));
      for (const c of polygonToCellsExperimental(rings, res, POLYGON_TO_CELLS_FLAGS.containmentOverlapping, true)) candidates.add(c);
      if (candidates.size > maxCells) return undefined;
    }
    // the bulge of a great-circle edge of a cell at this resolution, doubled, and a margin
    const edgeM = getHexagonEdgeLengthAvg(res, 'm') * 1.5;
    const bulgeM = 2 * ((edgeM * edgeM) / (8 * EARTH_M)) * (1 + Math.tan(Math.min(maxAbsLat, 85) * RAD)) + 0.05;
    // the cell's outline pushed out by the bulge (a hexagon's apothem is cos 30° of its radius)
    const push = bulgeM / Math.cos(Math.PI / 6);
    const classify = (cell: string): 0 | 1 | undefined => {
      const [clat, clng] = cellToLatLng(cell);
      const kLng = 111_320 * Math.cos(clat * RAD);
      let west = Infinity;
      let south = Infinity;
      let east = -Infinity;
      let north = -Infinity;
      const ring: [number, number][] = [];
      for (const [lat, lng] of cellToBoundary(cell)) {
        const f = 1 + push / (Math.hypot((lng! - clng) * kLng, (lat! - clat) * 110_574) || 1);
        const x = clng + (lng! - clng) * f;
        const y = clat + (lat! - clat) * f;
        ring.push([x, y]);
        west = Math.min(west, x);
        east = Math.max(east, x);
        south = Math.min(south, y);
        north = Math.max(north, y);
      }
      // a cell across the antimeridian (areas never cross it): a boundary cell, tested
      if (east - west > 180) return 0;
      if (this.shape.meetsConvex(ring, west, south, east, north)) return 0;
      return this.shape.contains(clat, clng) ? 1 : undefined;
    };
    const kept = new Map<string, 0 | 1>();
    for (const cell of candidates) {
      const c = classify(cell);
      if (c !== undefined) kept.set(cell, c);
    }
    for (const [cell, c] of [...kept]) {
      if (c !== 0) continue;
      for (const n of gridDisk(cell, 1)) {
        if (kept.has(n) || candidates.has(n)) continue;
        const cn = classify(n);
        if (cn !== undefined) kept.set(n, cn);
      }
      if (kept.size > maxCells) return undefined;
    }
    return kept;
  }

  /**
   * A report at (lat, lng) whose H3 cell is `cell` (at resolution `cellRes`; null when it has
   * none): taken as it is when it is at the cover's resolution, else found by an H3 call (a
   * finer cell's parent is not always the coarser cell the point is in: H3's children stick
   * out of their parent).
   */
  judge(lat: number, lng: number, cell: string | null, cellRes: number): Verdict {
    // far outside the outline's box (by more than a cell): no cell to look at
    const s = this.shape;
    if (lat < s.south - this.margin || lat > s.north + this.margin || lng < s.west - this.marginLng || lng > s.east + this.marginLng) return Verdict.outside;
    const [hi, lo] = halves(cell !== null && cellRes === this.res ? cell : latLngToCell(lat, lng, this.res));
    const bits = (hi & 0xfffff) * 4294967296 + lo;
    for (const level of this.levels) {
      const c = classOf(level.cells, Math.floor(bits / level.divisor));
      if (c === 1) return Verdict.interior;
      if (c === 0) return this.shape.contains(lat, lng) ? Verdict.boundaryIn : Verdict.boundaryOut;
    }
    return Verdict.outside;
  }
}

/** 1 interior, 0 boundary, -1 not among the cells */
function classOf(cells: Float64Array, key: number): -1 | 0 | 1 {
  let lo = 0;
  let hi = cells.length;
  const want = key * 2;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cells[mid]! < want) lo = mid + 1;
    else hi = mid;
  }
  if (lo < cells.length && cells[lo]! - want <= 1) return (cells[lo]! - want) as 0 | 1;
  return -1;
}

/** inside, whichever way it was judged */
export const isInside = (v: Verdict): boolean => v === Verdict.interior || v === Verdict.boundaryIn;
