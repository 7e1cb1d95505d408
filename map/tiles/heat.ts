/**
 * The heat layer: H3 cell counts of positions, alarms and cases over a time window (../heat.ts
 * holds the counts), one MVT layer per kind asked for, as cell centroids or hexagons.
 */
import { filterQuery, orgsOf } from '../api-schemas.js';
import { EXTENT } from '../encode.js';
import { HEAT_LAYERS, resolutionForZoom } from '../heat.js';
import type { HeatLayer, LocatedCounts } from '../heat.js';
import { shifter } from '../crs.js';
import { orgMatcher } from '../../events/scope.js';
import type { LayerFeatures, TileLayer, TileSource } from './layer.js';

export interface HeatParams {
  layers: HeatLayer[];
  windowMinutes: number;
  res?: number | undefined;
  hex: boolean;
  org?: string[] | undefined;
}

const heatQuery = {
  org: filterQuery.org,
  layers: { type: 'string', pattern: `^(?:${HEAT_LAYERS.join('|')})(?:,(?:${HEAT_LAYERS.join('|')}))*$`, description: 'comma-separated heat layers (default all)' },
  window: { type: 'string', pattern: '^\\d{1,4}[mh]$', default: '15m', description: 'time window: 15m, 1h (at most map.heatWindowMaxMinutes)' },
  res: { type: 'integer', minimum: 0, maximum: 15, description: 'H3 resolution; default from the zoom (README)' },
  geom: { type: 'string', enum: ['point', 'hex'], default: 'point', description: 'cell centroids (for a heatmap layer) or hexagons (for a fill layer)' },
} as const;

interface HeatQuery {
  org?: string;
  layers?: string;
  window: string;
  res?: number;
  geom: 'point' | 'hex';
}

const FIELDS = { h3: 'H3 cell index', res: 'H3 resolution', count: 'events in the window (absolute)' };

export const heat: TileLayer<'heat', HeatParams> = {
  name: 'heat',
  summary: 'Heat tile from H3 cell counts over a time window (MVT 2.1 or GeoJSON)',
  description: 'H3 cell counts over a time window',
  vectorLayers: HEAT_LAYERS.map((id) => ({ id, description: `${id} per H3 cell`, fields: FIELDS })),
  query: heatQuery,
  params(query, source) {
    const q = query as unknown as HeatQuery;
    const windowMinutes = Number(q.window.slice(0, -1)) * (q.window.endsWith('h') ? 60 : 1);
    if (windowMinutes < 1 || windowMinutes > source.config.heatWindowMaxMinutes) return `window: must be between 1m and ${source.config.heatWindowMaxMinutes}m`;
    if (q.res !== undefined && q.res > source.heat.finest) return `res: ${q.res} cannot be served: the finest stored resolution is ${source.heat.finest} (h3.resolution)`;
    const org = orgsOf(q.org);
    const layers = (q.layers ? [...new Set(q.layers.split(','))] : [...HEAT_LAYERS]) as HeatLayer[];
    return { layers, windowMinutes, res: q.res, hex: q.geom === 'hex', org };
  },
  key: (p) => `${p.org?.join(',') ?? ''}|${p.layers.join(',')}|${p.windowMinutes}|${p.res ?? ''}|${p.hex}`,
  open(source: TileSource) {
    /** the window's sums, shared by every tile of the same view for tileTtlMs (or until new events) */
    const sums = new Map<string, { version: number; at: number; counts: LocatedCounts }>();
    return {
      render(tile, p): LayerFeatures {
        const res = p.res ?? resolutionForZoom(tile.z, source.heat.finest);
        const match = orgMatcher(tile.scope, p.org);
        const shift = shifter(tile.crs);
        const out: LayerFeatures = {};
        for (const layer of p.layers) {
          const key = `${layer}|${res}|${p.windowMinutes}|${tile.scope}|${p.org?.join(',') ?? ''}`;
          let agg = sums.get(key);
          if (!agg || (agg.version !== source.heat.version && Date.now() - agg.at >= source.config.tileTtlMs)) {
            if (sums.size > 256) sums.clear();
            agg = { version: source.heat.version, at: Date.now(), counts: source.heat.located(source.heat.counts(layer, res, p.windowMinutes, match)) };
            sums.set(key, agg);
          }
          out[layer] = source.heat.features(agg.counts, tile.z, tile.x, tile.y, source.config.buffer / EXTENT, p.hex, shift, tile.crs !== 'wgs84');
        }
        return out;
      },
    };
  },
};
