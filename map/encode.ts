/**
 * Features -> one tile, in MVT 2.1 (./mvt-writer.ts, vt-pbf's output: extent 4096, layer version 2) or
 * GeoJSON. Both formats carry the same features: those within the tile plus its buffer, after
 * the feature cap (alarms kept first).
 */
import type { MapFeature } from './cluster-tile.js';
import { writeMvt } from './mvt-writer.js';
import type { MvtLayer } from './mvt-writer.js';
import { worldX, worldY } from './mercator.js';
import { thin } from './thin.js';

export const EXTENT = 4096;

export interface TileOptions {
  /** tile units beyond the edge kept (MVT buffer) */
  buffer: number;
  maxFeatures: number;
}

interface Placed {
  feature: MapFeature;
  /** point: [[x, y]]; polygon: rings of [x, y] */
  geometry: [number, number][] | [number, number][][];
}

/** Projects and clips to tile + buffer, then caps. */
export function place(features: readonly MapFeature[], z: number, x: number, y: number, options: TileOptions): Placed[] {
  const n = 2 ** z;
  const lo = -options.buffer;
  const hi = EXTENT + options.buffer;
  const tx = (lng: number) => Math.round((worldX(lng) * n - x) * EXTENT);
  const ty = (lat: number) => Math.round((worldY(lat) * n - y) * EXTENT);
  const placed: Placed[] = [];
  for (const f of features) {
    if (f.rings) {
      const rings = f.rings.map((ring) => ring.map(([lng, lat]) => [tx(lng), ty(lat)] as [number, number]));
      let minX = Infinity;
      let minY = Infinity;
      let maxX = -Infinity;
      let maxY = -Infinity;
      for (const [px, py] of rings[0]!) {
        minX = Math.min(minX, px);
        maxX = Math.max(maxX, px);
        minY = Math.min(minY, py);
        maxY = Math.max(maxY, py);
      }
      // a polygon that touches the tile or its buffer belongs to it (hexes on an edge go to both tiles)
      if (maxX < lo || minX > hi || maxY < lo || minY > hi) continue;
      for (const ring of rings) if (signedArea(ring) < 0) ring.reverse();
      placed.push({ feature: f, geometry: rings });
      continue;
    }
    if (f.touches) {
      let minX = Infinity;
      let minY = Infinity;
      let maxX = -Infinity;
      let maxY = -Infinity;
      for (const [lng, lat] of f.touches) {
        minX = Math.min(minX, tx(lng));
        maxX = Math.max(maxX, tx(lng));
        minY = Math.min(minY, ty(lat));
        maxY = Math.max(maxY, ty(lat));
      }
      if (maxX < lo || minX > hi || maxY < lo || minY > hi) continue;
      placed.push({ feature: f, geometry: [[tx(f.lng), ty(f.lat)]] });
      continue;
    }
    const px = pointX(f.lng, n, x, options.buffer);
    const py = ty(f.lat);
    if (px < lo || px > hi || py < lo || py > hi) continue;
    placed.push({ feature: f, geometry: [[px, py]] });
  }
  if (placed.length <= options.maxFeatures) return placed;
  const alarmed: Placed[] = [];
  const rest: Placed[] = [];
  for (const p of placed) (p.feature.props.alarm === true || (p.feature.props.n_alarm as number) > 0 ? alarmed : rest).push(p);
  return thin(alarmed, rest, options.maxFeatures);
}

/** A point's x in tile units; the ring of neighbour cells may sit across the antimeridian. */
function pointX(lng: number, n: number, x: number, buffer: number): number {
  const px = Math.round((worldX(lng) * n - x) * EXTENT);
  if (px < -buffer - EXTENT * (n - 1)) return px + EXTENT * n;
  if (px > EXTENT + buffer + EXTENT * (n - 1)) return px - EXTENT * n;
  return px;
}

/** Does place() keep a point feature here (inside the tile and its buffer)? Lets a caller skip building one it would drop. */
export function keepsPoint(lng: number, lat: number, z: number, x: number, y: number, buffer: number): boolean {
  const n = 2 ** z;
  const px = pointX(lng, n, x, buffer);
  if (px < -buffer || px > EXTENT + buffer) return false;
  const py = Math.round((worldY(lat) * n - y) * EXTENT);
  return py >= -buffer && py <= EXTENT + buffer;
}

/** Surveyor's formula in tile coordinates (y down): MVT exterior rings are positive. */
function signedArea(ring: [number, number][]): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) sum += (ring[i]![0] - ring[j]![0]) * (ring[i]![1] + ring[j]![1]);
  return -sum / 2;
}

export function toMvt(layers: Record<string, Placed[]>): Buffer {
  const input: MvtLayer[] = [];
  for (const [name, placed] of Object.entries(layers)) {
    if (placed.length === 0) continue;
    input.push({ name, features: placed.map((p) => ({ id: p.feature.id, type: p.feature.rings ? 3 : 1, geometry: p.geometry, tags: p.feature.props })) });
  }
  const bytes = writeMvt(input, EXTENT, 2);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function toGeoJson(layers: Record<string, Placed[]>): string {
  const features: object[] = [];
  for (const [name, placed] of Object.entries(layers)) {
    for (const p of placed) {
      const f = p.feature;
      const geometry = f.rings ? { type: 'Polygon', coordinates: f.rings } : { type: 'Point', coordinates: [round7(f.lng), round7(f.lat)] };
      features.push({ type: 'Feature', ...(f.id !== undefined ? { id: f.id } : {}), geometry, properties: { layer: name, ...f.props } });
    }
  }
  return JSON.stringify({ type: 'FeatureCollection', features });
}

function round7(v: number): number {
  return Math.round(v * 1e7) / 1e7;
}

export function isEmpty(layers: Record<string, Placed[]>): boolean {
  return Object.values(layers).every((l) => l.length === 0);
}
