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
 * smooths a heatmap: res(z) = clamp(round(2/3·z + 1.3) − 1, 0, finest stored). When that is
 * coarser than the coarsest stored resolution, counts are rolled up with cellToParent.
 */
import { cellToBoundary, cellToLatLng, cellToParent, getResolution, latLngToCell } from 'h3-js';
import type { MapFeature } from './cluster-tile.js';
import { tileBounds } from './mercator.js';

export const HEAT_LAYERS = ['positions', 'alarms', 'cases'] as const;
export type HeatLayer = (typeof HEAT_LAYERS)[number];

type Counts = Map<number, Map<string, Map<number, number>>>;

interface Bucket {
  minute: number;
  counts: Counts;
}

export interface HeatOptions {
  /** resolutions stored, finest first (the normaliser's resolution and parents) */
  resolutions: number[];
  maxWindowMinutes: number;
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

export class HeatIndex {
  readonly resolutions: number[];
  private readonly rings: Record<HeatLayer, (Bucket | undefined)[]>;
  private readonly orgs: string[] = [];
  private readonly orgIdOf = new Map<string, number>();
  private readonly shapes = new Map<string, CellShape>();
  version = 0;

  constructor(private readonly options: HeatOptions) {
    this.resolutions = [...new Set(options.resolutions)].sort((a, b) => b - a);
    this.rings = { positions: [], alarms: [], cases: [] };
  }

  get finest(): number {
    return this.resolutions[0]!;
  }

  /** One event at `timeMs` in cell `cells[res]` per stored resolution (missing ones computed from lat/lng). */
  add(layer: HeatLayer, timeMs: number, org: string, lat: number, lng: number, cells?: Record<string, string>): void {
    const minute = Math.floor(timeMs / 60_000);
    const ring = this.rings[layer];
    const i = minute % this.options.maxWindowMinutes;
    let bucket = ring[i];
    if (!bucket || bucket.minute !== minute) {
      if (bucket && bucket.minute > minute) return; // older than the window
      bucket = { minute, counts: new Map() };
      ring[i] = bucket;
    }
    let orgId = this.orgIdOf.get(org);
    if (orgId === undefined) {
      orgId = this.orgs.length;
      this.orgs.push(org);
      this.orgIdOf.set(org, orgId);
    }
    for (const res of this.resolutions) {
      const cell = cells?.[res] ?? latLngToCell(lat, lng, res);
      let byCell = bucket.counts.get(res);
      if (!byCell) bucket.counts.set(res, (byCell = new Map()));
      let byOrg = byCell.get(cell);
      if (!byOrg) byCell.set(cell, (byOrg = new Map()));
      byOrg.set(orgId, (byOrg.get(orgId) ?? 0) + 1);
    }
    this.version++;
  }

  /** cell -> count over the last `windowMinutes` at resolution `res`, for the orgs allowed. */
  counts(layer: HeatLayer, res: number, windowMinutes: number, orgAllowed: (org: string) => boolean, now = Date.now()): Map<string, number> {
    const stored = this.resolutions.find((r) => r <= res) ?? this.resolutions[this.resolutions.length - 1]!;
    const allowed = this.orgs.map(orgAllowed);
    const newest = Math.floor(now / 60_000);
    const out = new Map<string, number>();
    for (const bucket of this.rings[layer]) {
      if (!bucket || bucket.minute <= newest - windowMinutes || bucket.minute > newest) continue;
      const byCell = bucket.counts.get(stored);
      if (!byCell) continue;
      for (const [cell, byOrg] of byCell) {
        let n = 0;
        for (const [org, k] of byOrg) if (allowed[org]) n += k;
        if (n === 0) continue;
        const key = stored > res ? cellToParent(cell, res) : cell;
        out.set(key, (out.get(key) ?? 0) + n);
      }
    }
    return out;
  }

  /** Heat features for a tile: every cell whose hexagon touches the tile, so edge cells go to both tiles. */
  features(counts: Map<string, number>, z: number, x: number, y: number, bufferFraction: number, polygons: boolean, shift: (lng: number, lat: number) => [number, number]): MapFeature[] {
    const [w, s, e, n] = tileBounds(z, x, y);
    const padX = (e - w) * bufferFraction;
    const padY = (n - s) * bufferFraction;
    const out: MapFeature[] = [];
    for (const [cell, count] of counts) {
      const shape = this.shape(cell, shift);
      if (shape.east < w - padX || shape.west > e + padX || shape.north < s - padY || shape.south > n + padY) continue;
      const f: MapFeature = { lng: shape.lng, lat: shape.lat, props: { h3: cell, res: getResolution(cell), count } };
      if (polygons) f.rings = [shape.ring];
      else f.touches = shape.ring;
      out.push(f);
    }
    return out;
  }

  private shape(cell: string, shift: (lng: number, lat: number) => [number, number]): CellShape {
    // shapes are cached in WGS-84 only; shifted ones are computed per request (the shift is cheap)
    const identity = shift(0, 0)[0] === 0 && shift(116, 40)[0] === 116;
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
