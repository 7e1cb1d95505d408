/**
 * The terminals layer: every live terminal in the tile as a single point, at every zoom, for
 * clients that cluster themselves (supercluster in the browser, a GIS). Same filters and scope
 * as the clusters layer. A dense tile keeps at most map.maxFeatures (alarms first, the rest
 * thinned evenly, as everywhere).
 */
import { filterQuery, tileFilter } from '../api-schemas.js';
import type { FilterQuery } from '../api-schemas.js';
import { thin } from '../thin.js';
import type { MapFeature } from '../cluster-tile.js';
import { shifter } from '../crs.js';
import { EXTENT } from '../encode.js';
import { CATEGORIES } from '../../events/categories.js';
import { BUCKET_LEVEL } from '../live-index.js';
import { tileBounds } from '../mercator.js';
import { filterKey } from './layer.js';
import type { TileFilter, TileLayer, TileSource } from './layer.js';

/** how far a CRS shift moves a point at most (GCJ-02 ~ 700 m, BD-09 adds ~ 1 km), with margin, in degrees */
const SHIFT_DEG = 0.03;

export const terminals: TileLayer<'terminals', TileFilter> = {
  name: 'terminals',
  summary: 'Terminal tile: every terminal as a single point, at every zoom (MVT 2.1 or GeoJSON)',
  description: 'Live terminals as single points, for clients that cluster themselves',
  vectorLayers: [
    {
      id: 'terminals',
      description: 'one point per terminal in the tile (at most map.maxFeatures, alarms first)',
      fields: { id: 'terminal id', category: `one of ${CATEGORIES.join(', ')}`, online: 'seen within map.offlineAfterMs', alarm: 'an alarm is active' },
    },
  ],
  query: filterQuery,
  params: (query) => tileFilter(query as FilterQuery),
  key: filterKey,
  open: (source: TileSource) => ({
    render(tile, filter) {
      const index = source.index;
      const sel = source.selection(tile.scope, filter);
      const alarmed: number[] = [];
      const others: number[] = [];
      const take = (slot: number): void => void (index.view(slot).alarm ? alarmed : others).push(slot);
      const { z, x, y } = tile;
      // the level-15 buckets under the tile and one ring around it (the buffer, a CRS shift),
      // unless there are more buckets than terminals: then every terminal, by its position
      const lo = (v: number) => (z >= BUCKET_LEVEL ? Math.floor(v / 2 ** (z - BUCKET_LEVEL)) : v * 2 ** (BUCKET_LEVEL - z)) - 1;
      const hi = (v: number) => (z >= BUCKET_LEVEL ? Math.floor(v / 2 ** (z - BUCKET_LEVEL)) : (v + 1) * 2 ** (BUCKET_LEVEL - z) - 1) + 1;
      const buckets = (hi(x) - lo(x) + 1) * (hi(y) - lo(y) + 1);
      if (buckets <= index.size) index.slotsIn(lo(x), hi(x), lo(y), hi(y), sel, take);
      else {
        const [w, s, e, n] = tileBounds(z, x, y);
        const padX = ((e - w) * source.config.buffer) / EXTENT + SHIFT_DEG;
        const padY = ((n - s) * source.config.buffer) / EXTENT + SHIFT_DEG;
        index.forEach(sel, take, [w - padX, s - padY, e + padX, n + padY]);
      }
      const shift = shifter(tile.crs);
      const features: MapFeature[] = [];
      // the encoder drops what falls outside the tile and its buffer, then caps at maxFeatures
      for (const slot of thin(alarmed, others, source.config.maxFeatures * 4)) {
        const v = index.view(slot);
        const [lng, lat] = shift(v.lng, v.lat);
        features.push({ id: slot + 1, lng, lat, props: { id: v.id, category: v.category, online: v.online, alarm: v.alarm } });
      }
      return { terminals: features };
    },
  }),
};
