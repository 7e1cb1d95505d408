/**
 * Duty areas on the map (the duty tiles, issue 18), shown with the toggle in the bar: each area
 * filled by its coverage, the share of its assigned units on post now (red none, amber half,
 * green all; grey when nothing is assigned), outlined (dashed off shift), and labelled with its
 * name and "on post / assigned". The colours are DUTY_COLOURS, which the legend draws too.
 */
import type { ExpressionSpecification, Map as MapLibreMap } from 'maplibre-gl';
import type { TileFeed } from './tiles.js';

const SOURCE = 'duty';
export const DUTY_LAYERS = ['duty-fill', 'duty-line', 'duty-label'] as const;

/** coverage 0, 0.5, 1, and an area with nothing assigned */
export const DUTY_COLOURS = { none: '#e0243a', half: '#f0a020', all: '#1f9d55', unassigned: '#8a94a6' } as const;

const fillColour: ExpressionSpecification = ['case', ['has', 'coverage'], ['interpolate', ['linear'], ['get', 'coverage'], 0, DUTY_COLOURS.none, 0.5, DUTY_COLOURS.half, 1, DUTY_COLOURS.all], DUTY_COLOURS.unassigned];

export class DutyLayer {
  visible = false;

  constructor(
    private readonly map: MapLibreMap,
    private readonly feed: TileFeed,
  ) {}

  /** Adds the source and its layers, hidden; `before`: the first layer they must stay under (the markers). */
  addLayers(before?: string): void {
    this.map.addSource(SOURCE, this.feed.source());
    const hidden = { visibility: 'none' as const };
    this.map.addLayer({ id: 'duty-fill', type: 'fill', source: SOURCE, 'source-layer': 'duty', layout: hidden, paint: { 'fill-color': fillColour, 'fill-opacity': 0.22 } }, before);
    this.map.addLayer(
      {
        id: 'duty-line',
        type: 'line',
        source: SOURCE,
        'source-layer': 'duty',
        layout: hidden,
        paint: { 'line-color': fillColour, 'line-width': 2, 'line-dasharray': ['case', ['==', ['get', 'onShift'], true], ['literal', [1, 0]], ['literal', [2, 2]]] },
      },
      before,
    );
    this.map.addLayer(
      {
        id: 'duty-label',
        type: 'symbol',
        source: SOURCE,
        'source-layer': 'duty',
        layout: { ...hidden, 'text-field': ['concat', ['get', 'name'], '\n', ['to-string', ['get', 'onPost']], ' / ', ['to-string', ['get', 'assigned']]], 'text-size': 12, 'symbol-placement': 'point' },
        paint: { 'text-color': '#1d2430', 'text-halo-color': '#fff', 'text-halo-width': 1.5 },
      },
      before,
    );
  }

  show(on: boolean): void {
    this.visible = on;
    for (const id of DUTY_LAYERS) this.map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
    if (on) this.feed.refresh(this.map);
  }

  refresh(): void {
    if (this.visible) this.feed.refresh(this.map);
  }

  /** The areas loaded, by id, with their counts (a part of a multipolygon is counted once): the test's "the layer draws". */
  areas(): Map<string, { onPost: number; assigned: number; coverage: number | undefined }> {
    const out = new Map<string, { onPost: number; assigned: number; coverage: number | undefined }>();
    if (!this.visible || !this.map.getSource(SOURCE)) return out;
    for (const f of this.map.querySourceFeatures(SOURCE, { sourceLayer: 'duty' })) {
      const p = f.properties as { id: string; onPost: number; assigned: number; coverage?: number };
      out.set(p.id, { onPost: p.onPost, assigned: p.assigned, coverage: p.coverage });
    }
    return out;
  }
}
