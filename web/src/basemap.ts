/**
 * The base style: a configured raster tile server (Tianditu, Gaode, an internal server) or,
 * by default, a plain background with a graticule and the configured outline GeoJSON (by
 * default Wuhan's districts), so the page is useful with no internet. No glyphs or sprites are
 * referenced: labels the page needs are HTML (cluster counts, district names: ./outline.ts),
 * so nothing is fetched from outside.
 */
import type { FilterSpecification, GeoJSONSource, Map as MapLibreMap, StyleSpecification } from 'maplibre-gl';
import type { WebConfig } from './config.js';

/** `outline`: the loaded web.outline (./outline.ts), in the base map's datum. */
export function baseStyle(config: WebConfig, outline?: GeoJSON.FeatureCollection): StyleSpecification {
  const style: StyleSpecification = {
    version: 8,
    sources: {
      graticule: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#eef1f5' } },
    ],
  };
  if (config.baseMap.tiles) {
    style.sources.base = {
      type: 'raster',
      tiles: [config.baseMap.tiles],
      tileSize: config.baseMap.tileSize,
      maxzoom: config.baseMap.maxZoom,
      ...(config.baseMap.attribution ? { attribution: config.baseMap.attribution } : {}),
    };
    style.layers.push({ id: 'base', type: 'raster', source: 'base' });
  }
  style.layers.push({
    id: 'graticule',
    type: 'line',
    source: 'graticule',
    paint: { 'line-color': '#9aa6b8', 'line-opacity': config.baseMap.tiles ? 0.25 : 0.6, 'line-width': ['case', ['get', 'major'], 1, 0.5] },
  });
  if (outline) {
    const areas: FilterSpecification = ['in', ['geometry-type'], ['literal', ['Polygon', 'MultiPolygon']]];
    style.sources.outline = { type: 'geojson', data: outline };
    style.layers.push(
      { id: 'outline-fill', type: 'fill', source: 'outline', filter: areas, paint: { 'fill-color': '#dfe6ef', 'fill-opacity': config.baseMap.tiles ? 0 : 0.6 } },
      { id: 'outline', type: 'line', source: 'outline', filter: ['!=', ['geometry-type'], 'Point'], paint: { 'line-color': '#56657a', 'line-width': 1.2 } },
    );
  }
  return style;
}

/** Graticule step for a zoom: about six to twelve lines across the screen. */
function step(zoom: number): { minor: number; major: number } {
  const steps = [30, 10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001];
  const span = 360 / 2 ** zoom; // degrees across ~ one 512-px tile
  const minor = steps.find((s) => s <= span / 2) ?? 0.001;
  return { minor, major: minor * 5 };
}

/** Redraws the graticule for the view (a few dozen lines, so setData per move is cheap). */
export function keepGraticule(map: MapLibreMap): void {
  const draw = () => {
    const source = map.getSource('graticule') as GeoJSONSource | undefined;
    if (!source) return;
    const b = map.getBounds();
    const { minor, major } = step(map.getZoom());
    const features: GeoJSON.Feature[] = [];
    const west = Math.max(-180, Math.floor(b.getWest() / minor) * minor);
    const east = Math.min(180, b.getEast());
    const south = Math.max(-85, Math.floor(b.getSouth() / minor) * minor);
    const north = Math.min(85, b.getNorth());
    const isMajor = (v: number) => Math.abs(v / major - Math.round(v / major)) < 1e-6;
    for (let x = west; x <= east && features.length < 400; x += minor) {
      features.push({ type: 'Feature', properties: { major: isMajor(x) }, geometry: { type: 'LineString', coordinates: [[x, south], [x, north]] } });
    }
    for (let y = south; y <= north && features.length < 800; y += minor) {
      features.push({ type: 'Feature', properties: { major: isMajor(y) }, geometry: { type: 'LineString', coordinates: [[west, y], [east, y]] } });
    }
    source.setData({ type: 'FeatureCollection', features });
  };
  map.on('moveend', draw);
  map.once('load', draw);
}
