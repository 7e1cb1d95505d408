/**
 * The clusters layer: live terminals clustered by cell with per-category counts up to
 * map.clusterMaxZoom, single terminals above (../cluster-tile.ts), and the open cases of the
 * scope as a second MVT layer "cases" (not narrowed by the terminal filters).
 */
import { bboxQuery, filterQuery, tileFilter } from '../api-schemas.js';
import type { FilterQuery } from '../api-schemas.js';
import { CLUSTER_FIELDS, clusterFeatures } from '../cluster-tile.js';
import type { MapFeature } from '../cluster-tile.js';
import { shifter } from '../crs.js';
import { CATEGORIES } from '../../events/categories.js';
import { orgMatcher } from '../../events/scope.js';
import { GRID_BITS } from '../live-index.js';
import { filterKey } from './layer.js';
import type { TileFilter, TileLayer, TileSource } from './layer.js';

export const CASE_FIELDS = { id: 'case id', type: 'case type', status: 'case status', time: 'when it happened', org: 'org unit in charge (ids are unique within one)' };

export const clusters: TileLayer<'clusters', TileFilter> = {
  name: 'clusters',
  summary: 'Cluster tile (MVT 2.1 or GeoJSON)',
  description: 'Live terminals clustered by cell, with per-category counts',
  vectorLayers: [
    { id: 'clusters', description: 'clusters (cluster=true) and single terminals', fields: CLUSTER_FIELDS },
    { id: 'cases', description: 'open enforcement cases', fields: CASE_FIELDS },
  ],
  query: filterQuery,
  tileJsonQuery: bboxQuery,
  params: (query) => tileFilter(query as FilterQuery),
  key: filterKey,
  // what exists in the scope, per category: a page summing a refresh round's tiles caps its counts
  // with these (tiles are rendered when each is asked for, so a terminal crossing between two
  // tiles of one round can be in both)
  totals(source: TileSource, scope: string) {
    const sel = source.selection(scope, {});
    const byCategory = new Array<number>(CATEGORIES.length).fill(0);
    let total = 0;
    const side = 2 ** GRID_BITS;
    source.index.cellsIn(0, 0, side - 1, 0, side - 1, sel, (cell) => {
      total += cell.count;
      for (let c = 0; c < CATEGORIES.length; c++) byCategory[c]! += cell.byCategory[c]!;
    });
    return { total, ...Object.fromEntries(CATEGORIES.map((c, i) => [c, byCategory[i]!])) };
  },
  open: (source: TileSource) => ({
    render(tile, filter) {
      const sel = source.selection(tile.scope, filter);
      const features = clusterFeatures(source.index, tile.z, tile.x, tile.y, sel, tile.crs, { maxFeatures: source.config.maxFeatures, buffer: source.config.buffer });
      return { clusters: features, cases: openCases(source, tile.scope, filter, shifter(tile.crs)) };
    },
  }),
};

/** Open cases in scope (and in the org filter), shifted to the tile's CRS. */
function openCases(source: TileSource, scope: string, filter: TileFilter, shift: (lng: number, lat: number) => [number, number]): MapFeature[] {
  const match = orgMatcher(scope, filter.org);
  return source.cases
    .list((c) => c.status !== 'closed' && c.status !== 'cancelled' && match(c.org))
    .map((c) => {
      const [lng, lat] = shift(c.location.lng, c.location.lat);
      return { lng, lat, props: { id: c.id, type: c.type, status: c.status, time: c.time, org: c.org } };
    });
}
