/**
 * Search by plate, officer or terminal id. Asks GET /api/terminals?q= (server-side match on
 * id, plate and officer); an API without `q` answers 400, and the page then lists the
 * terminals in scope and matches what the items carry (id, plate, officer when present).
 * Picking a result flies there and opens its panel.
 */
import type { Map as MapLibreMap } from 'maplibre-gl';
import type { Api } from './api.js';
import { ApiError } from './api.js';
import { t } from './i18n.js';
import { escapeHtml } from './panel.js';

interface Item {
  id: string;
  lng: number;
  lat: number;
  category?: string;
  plate?: string;
  officer?: string;
  org?: string;
}

interface ListBody {
  total: number;
  items: Item[];
}

export class Search {
  private serverSide = true;
  private timer: number | undefined;
  private seq = 0;

  constructor(
    private readonly map: MapLibreMap,
    private readonly api: Api,
    private readonly open: (id: string) => void,
  ) {
    const input = document.getElementById('search-input') as HTMLInputElement;
    const form = document.getElementById('search') as HTMLFormElement;
    input.addEventListener('input', () => {
      window.clearTimeout(this.timer);
      this.timer = window.setTimeout(() => void this.run(input.value.trim()), 250);
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.run(input.value.trim(), true);
    });
  }

  private async find(q: string): Promise<Item[]> {
    if (this.serverSide) {
      try {
        return (await this.api.json<ListBody>('/api/terminals', { params: { q, limit: 20 } })).items;
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 400)) throw e;
        this.serverSide = false;
      }
    }
    const needle = q.toLowerCase();
    const body = await this.api.json<ListBody>('/api/terminals', { params: { limit: 10000 } });
    return body.items.filter((i) => [i.id, i.plate, i.officer].some((v) => v && String(v).toLowerCase().includes(needle))).slice(0, 20);
  }

  async run(q: string, pickFirst = false): Promise<void> {
    const list = document.getElementById('search-results') as HTMLUListElement;
    const seq = ++this.seq;
    if (q.length < 2) {
      list.hidden = true;
      list.innerHTML = '';
      return;
    }
    let items: Item[];
    try {
      items = await this.find(q);
    } catch {
      items = [];
    }
    if (seq !== this.seq) return;
    list.dataset.count = String(items.length);
    list.innerHTML = items.length
      ? items.map((i, n) => `<li tabindex="0" data-n="${n}" data-id="${escapeHtml(i.id)}">${escapeHtml(i.plate || i.officer || i.id)}<small>${escapeHtml([i.id, i.category, i.org].filter(Boolean).join(' · '))}</small></li>`).join('')
      : `<li>${escapeHtml(t('search.none'))}</li>`;
    list.hidden = false;
    const pick = (n: number) => {
      const item = items[n];
      if (!item) return;
      list.hidden = true;
      this.map.flyTo({ center: [item.lng, item.lat], zoom: Math.max(this.map.getZoom(), 15), duration: 600 });
      this.open(item.id);
    };
    for (const li of list.querySelectorAll<HTMLLIElement>('li[data-n]')) {
      li.addEventListener('click', () => pick(Number(li.dataset.n)));
      li.addEventListener('keydown', (e) => e.key === 'Enter' && pick(Number(li.dataset.n)));
    }
    if (pickFirst && items.length === 1) pick(0);
  }
}
