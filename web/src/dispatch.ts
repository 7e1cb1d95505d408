/**
 * Dispatch from the map (issue 18): for a case (clicked on the map) or an incident (its button
 * in the incidents panel), the nearest free units with distance and ETA, drawn on the map; the
 * duty officer ticks some and sends them (api/routes/dispatch.ts). Each unit sent is drawn with
 * a line from where it is to the target until it has arrived. Tests read #dispatch's
 * [data-terminal] rows and the #state attributes candidates, dispatchLines, dispatchArrived.
 */
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type { Api } from './api.js';
import { COLOURS } from './config.js';
import { t } from './i18n.js';

export interface DispatchTarget {
  kind: 'case' | 'incident';
  id: string;
  /** a case's org unit (ids are unique within one) */
  org?: string;
  label: string;
  lng: number;
  lat: number;
}

interface Candidate {
  terminal: string;
  category: string;
  lng: number;
  lat: number;
  distanceM: number;
  etaS: number;
  plate?: string;
  officer?: string;
}

interface Order {
  terminal: string;
  arrivedAt: string | null;
  releasedAt: string | null;
  answer: number | null;
}

const LINES_MS = 2000;

export class DispatchPanel {
  private readonly box = document.getElementById('dispatch') as HTMLElement;
  private readonly title = document.getElementById('dispatch-title') as HTMLElement;
  private readonly list = document.getElementById('dispatch-list') as HTMLOListElement;
  private readonly status = document.getElementById('dispatch-status') as HTMLElement;
  private readonly send = document.getElementById('dispatch-send') as HTMLButtonElement;
  private target: DispatchTarget | undefined;
  /** targets with units on their way, watched until every unit has arrived or been released */
  private readonly watched = new Map<string, DispatchTarget>();
  private timer: number | undefined;

  constructor(
    private readonly map: MapLibreMap,
    private readonly api: Api,
    private readonly publish: (state: Record<string, string | number>) => void,
    private readonly changed: () => void,
    /** a case clicked on the map: its evidence is shown too */
    private readonly onCase: (target: DispatchTarget) => void = () => undefined,
  ) {
    this.send.addEventListener('click', () => void this.dispatch());
    document.getElementById('dispatch-close')!.addEventListener('click', () => this.close());
  }

  addLayers(): void {
    const empty = { type: 'FeatureCollection' as const, features: [] };
    this.map.addSource('dispatch-candidates', { type: 'geojson', data: empty });
    this.map.addSource('dispatch-lines', { type: 'geojson', data: empty });
    this.map.addLayer({ id: 'dispatch-lines', type: 'line', source: 'dispatch-lines', paint: { 'line-color': COLOURS.case, 'line-width': 3, 'line-dasharray': [2, 1] } });
    this.map.addLayer({ id: 'dispatch-candidates', type: 'circle', source: 'dispatch-candidates', paint: { 'circle-radius': 12, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': COLOURS.case, 'circle-stroke-width': 2 } });
    // cases on the map open the panel
    if (this.map.getLayer('cases')) {
      this.map.on('click', 'cases', (e) => {
        const f = e.features?.[0];
        if (!f || f.geometry.type !== 'Point') return;
        const [lng, lat] = f.geometry.coordinates as [number, number];
        const p = f.properties as { id: string; type: string; org?: string };
        const target: DispatchTarget = { kind: 'case', id: String(p.id), ...(p.org ? { org: String(p.org) } : {}), label: `${p.type} ${p.id}`, lng, lat };
        this.onCase(target);
        void this.open(target);
      });
    }
  }

  /** The candidates for a target, listed and drawn. */
  async open(target: DispatchTarget): Promise<void> {
    this.target = target;
    this.box.hidden = false;
    this.title.textContent = t('dispatch.for', { what: target.label });
    this.status.textContent = '';
    const from = target.kind === 'case' ? { case: target.id, org: target.org } : { incident: target.id };
    try {
      const { items } = await this.api.json<{ items: Candidate[] }>('/api/dispatch/candidates', { params: { ...from, limit: 8 } });
      this.render(items);
    } catch (e) {
      this.render([]);
      this.status.textContent = t('dispatch.failed', { error: (e as Error).message });
    }
  }

  close(): void {
    this.target = undefined;
    this.box.hidden = true;
    this.render([]);
  }

  private render(items: Candidate[]): void {
    this.list.replaceChildren(
      ...items.map((c, i) => {
        const li = document.createElement('li');
        li.dataset.terminal = c.terminal;
        const box = document.createElement('input');
        box.type = 'checkbox';
        box.value = c.terminal;
        box.checked = i === 0;
        const label = document.createElement('label');
        label.append(box, ` ${c.plate ?? c.officer ?? c.terminal} · ${t(`type.${c.category}` as 'type.vehicle')} · ${t('dispatch.eta', { m: c.distanceM, min: Math.max(1, Math.round(c.etaS / 60)) })}`);
        li.append(label);
        return li;
      }),
    );
    if (this.target && items.length === 0 && !this.status.textContent) this.status.textContent = t('dispatch.none');
    this.send.disabled = items.length === 0;
    const features = items.map((c) => ({ type: 'Feature' as const, properties: { terminal: c.terminal }, geometry: { type: 'Point' as const, coordinates: [c.lng, c.lat] } }));
    (this.map.getSource('dispatch-candidates') as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features });
    this.publish({ candidates: items.length });
  }

  private async dispatch(): Promise<void> {
    const target = this.target;
    if (!target) return;
    const terminals = [...this.list.querySelectorAll<HTMLInputElement>('input:checked')].map((b) => b.value);
    if (terminals.length === 0) return;
    const path = target.kind === 'case' ? `/api/cases/${encodeURIComponent(target.id)}/dispatch` : `/api/incidents/${target.id}/dispatch`;
    this.send.disabled = true;
    try {
      const done = await this.api.json<{ orders: Order[] }>(path, { method: 'POST', params: target.org ? { org: target.org } : {}, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ terminals }) });
      this.status.textContent = t('dispatch.sent', { n: done.orders.length, ok: done.orders.filter((o) => o.answer === 0).length });
      this.watched.set(`${target.kind}/${target.org ?? ''}/${target.id}`, target);
      this.render([]);
      this.changed();
      await this.drawLines();
      this.timer ??= window.setInterval(() => void this.drawLines(), LINES_MS);
    } catch (e) {
      this.status.textContent = t('dispatch.failed', { error: (e as Error).message });
      this.send.disabled = false;
    }
  }

  /** A line from each unit on its way to its target; a target whose units all arrived is dropped. */
  private async drawLines(): Promise<void> {
    const features: GeoJSON.Feature[] = [];
    let arrived = 0;
    for (const [key, target] of this.watched) {
      const path = target.kind === 'case' ? `/api/cases/${encodeURIComponent(target.id)}/dispatches` : `/api/incidents/${target.id}/dispatches`;
      let orders: Order[];
      try {
        orders = await this.api.json<Order[]>(path, { params: target.org ? { org: target.org } : {} });
      } catch {
        continue;
      }
      const onTheWay = orders.filter((o) => o.arrivedAt === null && o.releasedAt === null);
      arrived += orders.filter((o) => o.arrivedAt !== null).length;
      if (onTheWay.length === 0) {
        this.watched.delete(key);
        continue;
      }
      for (const o of onTheWay) {
        try {
          const unit = await this.api.json<{ position: { lng: number; lat: number } | null }>(`/api/terminals/${o.terminal}`);
          if (unit.position) features.push({ type: 'Feature', properties: { terminal: o.terminal, target: key }, geometry: { type: 'LineString', coordinates: [[unit.position.lng, unit.position.lat], [target.lng, target.lat]] } });
        } catch {
          // the unit left the scope or the map: no line
        }
      }
    }
    (this.map.getSource('dispatch-lines') as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features });
    this.publish({ dispatchLines: features.length, dispatchArrived: arrived });
    if (this.watched.size === 0 && this.timer !== undefined) {
      window.clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
