/**
 * Cluster and terminal layers from the cluster tiles.
 * - Clusters are HTML markers: an SVG donut of the per-category counts (n_vehicle ...) sized
 *   by point_count, the count as text (no glyph server needed), flashing when n_alarm > 0.
 *   Markers are keyed by cluster_id and updated in place, so a refresh does not flicker.
 *   A click zooms to the feature's expansion_zoom (a vector-tile client cannot ask the
 *   source for it).
 * - Single terminals are GL layers: a dot in the category colour, an arrow turned to the
 *   heading and coloured by state (online, offline, alarm), a flashing ring while in alarm.
 * Counts are taken from the features in view, each cluster and terminal once (tiles repeat
 * the features of their buffer), and published on #state for tests and on the toggles.
 */
import { Marker } from 'maplibre-gl';
import type { ExpressionSpecification, FilterSpecification, GeoJSONFeature, Map as MapLibreMap } from 'maplibre-gl';
import { CATEGORIES, COLOURS, zeroByCategory } from './config.js';
import type { Category } from './config.js';

export interface Counts {
  total: number;
  clusters: number;
  terminals: number;
  alarms: number;
  byCategory: Record<Category, number>;
}

interface MarkerEntry {
  marker: Marker;
  el: HTMLElement;
  signature: string;
  seen: number;
}

const SOURCE = 'clusters';

/** An arrow pointing north (turned by icon-rotate), drawn once per state colour. */
function arrowImage(colour: string): ImageData {
  const size = 32;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  const g = canvas.getContext('2d')!;
  g.beginPath();
  g.moveTo(16, 2);
  g.lineTo(27, 28);
  g.lineTo(16, 21);
  g.lineTo(5, 28);
  g.closePath();
  g.fillStyle = colour;
  g.strokeStyle = '#ffffff';
  g.lineWidth = 2.5;
  g.stroke();
  g.fill();
  return g.getImageData(0, 0, size, size);
}

function donut(counts: number[], total: number, size: number): string {
  const r = size / 2 - 4;
  const c = 2 * Math.PI * r;
  let offset = 0;
  const arcs = counts
    .map((n, i) => {
      if (n === 0) return '';
      const len = (n / total) * c;
      const arc = `<circle r="${r}" cx="${size / 2}" cy="${size / 2}" fill="none" stroke="${COLOURS[CATEGORIES[i]!]}" stroke-width="6" stroke-dasharray="${len} ${c - len}" stroke-dashoffset="${-offset}" transform="rotate(-90 ${size / 2} ${size / 2})"/>`;
      offset += len;
      return arc;
    })
    .join('');
  // terminals of no known category (unregistered) close the ring in grey
  const rest = offset < c - 0.5 ? `<circle r="${r}" cx="${size / 2}" cy="${size / 2}" fill="none" stroke="${COLOURS.unknown}" stroke-width="6" stroke-dasharray="${c - offset} ${offset}" stroke-dashoffset="${-offset}" transform="rotate(-90 ${size / 2} ${size / 2})"/>` : '';
  return `<svg width="${size}" height="${size}" viewBox="0 0 ${size} ${size}"><circle r="${r}" cx="${size / 2}" cy="${size / 2}" fill="#ffffff" fill-opacity="0.92" stroke="#1d2430" stroke-opacity="0.25" stroke-width="1"/>${arcs}${rest}</svg>`;
}

export class ClusterLayer {
  private readonly markers = new Map<string, MarkerEntry>();
  private generation = 0;
  sourceLayer = 'clusters';

  constructor(
    private readonly map: MapLibreMap,
    private readonly onTerminal: (id: string) => void,
  ) {}

  /** Adds the GL layers for single terminals (call once the source exists). */
  addLayers(): void {
    const map = this.map;
    map.addImage('arrow-online', arrowImage(COLOURS.online), { pixelRatio: 2 });
    map.addImage('arrow-offline', arrowImage(COLOURS.offline), { pixelRatio: 2 });
    map.addImage('arrow-alarm', arrowImage(COLOURS.alarm), { pixelRatio: 2 });
    const single: FilterSpecification = ['!', ['has', 'point_count']];
    map.addLayer({
      id: 'terminal-alarm',
      type: 'circle',
      source: SOURCE,
      'source-layer': this.sourceLayer,
      filter: ['all', single, ['==', ['get', 'alarm'], true]],
      paint: { 'circle-radius': 15, 'circle-color': COLOURS.alarm, 'circle-opacity': 0.35, 'circle-stroke-color': COLOURS.alarm, 'circle-stroke-width': 2 },
    });
    map.addLayer({
      id: 'terminal-dot',
      type: 'circle',
      source: SOURCE,
      'source-layer': this.sourceLayer,
      filter: single,
      paint: {
        'circle-radius': 7,
        // one label/colour pair per category (MapLibre's type wants a literal first pair)
        'circle-color': ['match', ['get', 'category'], ...CATEGORIES.flatMap((c) => [c, COLOURS[c]]), COLOURS.unknown] as unknown as ExpressionSpecification,
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1.5,
      },
    });
    map.addLayer({
      id: 'terminal-arrow',
      type: 'symbol',
      source: SOURCE,
      'source-layer': this.sourceLayer,
      // fixed cameras do not move: no heading to show
      filter: ['all', single, ['!=', ['get', 'category'], 'fixedcam']],
      layout: {
        'icon-image': ['case', ['==', ['get', 'alarm'], true], 'arrow-alarm', ['==', ['get', 'online'], true], 'arrow-online', 'arrow-offline'],
        'icon-rotate': ['to-number', ['get', 'heading'], 0],
        'icon-rotation-alignment': 'map',
        'icon-allow-overlap': true,
        'icon-ignore-placement': true,
        'icon-offset': [0, -14],
      },
    });
    for (const layer of ['terminal-dot', 'terminal-arrow', 'terminal-alarm']) {
      map.on('click', layer, (e) => {
        const id = e.features?.[0]?.properties.id;
        if (id !== undefined) this.onTerminal(String(id));
      });
      map.on('mouseenter', layer, () => (map.getCanvas().style.cursor = 'pointer'));
      map.on('mouseleave', layer, () => (map.getCanvas().style.cursor = ''));
    }
  }

  /** Flashing: the alarm rings' opacity, toggled twice a second. */
  flash(on: boolean): void {
    if (this.map.getLayer('terminal-alarm')) this.map.setPaintProperty('terminal-alarm', 'circle-opacity', on ? 0.55 : 0.1);
  }

  /** Reconciles the markers with the loaded tiles and returns the counts in view. */
  update(): Counts {
    const map = this.map;
    const counts: Counts = { total: 0, clusters: 0, terminals: 0, alarms: 0, byCategory: zeroByCategory() };
    if (!map.getSource(SOURCE)) return counts;
    const features = map.querySourceFeatures(SOURCE, { sourceLayer: this.sourceLayer });
    const bounds = map.getBounds();
    const generation = ++this.generation;
    const seenTerminals = new Set<string>();
    for (const f of features) {
      if (f.geometry.type !== 'Point') continue;
      const [lng, lat] = f.geometry.coordinates as [number, number];
      const p = f.properties;
      if (p.point_count !== undefined) {
        const key = String(p.cluster_id);
        const entry = this.markers.get(key);
        if (entry?.seen === generation) continue; // a buffer copy from a neighbour tile
        this.place(key, f, lng, lat, generation);
        if (!bounds.contains([lng, lat])) continue;
        counts.clusters++;
        counts.total += Number(p.point_count);
        counts.alarms += Number(p.n_alarm ?? 0);
        for (const c of CATEGORIES) counts.byCategory[c] += Number(p[`n_${c}`] ?? 0);
      } else {
        const id = String(p.id);
        if (seenTerminals.has(id)) continue;
        seenTerminals.add(id);
        if (!bounds.contains([lng, lat])) continue;
        counts.terminals++;
        counts.total++;
        if (p.alarm === true) counts.alarms++;
        const c = p.category as Category;
        if (c in counts.byCategory) counts.byCategory[c]++;
      }
    }
    for (const [key, entry] of this.markers) {
      if (entry.seen !== generation) {
        entry.marker.remove();
        this.markers.delete(key);
      }
    }
    return counts;
  }

  private place(key: string, f: GeoJSONFeature, lng: number, lat: number, generation: number): void {
    const p = f.properties;
    const total = Number(p.point_count);
    const byCategory = CATEGORIES.map((c) => Number(p[`n_${c}`] ?? 0));
    const alarms = Number(p.n_alarm ?? 0);
    const expansion = Number(p.expansion_zoom ?? this.map.getZoom() + 2);
    // the drawing changes with the counts only; a moved centroid just moves the marker
    const signature = `${total}|${byCategory.join(',')}|${alarms}|${expansion}`;
    let entry = this.markers.get(key);
    if (!entry) {
      const el = document.createElement('div');
      el.className = 'cluster';
      el.addEventListener('click', (e) => {
        e.stopPropagation();
        const zoom = Number(el.dataset.expansionZoom);
        const [x, y] = (el.dataset.lngLat ?? '').split(',').map(Number) as [number, number];
        // expansion_zoom is where the cluster splits; a fractional view already past it goes one level deeper
        this.map.easeTo({ center: [x, y], zoom: zoom > this.map.getZoom() ? zoom : this.map.getZoom() + 1, duration: 400 });
      });
      const marker = new Marker({ element: el }).setLngLat([lng, lat]).addTo(this.map);
      entry = { marker, el, signature: '', seen: generation };
      this.markers.set(key, entry);
    }
    entry.seen = generation;
    entry.el.dataset.lngLat = `${lng},${lat}`;
    entry.marker.setLngLat([lng, lat]);
    if (entry.signature === signature) return;
    entry.signature = signature;
    const size = Math.round(30 + 10 * Math.log10(Math.max(1, total)));
    const el = entry.el;
    el.innerHTML = `${donut(byCategory, total, size)}<span>${String(p.point_count_abbreviated ?? total)}</span>`;
    el.classList.toggle('alarm', alarms > 0);
    el.dataset.clusterId = key;
    el.dataset.count = String(total);
    el.dataset.expansionZoom = String(expansion);
    for (const [i, c] of CATEGORIES.entries()) el.dataset[c] = String(byCategory[i]);
    el.title = CATEGORIES.map((c, i) => `${c}: ${byCategory[i]}`).join('\n') + (alarms ? `\nalarms: ${alarms}` : '');
  }

  clear(): void {
    for (const entry of this.markers.values()) entry.marker.remove();
    this.markers.clear();
  }
}
