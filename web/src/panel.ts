/**
 * The terminal side panel: registry data, latest fix, speed, last seen and active alarms
 * from GET /api/terminals/{id}; track playback over the last hours from .../track (a line and
 * a point moved along it by a slider or the play button); "Locate now" sends 0x8201 through
 * the commands API and shows the answer as a fix (./locate-answer.ts); its latest media as
 * thumbnails (./evidence.ts). State for tests is on #panel's data attributes.
 */
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type { Api } from './api.js';
import { ApiError } from './api.js';
import { COLOURS } from './config.js';
import { isMessage, onLanguage, t } from './i18n.js';
import type { MessageKey } from './i18n.js';
import { MediaList } from './evidence.js';
import { showLocateAnswer } from './locate-answer.js';
import { formatTime } from './time.js';

type FactKey = 'terminal' | 'category' | 'org' | 'plate' | 'officer' | 'name' | 'state' | 'latest fix' | 'fix time' | 'speed' | 'heading' | 'last seen' | 'connection';

interface TrackFix {
  t: number;
  lng: number;
  lat: number;
  speed?: number;
}

type Json = Record<string, unknown>;

/** thumbnails of the newest media files in the panel */
const LATEST_MEDIA = 6;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Tracks as the API gives them: a GeoJSON LineString with properties.start, times (s), speeds; or a list of fixes. */
export function trackFixes(body: unknown): TrackFix[] {
  const b = body as Json;
  const list = Array.isArray(body) ? body : Array.isArray(b.points) ? b.points : Array.isArray(b.track) ? b.track : undefined;
  const time = (v: unknown) => (typeof v === 'number' ? v : Date.parse(String(v)));
  if (list) {
    return (list as Json[]).map((p) => ({ t: time(p.t ?? p.time), lng: Number(p.lng), lat: Number(p.lat), speed: Number(p.speed ?? 0) })).filter((p) => Number.isFinite(p.lng) && Number.isFinite(p.lat));
  }
  const feature = (b.type === 'FeatureCollection' ? (b.features as Json[])[0] : b) as Json | undefined;
  const geometry = feature?.geometry as { type: string; coordinates: [number, number][] } | undefined;
  if (geometry?.type === 'LineString') {
    const props = (feature?.properties ?? {}) as Json;
    const times = (props.times ?? []) as number[];
    const speeds = (props.speeds ?? []) as number[];
    // times are seconds after `start` (float32-friendly, as deck.gl's TripsLayer wants them)
    const start = props.start ? Date.parse(String(props.start)) : 0;
    return geometry.coordinates.map(([lng, lat], i) => ({ t: start + (times[i] ?? 0) * 1000, lng, lat, ...(speeds[i] !== undefined ? { speed: speeds[i] } : {}) }));
  }
  return [];
}

export class Panel {
  terminal: string | undefined;
  private fixes: TrackFix[] = [];
  private playing: number | undefined;
  private loadSeq = 0;
  /** the terminal's latest media (0x0801 uploads), loaded when the panel opens */
  private readonly media: MediaList;

  constructor(
    private readonly map: MapLibreMap,
    private readonly api: Api,
  ) {
    this.media = new MediaList(api, $('panel-media-list'));
    $('panel-close').addEventListener('click', () => this.close());
    $('track-hours').addEventListener('change', () => void this.loadTrack());
    $('track-slider').addEventListener('input', () => this.showFix(Number(($('track-slider') as HTMLInputElement).value)));
    $('track-play').addEventListener('click', () => this.togglePlay());
    $('locate').addEventListener('click', () => void this.locate());
    this.labelHours();
    onLanguage(() => {
      this.labelHours();
      this.showFix(Number(($('track-slider') as HTMLInputElement).value));
      $('track-play').textContent = t(this.playing === undefined ? 'track.play' : 'track.pause');
    });
  }

  private labelHours(): void {
    for (const o of ($('track-hours') as HTMLSelectElement).options) o.textContent = t('track.hours', { n: o.value });
  }

  addLayers(): void {
    const empty: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };
    this.map.addSource('track', { type: 'geojson', data: empty });
    this.map.addSource('track-head', { type: 'geojson', data: empty });
    this.map.addLayer({ id: 'track-line', type: 'line', source: 'track', paint: { 'line-color': '#1d2430', 'line-width': 3, 'line-opacity': 0.7 } });
    this.map.addLayer({ id: 'track-head', type: 'circle', source: 'track-head', paint: { 'circle-radius': 7, 'circle-color': '#ffffff', 'circle-stroke-color': COLOURS.alarm, 'circle-stroke-width': 3 } });
  }

  async open(terminal: string): Promise<void> {
    this.terminal = terminal;
    const panel = $('panel');
    panel.hidden = false;
    panel.dataset.terminal = terminal;
    panel.dataset.state = 'loading';
    $('panel-title').textContent = terminal;
    $('locate-answer').textContent = '';
    this.map.resize();
    await Promise.all([this.refresh(), this.loadTrack(), this.media.show('/api/media', { terminal, limit: LATEST_MEDIA })]);
  }

  close(): void {
    this.terminal = undefined;
    this.stop();
    $('panel').hidden = true;
    delete $('panel').dataset.terminal;
    this.setTrack([]);
    this.media.clear();
    this.map.resize();
  }

  /** Reloads the terminal's facts (also called on its SSE updates). */
  async refresh(): Promise<void> {
    const terminal = this.terminal;
    if (!terminal) return;
    const seq = ++this.loadSeq;
    const panel = $('panel');
    let body: Json;
    try {
      body = await this.api.json<Json>(`/api/terminals/${encodeURIComponent(terminal)}`);
    } catch (e) {
      if (seq !== this.loadSeq) return;
      panel.dataset.state = e instanceof ApiError && e.status === 404 ? 'not-found' : 'error';
      $('panel-facts').innerHTML = `<dt>${escapeHtml(t('fact.error'))}</dt><dd>${escapeHtml((e as Error).message)}</dd>`;
      return;
    }
    if (seq !== this.loadSeq || terminal !== this.terminal) return;
    const device = (body.device ?? {}) as Json;
    const live = (body.live ?? {}) as Json;
    const position = (body.position ?? {}) as Json;
    const alarms = Array.isArray(position.alarms) ? (position.alarms as unknown[]).map(String) : [];
    const lat = live.lat ?? position.lat;
    const lng = live.lng ?? position.lng;
    const category = String(device.category ?? live.category ?? position.category ?? '');
    const state = live.alarm === true || alarms.length > 0 ? 'alarm' : body.online === true ? 'online' : 'offline';
    const speed = live.speed ?? position.speed;
    // keys name the facts for tests (data-fact); the labels and values shown are translated
    const facts: [FactKey, unknown][] = [
      ['terminal', body.terminal],
      ['category', isMessage(`type.${category}`) ? t(`type.${category}` as MessageKey) : category || undefined],
      ['org', device.org ?? live.org ?? position.org],
      ['plate', device.plate],
      ['officer', device.officer],
      ['name', device.name],
      ['state', t(`state.${state}`)],
      ['latest fix', lat !== undefined ? `${Number(lat).toFixed(6)}, ${Number(lng).toFixed(6)}` : undefined],
      ['fix time', formatTime(position.time)],
      ['speed', speed !== undefined ? t('kmh', { n: String(speed) }) : undefined],
      ['heading', live.heading ?? position.heading],
      ['last seen', formatTime(live.lastSeen ?? position.receivedAt)],
      ['connection', (body.session as Json | null)?.remote],
    ];
    $('panel-title').textContent = String(device.plate || device.officer || device.name || terminal);
    $('panel-facts').innerHTML = facts
      .filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => `<dt>${escapeHtml(t(`fact.${k}`))}</dt><dd data-fact="${k}">${escapeHtml(String(v))}</dd>`)
      .join('');
    $('panel-alarms').innerHTML = alarms.length ? `<h3>${escapeHtml(t('alarms.active'))}</h3>${alarms.map((a) => `<div class="alarm">${escapeHtml(a)}</div>`).join('')}` : '';
    panel.dataset.state = 'ready';
    panel.dataset.alarms = String(alarms.length);
  }

  async loadTrack(): Promise<void> {
    const terminal = this.terminal;
    if (!terminal) return;
    this.stop();
    const hours = Number(($('track-hours') as HTMLSelectElement).value);
    const to = new Date();
    const from = new Date(to.getTime() - hours * 3600_000);
    try {
      const body = await this.api.json<unknown>(`/api/terminals/${encodeURIComponent(terminal)}/track`, { params: { from: from.toISOString(), to: to.toISOString() } });
      if (terminal !== this.terminal) return;
      this.setTrack(trackFixes(body));
    } catch {
      if (terminal === this.terminal) this.setTrack([]);
    }
  }

  private setTrack(fixes: TrackFix[]): void {
    this.fixes = fixes;
    $('panel').dataset.trackPoints = String(fixes.length);
    const slider = $('track-slider') as HTMLInputElement;
    slider.max = String(Math.max(0, fixes.length - 1));
    slider.value = slider.max;
    (this.map.getSource('track') as GeoJSONSource | undefined)?.setData({
      type: 'FeatureCollection',
      features: fixes.length > 1 ? [{ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: fixes.map((f) => [f.lng, f.lat]) } }] : [],
    });
    this.showFix(fixes.length - 1);
  }

  private showFix(i: number): void {
    const f = this.fixes[i];
    (this.map.getSource('track-head') as GeoJSONSource | undefined)?.setData({
      type: 'FeatureCollection',
      features: f ? [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [f.lng, f.lat] } }] : [],
    });
    $('track-time').textContent = f ? `${formatTime(f.t)}${f.speed !== undefined ? ` · ${t('kmh', { n: f.speed })}` : ''} (${i + 1}/${this.fixes.length})` : t('track.none');
  }

  private togglePlay(): void {
    if (this.playing !== undefined) return this.stop();
    if (this.fixes.length < 2) return;
    const slider = $('track-slider') as HTMLInputElement;
    if (Number(slider.value) >= this.fixes.length - 1) {
      slider.value = '0';
      this.showFix(0);
    }
    $('track-play').textContent = t('track.pause');
    // the whole track in about 20 s, whatever its length
    const stride = Math.max(1, Math.ceil(this.fixes.length / 200));
    this.playing = window.setInterval(() => {
      const next = Math.min(this.fixes.length - 1, Number(slider.value) + stride);
      slider.value = String(next);
      this.showFix(next);
      if (next >= this.fixes.length - 1) this.stop();
    }, 100);
  }

  private stop(): void {
    if (this.playing !== undefined) window.clearInterval(this.playing);
    this.playing = undefined;
    $('track-play').textContent = t('track.play');
  }

  /** 0x8201 position query through POST /api/terminals/{id}/commands; the answer is shown. */
  async locate(): Promise<void> {
    const terminal = this.terminal;
    if (!terminal) return;
    const out = $('locate-answer');
    out.textContent = t('locate.asking');
    $('panel').dataset.locate = 'pending';
    try {
      const res = await this.api.fetch(`/api/terminals/${encodeURIComponent(terminal)}/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ command: '0x8201', body: {} }),
      });
      const text = await res.text();
      if (terminal !== this.terminal) return;
      showLocateAnswer(out, res.status, text);
      $('panel').dataset.locate = res.ok ? 'answered' : `error-${res.status}`;
    } catch (e) {
      out.textContent = t('locate.failed', { error: (e as Error).message });
      $('panel').dataset.locate = 'failed';
    }
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
