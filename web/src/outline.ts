/**
 * The outline (web.outline: by default Wuhan's districts): fetched once, in the base map's
 * datum (the server shifts it as it shifts positions), drawn by the base style, and its names
 * put on the map. Names are HTML (no glyph server: the page works offline, and the browser's
 * own fonts draw Chinese), one per Point feature marked `label: true`, in the page's language
 * (`name`, or `name_en` in English), under the clusters. Where two would overlap, the one
 * listed first is kept.
 */
import { Marker } from 'maplibre-gl';
import type { Map as MapLibreMap } from 'maplibre-gl';
import type { WebConfig } from './config.js';

export type Outline = GeoJSON.FeatureCollection;

/** The outline in the base map's datum, or undefined (none configured, or not loadable). */
export async function loadOutline(config: WebConfig): Promise<Outline | undefined> {
  if (!config.outline) return undefined;
  const url = new URL(config.outline, location.href);
  if (config.baseMap.crs !== 'wgs84') url.searchParams.set('crs', config.baseMap.crs);
  try {
    const res = await fetch(url);
    if (!res.ok) return undefined;
    const body = (await res.json()) as Outline;
    return body.type === 'FeatureCollection' && Array.isArray(body.features) ? body : undefined;
  } catch {
    // a broken outline file must not keep the map from loading
    return undefined;
  }
}

export class OutlineLabels {
  private readonly labels: { el: HTMLElement; props: Record<string, unknown> }[] = [];
  private queued = false;

  constructor(
    private readonly map: MapLibreMap,
    outline: Outline | undefined,
    private language: 'zh-CN' | 'en',
  ) {
    for (const f of outline?.features ?? []) {
      const props = (f.properties ?? {}) as Record<string, unknown>;
      if (f.geometry?.type !== 'Point' || props.label !== true) continue;
      const el = document.createElement('div');
      el.className = 'district-label';
      new Marker({ element: el }).setLngLat(f.geometry.coordinates as [number, number]).addTo(map);
      this.labels.push({ el, props });
    }
    this.setLanguage(language);
    map.on('move', () => this.queue());
  }

  setLanguage(language: 'zh-CN' | 'en'): void {
    this.language = language;
    for (const { el, props } of this.labels) {
      el.textContent = String((language === 'en' ? props.name_en : undefined) ?? props.name ?? '');
      el.dataset.name = String(props.name ?? '');
    }
    this.queue();
  }

  private queue(): void {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.declutter();
    });
  }

  /** Hides the labels that would overlap one shown before them. */
  private declutter(): void {
    const placed: DOMRect[] = [];
    for (const { el } of this.labels) {
      el.style.visibility = 'hidden';
      const box = el.getBoundingClientRect();
      const clash = placed.some((p) => box.left < p.right + 4 && box.right + 4 > p.left && box.top < p.bottom && box.bottom > p.top);
      if (!clash) placed.push(box);
      el.style.visibility = clash ? 'hidden' : 'visible';
    }
    this.map.getContainer().dataset.districtLabels = String(placed.length);
  }
}
