/**
 * Cluster tiles from the live index: at zoom <= clusterMaxZoom one feature per non-empty
 * cluster cell (8×8 cells per tile, plus the ring of neighbour cells whose centroid falls in
 * the buffer), above it one feature per terminal. Features are built once as `MapFeature`
 * (lng/lat in the requested CRS) and then written as MVT or GeoJSON by ./encode.ts.
 */
import type { Crs } from './crs.js';
import { shifter } from './crs.js';
import { keepsPoint } from './encode.js';
import { thin } from './thin.js';
import { CATEGORIES } from '../events/categories.js';
import { BUCKET_LEVEL, GRID_BITS } from './live-index.js';
import type { LiveIndex, Selection } from './live-index.js';
import { latOf, lngOf } from './mercator.js';

export type Props = Record<string, number | string | boolean>;

export interface MapFeature {
  /** numeric MVT feature id (uint), when the feature has a stable one */
  id?: number;
  lng: number;
  lat: number;
  props: Props;
  /** polygon rings in lng/lat (heat hexagons); a point when absent */
  rings?: [number, number][][];
  /** a point feature that belongs to every tile this outline touches (heat cell centroids) */
  touches?: [number, number][];
}

export interface ClusterOptions {
  /** features per tile at most; single terminals past it are thinned (alarms kept first) */
  maxFeatures: number;
  /** the MVT buffer (tile units): ring cells whose centroid falls outside it are not built (the encoder would drop them) */
  buffer?: number | undefined;
}

/** supercluster's abbreviation: 1234 -> "1.2k", 12345 -> "12k" */
export function abbreviate(n: number): string {
  return n >= 10000 ? `${Math.round(n / 1000)}k` : n >= 1000 ? `${Math.round(n / 100) / 10}k` : String(n);
}

/** `n_<category>` for every category, `n_unknown` included: together they sum to point_count. */
function nByCategory(byCategory: Int32Array): Props {
  const out: Props = {};
  for (const [i, c] of CATEGORIES.entries()) out[`n_${c}`] = byCategory[i]!;
  return out;
}

function terminalProps(index: LiveIndex, slot: number): Props {
  const v = index.view(slot);
  return { id: v.id, category: v.category, heading: v.heading, speed: v.speed, online: v.online, alarm: v.alarm };
}

export function clusterFeatures(index: LiveIndex, z: number, x: number, y: number, sel: Selection, crs: Crs, options: ClusterOptions): MapFeature[] {
  const shift = shifter(crs);
  const out: MapFeature[] = [];
  if (z <= index.clusterMaxZoom) {
    const per = 2 ** GRID_BITS;
    index.cellsIn(z, x * per - 1, x * per + per, y * per - 1, y * per + per, sel, (cell) => {
      if (cell.single >= 0 && cell.count === 1 && index.selects(sel, cell.single)) {
        const [lng, lat] = shift(index.lngOf(cell.single), index.latOf(cell.single));
        out.push({ id: cell.single + 1, lng, lat, props: terminalProps(index, cell.single) });
        return;
      }
      const [lng, lat] = shift(lngOf(cell.wx), latOf(cell.wy));
      // a ring cell whose centroid is outside the buffer: no expansion zoom, no props
      if (options.buffer !== undefined && !keepsPoint(lng, lat, z, x, y, options.buffer)) return;
      // cluster ids name the cell and zoom: stable while the cell is non-empty, decodable by the API
      const clusterId = cell.key * 32 + z;
      const props: Props = {
        cluster: true,
        cluster_id: clusterId,
        point_count: cell.count,
        point_count_abbreviated: abbreviate(cell.count),
        ...nByCategory(cell.byCategory),
        n_alarm: cell.alarms,
        expansion_zoom: index.expansionZoom(cell.level, cell.cx, cell.cy, sel),
      };
      out.push({ id: clusterId, lng, lat, props });
    });
    return out;
  }
  // single terminals: the level-15 buckets under the tile, plus one ring (buffer, CRS shift)
  const lo = (v: number) => (z >= BUCKET_LEVEL ? Math.floor(v / 2 ** (z - BUCKET_LEVEL)) : v * 2 ** (BUCKET_LEVEL - z));
  const hi = (v: number) => (z >= BUCKET_LEVEL ? Math.floor(v / 2 ** (z - BUCKET_LEVEL)) : (v + 1) * 2 ** (BUCKET_LEVEL - z) - 1);
  const alarmed: number[] = [];
  const others: number[] = [];
  index.slotsIn(lo(x) - 1, hi(x) + 1, lo(y) - 1, hi(y) + 1, sel, (slot) => {
    if (index.view(slot).alarm) alarmed.push(slot);
    else others.push(slot);
  });
  // the candidate list is bounded here; the ring around the tile is trimmed by the encoder
  const keep = thin(alarmed, others, options.maxFeatures * 4);
  for (const slot of keep) {
    const [lng, lat] = shift(index.lngOf(slot), index.latOf(slot));
    out.push({ id: slot + 1, lng, lat, props: terminalProps(index, slot) });
  }
  return out;
}

export const CLUSTER_FIELDS: Record<string, string> = {
  cluster: 'true on cluster features',
  cluster_id: 'cluster id (cell key * 32 + zoom)',
  point_count: 'terminals in the cluster (after filters)',
  point_count_abbreviated: 'point_count for labels (1.2k)',
  n_vehicle: 'vehicles in the cluster',
  n_bodycam: 'body-worn cameras',
  n_handheld: 'handheld terminals',
  n_fixedcam: 'fixed cameras (registry resources)',
  n_unknown: 'terminals of no known category (not in the registry, or listed without one)',
  n_alarm: 'terminals in alarm',
  expansion_zoom: 'zoom at which the cluster splits',
  id: 'terminal id (single terminals)',
  category: `one of ${CATEGORIES.join(', ')}`,
  heading: 'degrees from north',
  speed: 'km/h',
  online: 'seen within the offline timeout',
  alarm: 'an alarm is active',
};
