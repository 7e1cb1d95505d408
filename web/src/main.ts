/**
 * The command map: wires the API, the base map, the live layers, the panel, search and the
 * SSE stream. What tests need to read is published as data attributes on #state (counts in
 * view, zoom, heat features, stream state), never as pixels.
 */
import { Map as MapLibreMap, NavigationControl, ScaleControl, setWorkerUrl } from 'maplibre-gl';
import type { GeoJSONSource } from 'maplibre-gl';
import { Api, ApiError } from './api.js';
import { baseStyle, keepGraticule } from './basemap.js';
import { ClusterLayer } from './clusters.js';
import { CATEGORIES, COLOURS, zeroByCategory } from './config.js';
import type { Category, WebConfig } from './config.js';
import { DutyLayer } from './duty.js';
import { HeatLayer } from './heat.js';
import type { HeatKind } from './heat.js';
import { DispatchPanel } from './dispatch.js';
import { EvidencePanel } from './evidence-panel.js';
import { IncidentsPanel } from './incidents.js';
import { Legend } from './legend.js';
import { OutlineLabels, loadOutline } from './outline.js';
import { Panel } from './panel.js';
import { Search } from './search.js';
import { language, onLanguage, setLanguage, t, translatePage } from './i18n.js';
import type { Language } from './i18n.js';
import { setTimeZone } from './time.js';
import { TileFeed, transformRequestFor } from './tiles.js';

const state = document.getElementById('state') as HTMLElement;
const setState = (values: Record<string, string | number | boolean>) => {
  for (const [k, v] of Object.entries(values)) state.dataset[k] = String(v);
};

/** Alarm events from the stream stay on the map this long, flashing. */
const ALARM_SHOWN_MS = 10 * 60_000;
/** Live refresh: at most this often, and only when the stream said something changed. */
const REFRESH_MS = 2000;
/** Without a live stream, tiles are refreshed this often anyway. */
const POLL_MS = 15_000;
/** Alarms and cases one by one; positions only as the `version` tick (every 2 s when data changed). */
const STREAM = '/api/stream?types=alarm,case,incident,duty';

async function loadFeeds(api: Api, feeds: TileFeed[]): Promise<void> {
  for (;;) {
    try {
      await Promise.all(feeds.map((f) => f.load()));
      return;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        await api.requireToken(api.token ? t('token.refused') : '');
        continue;
      }
      throw e;
    }
  }
}

async function start(): Promise<void> {
  translatePage();
  const languageSwitch = document.getElementById('language') as HTMLSelectElement;
  languageSwitch.value = language();
  languageSwitch.addEventListener('change', () => setLanguage(languageSwitch.value as Language));
  setState({ language: language() });
  const config = (await (await fetch('/web/config.json')).json()) as WebConfig;
  setTimeZone(config.timeZone);
  const api = new Api();
  api.crs = config.baseMap.crs;
  const clusterFeed = new TileFeed('clusters', api, '/tiles/clusters.json');
  const heatFeed = new TileFeed('heat', api, '/tiles/heat.json');
  heatFeed.params.window = '1h';
  const dutyFeed = new TileFeed('duty', api, '/tiles/duty.json');
  await loadFeeds(api, [clusterFeed, heatFeed, dutyFeed]);

  const outline = await loadOutline(config);
  setWorkerUrl(new URL('maplibre-gl-worker.mjs', location.href).href);
  const map = new MapLibreMap({
    container: 'map',
    style: baseStyle(config, outline),
    center: config.center,
    zoom: config.zoom,
    transformRequest: transformRequestFor([clusterFeed, heatFeed, dutyFeed], api),
    attributionControl: { compact: true },
    // the screenshot in tests reads the canvas
    canvasContextAttributes: { preserveDrawingBuffer: true },
  });
  map.addControl(new NavigationControl({ showCompass: true }), 'top-right');
  map.addControl(new ScaleControl(), 'bottom-left');
  const legend = new Legend();
  map.addControl(legend, 'bottom-right');
  keepGraticule(map);
  (window as unknown as { dipperMap: MapLibreMap }).dipperMap = map;

  // district names first: the cluster markers added later sit above them
  const labels = new OutlineLabels(map, outline, language());
  const panel = new Panel(map, api);
  const clusters = new ClusterLayer(map, (id) => void panel.open(id));
  const heat = new HeatLayer(map, heatFeed);
  const duty = new DutyLayer(map, dutyFeed);
  new Search(map, api, (id) => void panel.open(id));
  const evidence = new EvidencePanel(api);
  const incidents = new IncidentsPanel(map, api, setState, (target) => void dispatch.open(target), (target) => void evidence.open(target));
  const dispatch = new DispatchPanel(map, api, setState, () => void incidents.refresh(), (target) => void evidence.open(target));

  await new Promise<void>((resolve) => map.once('load', () => resolve()));
  map.addSource('clusters', clusterFeed.source());
  map.addSource('heat', heatFeed.source());
  map.addSource('alarm-events', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  heat.addLayers();
  // under the cases and markers added next
  duty.addLayers();
  if (clusterFeed.layerIds().includes('cases')) {
    map.addLayer({
      id: 'cases',
      type: 'circle',
      source: 'clusters',
      'source-layer': 'cases',
      // a yellow rim tells a case from a fixed camera (both purple)
      paint: { 'circle-radius': 9, 'circle-color': COLOURS.case, 'circle-opacity': 0.9, 'circle-stroke-color': '#ffd23f', 'circle-stroke-width': 3 },
    });
  }
  map.addLayer({ id: 'alarm-events', type: 'circle', source: 'alarm-events', paint: { 'circle-radius': 14, 'circle-color': COLOURS.alarm, 'circle-opacity': 0.4, 'circle-stroke-color': COLOURS.alarm, 'circle-stroke-width': 2 } });
  clusters.addLayers();
  panel.addLayers();
  incidents.addLayers();
  dispatch.addLayers();
  void incidents.refresh();

  // --- counts in view
  const outputs = new Map<Category, HTMLOutputElement>(CATEGORIES.map((c) => [c, document.querySelector(`#categories [data-category="${c}"] output`) as HTMLOutputElement]));
  const enabled = new Set<Category>(CATEGORIES);
  let countQueued = false;
  /** the duty areas drawn, as "id:onPost/assigned" (the test reads them) */
  const dutyState = () => ({ dutyAreas: [...duty.areas()].map(([id, a]) => `${id}:${a.onPost}/${a.assigned}`).sort().join(',') });
  const recount = () => {
    if (countQueued) return;
    countQueued = true;
    requestAnimationFrame(() => {
      countQueued = false;
      // a refresh reloads the tiles one by one: until the last has landed, the set mixes two
      // moments, and a terminal that crossed from a stale tile into a fresh one is in both.
      // Counts and markers wait for a complete set (the last tile's sourcedata or idle recounts).
      if (!map.isSourceLoaded('clusters')) return;
      const counts = enabled.size > 0 ? clusters.update() : (clusters.clear(), { total: 0, clusters: 0, terminals: 0, alarms: 0, byCategory: zeroByCategory() });
      // Even a complete set was rendered tile by tile: a terminal that crossed between two tiles of
      // one round is in both. Never show more than exist in the scope (the round's TileJSON says).
      const exist = clusterFeed.tilejson?.dipper_totals;
      if (exist) {
        for (const c of CATEGORIES) if (exist[c] !== undefined) counts.byCategory[c] = Math.min(counts.byCategory[c], exist[c]);
        counts.total = Math.min(counts.total, CATEGORIES.reduce((n, c) => n + counts.byCategory[c], 0));
      }
      for (const c of CATEGORIES) if (enabled.has(c)) outputs.get(c)!.value = String(counts.byCategory[c]);
      (document.getElementById('total') as HTMLElement).textContent = t('total', { n: counts.total });
      const cases = map.getLayer('cases') ? new Set(map.querySourceFeatures('clusters', { sourceLayer: 'cases' }).map((f) => String(f.properties.id))).size : 0;
      setState({ cases, total: counts.total, clusters: counts.clusters, terminals: counts.terminals, alarms: counts.alarms, ...counts.byCategory, zoom: map.getZoom().toFixed(2), heatFeatures: heat.featureCount(), heat: heat.visible, ...dutyState() });
    });
  };
  /** disabled categories are not in the tiles: their counts in view come from the list API */
  let disabledAsked = '';
  let disabledAt = 0;
  const countDisabled = async () => {
    if (enabled.size === CATEGORIES.length) return;
    const b = map.getBounds();
    // the list API walks the index: ask again when the view or the toggles changed, else every 10 s
    const key = `${b.toArray().flat().join(',')}|${[...enabled].join(',')}`;
    if (key === disabledAsked && Date.now() - disabledAt < 10_000) return;
    disabledAsked = key;
    disabledAt = Date.now();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v, i) => Math.max(i % 2 ? -90 : -180, Math.min(i % 2 ? 90 : 180, v)).toFixed(6)).join(',');
    for (const c of CATEGORIES) {
      if (enabled.has(c)) continue;
      try {
        const body = await api.json<{ total: number }>('/api/terminals', { params: { category: c, bbox, limit: 1 } });
        if (!enabled.has(c)) outputs.get(c)!.value = String(body.total);
      } catch {
        outputs.get(c)!.value = '?';
      }
    }
  };
  map.on('sourcedata', (e) => {
    if (e.sourceId === 'clusters' || e.sourceId === 'heat' || e.sourceId === 'duty') recount();
  });
  map.on('moveend', recount);
  map.on('idle', () => {
    recount();
    void countDisabled();
    requestAnimationFrame(() => setState({ idle: true }));
  });
  map.on('movestart', () => setState({ idle: false }));
  map.on('dataloading', () => setState({ idle: false }));

  const refreshClusters = () => {
    setState({ idle: false });
    clusterFeed.refresh(map);
  };

  // --- category toggles
  for (const label of document.querySelectorAll<HTMLLabelElement>('#categories label')) {
    const c = label.dataset.category as Category;
    const box = label.querySelector('input')!;
    box.addEventListener('change', () => {
      if (box.checked) enabled.add(c);
      else enabled.delete(c);
      const all = enabled.size === CATEGORIES.length;
      // none: the layers are hidden rather than asking for an empty filter
      clusterFeed.params.category = all || enabled.size === 0 ? '' : [...enabled].join(',');
      for (const layer of ['terminal-dot', 'terminal-arrow', 'terminal-alarm']) map.setLayoutProperty(layer, 'visibility', enabled.size ? 'visible' : 'none');
      setState({ categories: [...enabled].join(',') });
      refreshClusters();
      recount();
    });
  }
  setState({ categories: [...enabled].join(',') });

  // --- heatmap and cases toggles
  for (const radio of document.querySelectorAll<HTMLInputElement>('#heat input[name="heat"]')) {
    radio.addEventListener('change', () => {
      if (!radio.checked) return;
      const kind = radio.value as HeatKind | '';
      heatFeed.params.layers = kind;
      heat.show(kind);
      setState({ heat: kind, idle: false });
      if (kind) heatFeed.refresh(map);
      recount();
    });
  }
  const dutyToggle = document.getElementById('duty-toggle') as HTMLInputElement;
  dutyToggle.addEventListener('change', () => {
    duty.show(dutyToggle.checked);
    setState({ duty: dutyToggle.checked, idle: false });
    recount();
  });
  const casesToggle = document.getElementById('cases-toggle') as HTMLInputElement;
  casesToggle.addEventListener('change', () => map.getLayer('cases') && map.setLayoutProperty('cases', 'visibility', casesToggle.checked ? 'visible' : 'none'));

  // --- flashing: alarm rings, alarm events, clusters with alarms (CSS)
  let flashOn = false;
  setInterval(() => {
    flashOn = !flashOn;
    clusters.flash(flashOn);
    map.setPaintProperty('alarm-events', 'circle-opacity', flashOn ? 0.55 : 0.1);
  }, 500);

  // --- live refresh from the stream
  const alarmEvents: { at: number; feature: GeoJSON.Feature }[] = [];
  const showAlarms = () => {
    const now = Date.now();
    while (alarmEvents.length && now - alarmEvents[0]!.at > ALARM_SHOWN_MS) alarmEvents.shift();
    (map.getSource('alarm-events') as GeoJSONSource).setData({ type: 'FeatureCollection', features: alarmEvents.map((a) => a.feature) });
    setState({ alarmEvents: alarmEvents.length });
  };
  let dirty = false;
  let panelDirty = false;
  let events = 0;
  const onEvent = (type: string, data: unknown) => {
    events++;
    dirty = true;
    const d = (data ?? {}) as Record<string, unknown>;
    const inner = (d.data ?? d) as Record<string, unknown>;
    const terminal = String(inner.terminal ?? d.terminal ?? d.id ?? '');
    // positions come as `version` events (the data changed): the open panel follows them
    if (panel.terminal && (type === 'version' || terminal === panel.terminal)) panelDirty = true;
    if (type === 'incident') void incidents.refresh();
    if (type === 'alarm') {
      const pos = (inner.position ?? inner) as Record<string, unknown>;
      const lng = Number(d.lng ?? pos.lng);
      const lat = Number(d.lat ?? pos.lat);
      if (Number.isFinite(lng) && Number.isFinite(lat)) {
        alarmEvents.push({ at: Date.now(), feature: { type: 'Feature', properties: { terminal, alarm: String(inner.alarm ?? inner.type ?? '') }, geometry: { type: 'Point', coordinates: [lng, lat] } } });
        showAlarms();
      }
    }
  };
  let streamLive = false;
  const liveMark = document.getElementById('live') as HTMLElement;
  let stopStream = api.stream(STREAM, onEvent, (live) => {
    streamLive = live;
    liveMark.classList.toggle('on', live);
    liveMark.textContent = live ? '●' : '○';
    liveMark.title = t(live ? 'live.on' : 'live.off');
    setState({ stream: live ? 'live' : 'down' });
  });
  let lastRefresh = Date.now();
  setInterval(() => {
    setState({ events });
    const due = dirty || (!streamLive && Date.now() - lastRefresh > POLL_MS);
    // the previous round still loading: this one waits (a new round would restart its tiles,
    // and on a slow link the counts would never see a complete set)
    if (!due || !map.isSourceLoaded('clusters')) return;
    dirty = false;
    lastRefresh = Date.now();
    void (async () => {
      // the TileJSON names the data version; the tiles are reloaded in place (no blanking)
      await clusterFeed.load().catch(() => false);
      refreshClusters();
      // without the stream no incident event comes: the panel is polled with the tiles
      if (!streamLive) void incidents.refresh();
      if (heat.visible) heatFeed.refresh(map);
      duty.refresh();
      if (panelDirty) {
        panelDirty = false;
        await panel.refresh();
      }
      showAlarms();
    })();
  }, REFRESH_MS);

  // --- a new token: everything shown is reloaded under its scope
  api.onTokenChange = () => {
    panel.close();
    evidence.close();
    clusters.clear();
    stopStream();
    stopStream = api.stream(STREAM, onEvent, (live) => setState({ stream: live ? 'live' : 'down' }));
    void incidents.refresh();
    void loadFeeds(api, [clusterFeed, heatFeed, dutyFeed]).then(() => {
      refreshClusters();
      heatFeed.refresh(map);
      duty.refresh();
      void fitToFleet();
    });
  };
  document.getElementById('token-button')!.addEventListener('click', () => void api.requireToken());

  // --- another language: the text drawn by code is drawn again
  onLanguage((l) => {
    setState({ language: l });
    labels.setLanguage(l);
    legend.render();
    liveMark.title = t(streamLive ? 'live.on' : 'live.off');
    recount();
    void panel.refresh();
    void incidents.refresh();
    void evidence.refresh();
  });

  // --- first view: the fleet the token sees (a sample is enough for the bounds)
  const fitToFleet = async () => {
    try {
      const body = await api.json<{ items: { lng: number; lat: number }[] }>('/api/terminals', { params: { limit: 5000 } });
      if (body.items.length === 0) return;
      let [w, s, e, n] = [180, 90, -180, -90];
      for (const i of body.items) {
        w = Math.min(w, i.lng);
        e = Math.max(e, i.lng);
        s = Math.min(s, i.lat);
        n = Math.max(n, i.lat);
      }
      map.fitBounds([w, s, e, n], { padding: 60, maxZoom: 14, duration: 0 });
    } catch {
      // keep the configured view
    }
  };
  await fitToFleet();
  setState({ ready: true });
}

start().catch((e: unknown) => {
  setState({ ready: 'error', error: (e as Error).message });
  document.getElementById('total')!.textContent = `error: ${(e as Error).message}`;
});
