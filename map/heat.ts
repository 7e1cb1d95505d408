/**
 * Heat: absolute event counts per H3 cell over a sliding time window, for three layers
 * (positions, alarms, cases), kept per org unit so a scope sees only its own.
 *
 * Storage: one bucket per minute (a ring of `maxWindowMinutes`), each holding
 * resolution -> cell -> org -> count at the resolutions the events already carry (the
 * normaliser's h3 cell and its parents: 9, 7, 5 by default). Nothing is rebuilt per event.
 *
 * Zoom -> resolution (the rule, documented in README): the screen-size rule of thumb
 * round(2/3·z + 1.3) (≈12 px hex edges on 512-px tiles), one step coarser because the client
 * smooths a heatmap: res(z) = clamp(round(2/3·z + 1.3) − 1, 0, finest stored). A resolution
 * that is not stored (8 and 6 between the default 9, 7, 5; anything coarser than 5) is summed up
 * with cellToParent from the next finer stored one. The normaliser's parents are cellToParent of
 * its cell, so these sums are what storing that resolution would have given; serving the next
 * coarser stored one instead gave 64-130 px hexagons at z 8-9 (res 5) where the rule wants
 * ~25-50 px (res 6): 4 to 8 cells across a tile.
 */
import { UNITS, cellToBoundary, cellToLatLng, cellToParent, getHexagonEdgeLengthAvg, getResolution, latLngToCell } from 'h3-js';
import type { MapFeature } from './cluster-tile.js';
import { tileBounds } from './mercator.js';

export const HEAT_LAYERS = ['positions', 'alarms', 'cases'] as const;
export type HeatLayer = (typeof HEAT_LAYERS)[number];

/**
 * resolution -> org id -> cell -> count. A map per org unit, not per cell (most cells hold one
 * org unit: a map per cell would cost ~200 B each); keyed by the position's own cell string,
 * whose hash V8 keeps, instead of a "cell:org" string made (and hashed) for every event.
 */
type Counts = Map<number, Map<number, Map<string, number>>>;

interface Bucket {
  minute: number;
  counts: Counts;
}

export interface HeatOptions {
  /** resolutions stored, finest first (the normaliser's resolution and parents) */
  resolutions: number[];
  maxWindowMinutes: number;
  /** key budget (memory bound) */
  maxKeys: number;
}

export function resolutionForZoom(z: number, finest: number): number {
  return Math.max(0, Math.min(finest, Math.round((2 / 3) * z + 1.3) - 1));
}

interface CellShape {
  lng: number;
  lat: number;
  ring: [number, number][];
  west: number;
  south: number;
  east: number;
  north: number;
}

export interface LocatedCounts {
  cells: string[];
  lng: Float64Array;
  lat: Float64Array;
  count: Float64Array;
  /** how far a hexagon of this resolution reaches from its centre, in degrees of latitude */
  reachDeg: number;
}

export class HeatIndex {
  readonly resolutions: number[];
  private readonly rings: Record<HeatLayer, (Bucket | undefined)[]>;
  private readonly orgs: string[] = [];
  private readonly orgIdOf = new Map<string, number>();
  private readonly shapes = new Map<string, CellShape>();
  private readonly centroids = new Map<string, [number, number]>();
  private readonly parentMemo = new Map<number, Map<string, string>>();
  version = 0;
  /** (cell, org) keys held over all minutes and resolutions: the memory, ~100-250 B each */
  keys = 0;
  /** finest-resolution cells not recorded because the key budget was full */
  dropped = 0;

  constructor(private readonly options: HeatOptions) {
    this.resolutions = [...new Set(options.resolutions)].sort((a, b) => b - a);
    this.rings = { positions: [], alarms: [], cases: [] };
  }

  get finest(): number {
    return this.resolutions[0]!;
  }

  /**
   * One event at `timeMs`, counted once per stored resolution: in `finestCell` at the finest,
   * `parents[res]` at the others (a position's H3 cell and parents), any missing one computed.
   */
  add(layer: HeatLayer, timeMs: number, org: string, lat: number, lng: number, finestCell?: string | null, parents?: Record<string, string>): void {
    const minute = Math.floor(timeMs / 60_000);
    const ring = this.rings[layer];
    const i = minute % this.options.maxWindowMinutes;
    let bucket = ring[i];
    if (!bucket || bucket.minute !== minute) {
      if (bucket && bucket.minute > minute) return; // older than the window
      if (bucket) for (const byOrg of bucket.counts.values()) for (const m of byOrg.values()) this.keys -= m.size;
      bucket = { minute, counts: new Map() };
      ring[i] = bucket;
    }
    let orgId = this.orgIdOf.get(org);
    if (orgId === undefined) {
      orgId = this.orgs.length;
      this.orgs.push(org);
      this.orgIdOf.set(org, orgId);
    }
    // over the key budget, the finest resolution stops taking new cells until old minutes expire
    const full = this.keys >= this.options.maxKeys;
    for (const res of this.resolutions) {
      const cell = (res === this.finest ? finestCell : parents?.[res]) ?? latLngToCell(lat, lng, res);
      let byOrg = bucket.counts.get(res);
      if (!byOrg) bucket.counts.set(res, (byOrg = new Map()));
      let byCell = byOrg.get(orgId);
      if (!byCell) byOrg.set(orgId, (byCell = new Map()));
      const had = byCell.get(cell);
      if (had === undefined) {
        if (full && res === this.finest) {
          this.dropped++;
          continue;
        }
        this.keys++;
      }
      byCell.set(cell, (had ?? 0) + 1);
    }
    this.version++;
  }

  /** cell -> count over the last `windowMinutes` at resolution `res`, for the orgs allowed. */
  counts(layer: HeatLayer, res: number, windowMinutes: number, orgAllowed: (org: string) => boolean, now = Date.now()): Map<string, number> {
    if (res > this.finest) throw new RangeError(`heat: res ${res} is finer than the finest stored resolution, ${this.finest}`);
    // the coarsest stored resolution at least as fine as res, summed up to res with cellToParent:
    // never a coarser one (res 6 answered with res-5 cells was issue 16)
    const stored = this.storedFor(res);
    const parentOf = stored > res ? this.parentsAt(res) : undefined;
    const allowed = this.orgs.map(orgAllowed);
    const newest = Math.floor(now / 60_000);
    const out = new Map<string, number>();
    for (const bucket of this.rings[layer]) {
      if (!bucket || bucket.minute <= newest - windowMinutes || bucket.minute > newest) continue;
      const byOrg = bucket.counts.get(stored);
      if (!byOrg) continue;
      for (const [orgId, byCell] of byOrg) {
        if (!allowed[orgId]) continue;
        for (const [cell, n] of byCell) {
          let key = cell;
          if (parentOf) {
            key = parentOf.get(cell) ?? '';
            if (key === '') {
              if (parentOf.size >= 500_000) parentOf.clear();
              parentOf.set(cell, (key = cellToParent(cell, res)));
            }
          }
          out.set(key, (out.get(key) ?? 0) + n);
        }
      }
    }
    return out;
  }

  /** The stored resolution `res` is summed from: the coarsest one at least as fine (res <= finest). */
  storedFor(res: number): number {
    let stored = this.finest;
    for (const r of this.resolutions) if (r >= res) stored = r; // finest first: the last one kept is the coarsest
    return stored;
  }

  /** child cell -> its parent at `res`, remembered (cellToParent goes through WebAssembly and a string each call) */
  private parentsAt(res: number): Map<string, string> {
    let m = this.parentMemo.get(res);
    if (!m) this.parentMemo.set(res, (m = new Map()));
    return m;
  }

  /**
   * The window's sums with each cell's centroid, built once per view and shared by its tiles:
   * a tile then scans flat arrays and computes outlines only for cells near it.
   */
  located(counts: Map<string, number>): LocatedCounts {
    const cells = [...counts.keys()];
    const lng = new Float64Array(cells.length);
    const lat = new Float64Array(cells.length);
    const count = new Float64Array(cells.length);
    cells.forEach((cell, i) => {
      let c = this.centroids.get(cell);
      if (!c) {
        if (this.centroids.size > 500_000) this.centroids.clear();
        const [a, b] = cellToLatLng(cell);
        this.centroids.set(cell, (c = [b, a]));
      }
      lng[i] = c[0];
      lat[i] = c[1];
      count[i] = counts.get(cell)!;
    });
    const res = cells.length > 0 ? getResolution(cells[0]!) : 0;
    // a hexagon reaches at most ~1.2 average edges from its centre (pentagons and distortion included, with margin)
    const reachKm = getHexagonEdgeLengthAvg(res, UNITS.km) * 1.6;
    return { cells, lng, lat, count, reachDeg: reachKm / 111 };
  }

  /** Heat features for a tile: every cell whose hexagon touches the tile, so edge cells go to both tiles. */
  features(located: LocatedCounts, z: number, x: number, y: number, bufferFraction: number, polygons: boolean, shift: (lng: number, lat: number) => [number, number], shifted: boolean): MapFeature[] {
    const [w, s, e, n] = tileBounds(z, x, y);
    const padX = (e - w) * bufferFraction;
    const padY = (n - s) * bufferFraction;
    // candidates by centroid: the hexagon's reach (wider in longitude away from the equator) and the CRS shift
    const slack = located.reachDeg + (shifted ? 0.01 : 0);
    const cos = Math.max(0.05, Math.cos((Math.max(Math.abs(s), Math.abs(n)) * Math.PI) / 180));
    const out: MapFeature[] = [];
    for (let i = 0; i < located.cells.length; i++) {
      const clng = located.lng[i]!;
      const clat = located.lat[i]!;
      if (clat < s - padY - slack || clat > n + padY + slack || clng < w - padX - slack / cos || clng > e + padX + slack / cos) continue;
      const cell = located.cells[i]!;
      const shape = this.shape(cell, shift, shifted);
      if (shape.east < w - padX || shape.west > e + padX || shape.north < s - padY || shape.south > n + padY) continue;
      const f: MapFeature = { lng: shape.lng, lat: shape.lat, props: { h3: cell, res: getResolution(cell), count: located.count[i]! } };
      if (polygons) f.rings = [shape.ring];
      else f.touches = shape.ring;
      out.push(f);
    }
    return out;
  }

  private shape(cell: string, shift: (lng: number, lat: number) => [number, number], shifted: boolean): CellShape {
    // shapes are cached in WGS-84 only; shifted ones are computed per request (the shift is cheap)
    const identity = !shifted;
    const cached = identity ? this.shapes.get(cell) : undefined;
    if (cached) return cached;
    const [clat, clng] = cellToLatLng(cell);
    const [lng, lat] = shift(clng, clat);
    const ring = cellToBoundary(cell, true).map(([bl, ba]) => shift(bl, ba));
    let west = Infinity;
    let east = -Infinity;
    let south = Infinity;
    let north = -Infinity;
    for (const [a, b] of ring) {
      west = Math.min(west, a);
      east = Math.max(east, a);
      south = Math.min(south, b);
      north = Math.max(north, b);
    }
    const shape = { lng, lat, ring, west, south, east, north };
    if (identity) {
      if (this.shapes.size > 200_000) this.shapes.clear();
      this.shapes.set(cell, shape);
    }
    return shape;
  }
}
