/**
 * The incidents panel: alarms handled as incidents (api/routes/incidents.ts). Open ones first,
 * then newest first, with the counts by kind; a duty officer acknowledges, assigns, resolves
 * and closes from here (the server refuses what the lifecycle forbids and says why). Each
 * incident not yet closed marks its terminal on the map; clicking one flies to it; its
 * evidence button shows its photos and videos (evidence-panel.ts).
 * Tests read it through #incidents [data-id][data-status] and the #state attributes.
 */
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type { Incident } from '../../events/incident.js';
import { INCIDENT_TRANSITIONS } from '../../events/incident-lifecycle.js';
import type { IncidentAction, IncidentStatus } from '../../events/incident-lifecycle.js';
import type { Api } from './api.js';
import type { DispatchTarget } from './dispatch.js';
import type { EvidenceTarget } from './evidence-panel.js';
import { COLOURS } from './config.js';
import { t } from './i18n.js';
import type { MessageKey } from './i18n.js';
import { formatTime } from './time.js';

const NOT_CLOSED = 'open,acknowledged,assigned,resolved';
/** the steps a button offers, each with the status it leads to */
const ACTIONS: [IncidentAction, IncidentStatus, MessageKey][] = [
  ['ack', 'acknowledged', 'action.ack'],
  ['assign', 'assigned', 'action.assign'],
  ['resolve', 'resolved', 'action.resolve'],
  ['close', 'closed', 'action.close'],
];

export class IncidentsPanel {
  private items: Incident[] = [];
  private readonly list = document.getElementById('incident-list') as HTMLOListElement;
  private readonly counts = document.getElementById('incident-counts') as HTMLElement;
  private readonly error = document.getElementById('incident-error') as HTMLElement;
  private loading: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly map: MapLibreMap,
    private readonly api: Api,
    private readonly publish: (state: Record<string, string | number>) => void,
    /** send units to an acknowledged incident (web/src/dispatch.ts) */
    private readonly onDispatch: (target: DispatchTarget) => void = () => undefined,
    /** show an incident's photos and videos (web/src/evidence-panel.ts) */
    private readonly onEvidence: (target: EvidenceTarget) => void = () => undefined,
  ) {}

  addLayers(): void {
    this.map.addSource('incidents', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    // a red square ring: an incident nobody has closed, whatever its terminal does meanwhile
    this.map.addLayer({ id: 'incident-marks', type: 'circle', source: 'incidents', paint: { 'circle-radius': 16, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': COLOURS.alarm, 'circle-stroke-width': 3 } });
  }

  /** Loads again (coalesced: a burst of stream events is one request after the one running). */
  refresh(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = this.load().finally(() => {
      this.loading = undefined;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    try {
      const [page, counts] = await Promise.all([
        this.api.json<{ items: Incident[] }>('/api/incidents', { params: { status: NOT_CLOSED, limit: 200 } }),
        this.api.json<Record<string, number>>('/api/incidents/counts'),
      ]);
      // open first (nobody has seen them), then newest first as the API gives them
      this.items = [...page.items.filter((i) => i.status === 'open'), ...page.items.filter((i) => i.status !== 'open')];
      this.error.textContent = '';
      this.render(counts);
    } catch (e) {
      // 503: the database is away; the rest of the map works on
      this.error.textContent = t('incidents.unavailable', { error: (e as Error).message });
    }
  }

  private render(counts: Record<string, number>): void {
    this.counts.replaceChildren(
      ...Object.entries(counts).map(([kind, n]) => {
        const s = document.createElement('span');
        s.className = 'incident-count';
        s.dataset.kind = kind;
        s.textContent = `${kind} ${n}`;
        return s;
      }),
    );
    this.list.replaceChildren(...this.items.map((i) => this.row(i)));
    const marks = this.items.filter((i) => i.location).map((i) => ({ type: 'Feature' as const, properties: { id: i.id, terminal: i.terminal, kind: i.kind }, geometry: { type: 'Point' as const, coordinates: [i.location!.lng, i.location!.lat] } }));
    (this.map.getSource('incidents') as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features: marks });
    this.publish({ incidents: this.items.length, incidentsOpen: this.items.filter((i) => i.status === 'open').length, incidentMarks: marks.length });
  }

  private row(i: Incident): HTMLLIElement {
    const li = document.createElement('li');
    li.dataset.id = i.id;
    li.dataset.status = i.status;
    li.className = `incident ${i.status}`;
    const title = document.createElement('button');
    title.type = 'button';
    title.className = 'incident-title';
    title.textContent = `${i.kind} · ${i.terminal}${i.alarmCount > 1 ? ` ×${i.alarmCount}` : ''}`;
    title.title = t(i.location ? 'incident.show' : 'incident.noFix');
    title.addEventListener('click', () => i.location && this.map.flyTo({ center: [i.location.lng, i.location.lat], zoom: Math.max(this.map.getZoom(), 15) }));
    const meta = document.createElement('small');
    meta.textContent = `${t(`status.${i.status}`)}${i.assignee ? ` → ${i.assignee}` : ''} · ${formatTime(i.openedAt)}`;
    const actions = document.createElement('span');
    actions.className = 'incident-actions';
    for (const [action, to, label] of ACTIONS) {
      if (!INCIDENT_TRANSITIONS[i.status].includes(to)) continue;
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.action = action;
      b.textContent = t(label);
      b.addEventListener('click', () => void this.step(i, action));
      actions.append(b);
    }
    // units are sent to an incident someone has acknowledged, and to a place
    if (i.location && i.status !== 'open' && i.status !== 'closed') {
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.action = 'dispatch';
      b.textContent = t('dispatch');
      const at = i.location;
      b.addEventListener('click', () => this.onDispatch({ kind: 'incident', id: i.id, label: `${i.kind} · ${i.terminal}`, lng: at.lng, lat: at.lat }));
      actions.append(b);
    }
    // what its terminal sent while it is open, and what was attached
    const evidence = document.createElement('button');
    evidence.type = 'button';
    evidence.dataset.action = 'evidence';
    evidence.textContent = t('evidence');
    evidence.addEventListener('click', () => this.onEvidence({ kind: 'incident', id: i.id, label: `${i.kind} · ${i.terminal}` }));
    actions.append(evidence);
    li.append(title, meta, actions);
    return li;
  }

  private async step(i: Incident, action: IncidentAction): Promise<void> {
    const body: { note?: string; assignee?: string } = {};
    if (action === 'assign') {
      const assignee = prompt(t('incident.assignTo', { kind: i.kind, terminal: i.terminal }), i.assignee ?? '');
      if (!assignee) return;
      body.assignee = assignee;
    }
    try {
      await this.api.json(`/api/incidents/${i.id}/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    } catch (e) {
      this.error.textContent = (e as Error).message;
    }
    await this.refresh();
  }
}
