/**
 * Heatmaps from the heat tiles: one MapLibre heatmap layer per kind (positions, alarms,
 * cases), found among the TileJSON's vector layers by name, one visible at a time. The
 * weights are absolute (the cell counts over the server's window, on a fixed log scale), so
 * colours do not change as the view pans.
 */
import type { ExpressionSpecification, Map as MapLibreMap } from 'maplibre-gl';
import type { TileFeed } from './tiles.js';

export const HEAT_KINDS = ['positions', 'alarms', 'cases'] as const;
export type HeatKind = (typeof HEAT_KINDS)[number];

const SOURCE = 'heat';

export class HeatLayer {
  /** kind -> vector layer id in the heat tiles */
  readonly layers = new Map<HeatKind, string>();
  private weightField = 'count';
  visible: HeatKind | '' = '';

  constructor(
    private readonly map: MapLibreMap,
    private readonly feed: TileFeed,
  ) {}

  addLayers(before?: string): void {
    const vl = this.feed.tilejson?.vector_layers ?? [];
    for (const kind of HEAT_KINDS) {
      const stem = kind.replace(/s$/, '');
      const layer = vl.find((l) => l.id === kind) ?? vl.find((l) => l.id.startsWith(stem));
      if (layer) this.layers.set(kind, layer.id);
    }
    const fields = Object.keys(vl[0]?.fields ?? {});
    this.weightField = ['count', 'weight', 'n', 'value'].find((f) => fields.includes(f)) ?? 'count';
    const w: ExpressionSpecification = ['to-number', ['get', this.weightField], 1];
    for (const [kind, sourceLayer] of this.layers) {
      this.map.addLayer(
        {
          id: `heat-${kind}`,
          type: 'heatmap',
          source: SOURCE,
          'source-layer': sourceLayer,
          layout: { visibility: 'none' },
          paint: {
            // absolute: 1 at 100 per cell, log-scaled so single terminals still show
            'heatmap-weight': ['min', 1, ['/', ['ln', ['+', 1, w]], Math.log(101)]],
            'heatmap-intensity': ['interpolate', ['linear'], ['zoom'], 4, 0.6, 14, 1.6],
            'heatmap-radius': ['interpolate', ['exponential', 1.6], ['zoom'], 4, 8, 10, 22, 16, 40],
            'heatmap-opacity': 0.75,
            'heatmap-color':
              kind === 'positions'
                ? ['interpolate', ['linear'], ['heatmap-density'], 0, 'rgba(47,111,222,0)', 0.2, '#66a3ff', 0.5, '#2fd3c5', 0.8, '#ffd23f', 1, '#ff5a36']
                : kind === 'alarms'
                  ? ['interpolate', ['linear'], ['heatmap-density'], 0, 'rgba(224,36,58,0)', 0.3, '#ff9aa5', 0.7, '#ff4d5e', 1, '#a0001a']
                  : ['interpolate', ['linear'], ['heatmap-density'], 0, 'rgba(122,63,208,0)', 0.3, '#c6a6ff', 0.7, '#8a55c9', 1, '#4a1d8f'],
          },
        },
        before,
      );
    }
  }

  show(kind: HeatKind | ''): void {
    this.visible = kind;
    for (const k of this.layers.keys()) this.map.setLayoutProperty(`heat-${k}`, 'visibility', k === kind ? 'visible' : 'none');
  }

  /** Heat features loaded for the visible kind (0 when off): the test's "the heatmap draws". */
  featureCount(): number {
    const layer = this.visible ? this.layers.get(this.visible) : undefined;
    if (!layer || !this.map.getSource(SOURCE)) return 0;
    return this.map.querySourceFeatures(SOURCE, { sourceLayer: layer }).length;
  }
}
