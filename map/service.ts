/**
 * The map service: the live index, heat counts, cases, track ring and stream hub behind the
 * map API, fed as an EventSink (in-process in the embedded mode, from Kafka in standalone.ts).
 * Tiles are rendered here through the layers of tiles/ (one file each, listed in tiles/index.ts)
 * and cached by (layer, tile, format, scope, CRS, the layer's key) for `tileTtlMs` or until
 * nothing changed, with a strong ETag over the bytes. The gzip bytes are made only
 * for a client that takes them, off the main thread, and kept with the cached tile.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { MapSettings } from './settings.js';
import { MapMetrics } from './metrics.js';
import type { GatewayEvent } from '../events/model.js';
import { parseIso } from '../events/iso-time.js';
import { GONE_REASONS } from '../events/presence.js';
import type { DutyCoverageSource } from '../events/duty.js';
import type { StaticResource } from '../events/resource.js';
import type { EventSink } from '../events/sink.js';
import type { Case } from './cases.js';
import { CaseStore } from './cases.js';
import { isEmpty, place, toGeoJson, toMvt } from './encode.js';
import { HeatIndex } from './heat.js';
import { isCategory } from '../events/categories.js';
import { LiveIndex, categoryIndex } from './live-index.js';
import type { Selection } from './live-index.js';
import { orgMatcher, within } from '../events/scope.js';
import { StreamHub } from './stream-hub.js';
import { UnregisteredTerminals } from './unregistered.js';
import { RingTrackStore } from './track-ring.js';
import type { TrackSource } from './track-ring.js';
import { filterKey } from './tiles/layer.js';
import type { LayerFeatures, TileFilter, TileLayer, TileRenderer, TileRequest, TileSource } from './tiles/layer.js';

export type MapConfig = MapSettings;

/** Timer callbacks of the map whose errors are reported, not thrown into the event loop (the gateway's guard counts them). */
export type MapCallback = 'map-sweep';

export interface RenderedTile {
  /** null: an empty tile (204) */
  raw: Buffer | null;
  /** strong ETag of the identity bytes */
  etag: string;
  cache: 'hit' | 'miss';
  /** the gzip bytes of a non-empty tile, compressed on first ask */
  gzip(): Promise<Buffer>;
}

interface CacheEntry {
  version: number;
  at: number;
  raw: Buffer | null;
  gz: Promise<Buffer> | undefined;
  etag: string;
}

const gzipAsync = promisify(gzip);

export interface ResourceSource {
  readonly resources: readonly StaticResource[];
  /** the registry's entry of a terminal; terminals without one are bounded by map.maxUnregistered */
  lookup?(terminal: string): unknown;
}

export class MapService implements EventSink, TileSource {
  readonly name = 'live-map';
  readonly index: LiveIndex;
  readonly heat: HeatIndex;
  readonly cases: CaseStore;
  readonly ring: RingTrackStore;
  /** terminals the registry does not list: expired and capped (unregistered.ts) */
  readonly unregistered: UnregisteredTerminals;
  /** where tracks come from: the ring by default, an InfluxDB store when one is set */
  tracks: TrackSource;
  /** duty areas' coverage for the duty tiles: the duty watch, set by the server when the database is on */
  duty: DutyCoverageSource | undefined;
  readonly hub = new StreamHub();
  private readonly cache = new Map<string, CacheEntry>();
  /** each tile layer's renderer, opened on first use */
  private readonly renderers = new Map<string, TileRenderer<unknown>>();
  private readonly selections = new Map<string, { orgs: number; sel: Selection }>();
  private resourcesSeen: readonly StaticResource[] | undefined;
  private resourceIds = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private push: ((events: GatewayEvent[]) => Promise<void>) | undefined;

  constructor(
    readonly config: MapConfig,
    h3: { resolution: number; parents: number[] },
    private readonly resources?: ResourceSource,
  ) {
    this.index = new LiveIndex({ clusterMaxZoom: config.clusterMaxZoom, offlineAfterMs: config.offlineAfterMs });
    this.heat = new HeatIndex({ resolutions: [h3.resolution, ...h3.parents], maxWindowMinutes: config.heatWindowMaxMinutes, maxKeys: config.heatMaxKeys });
    this.ring = new RingTrackStore({ hours: config.trackHours, maxPoints: config.trackMaxPoints, maxTerminals: config.trackMaxTerminals }, () => this.metrics.trackEvictions.inc());
    this.cases = new CaseStore(config.maxCases, (outcome) => this.metrics.casesDropped.inc({ outcome }));
    this.tracks = this.ring;
    this.unregistered = new UnregisteredTerminals({ max: config.maxUnregistered, expireAfterMs: config.offlineAfterMs + config.unregisteredGraceMs });
    this.syncResources();
    // online -> offline by last seen, unregistered terminals out, registry reloads (fixed cameras), every few seconds
    this.timer = setInterval(() => {
      try {
        this.index.sweep();
        this.expire();
        this.syncResources();
        this.report();
      } catch (e) {
        // the sweep runs in a timer: what it throws must not end the process
        if (!this.report_) throw e;
        this.report_('map-sweep', e);
      }
    }, 5000);
    this.timer.unref();
  }

  /** on a private registry until observe() gives the process's */
  metrics = new MapMetrics();
  private report_: ((where: MapCallback, error: unknown) => void) | undefined;

  /** Index size gauges, refreshed with the sweep. */
  observe(metrics: MapMetrics, report?: (where: MapCallback, error: unknown) => void): void {
    this.metrics = metrics;
    metrics.mapState = () => ({ rings: this.ring.terminals, points: this.ring.points, cases: this.cases.size });
    this.report_ = report;
    this.report();
  }

  private report(): void {
    this.metrics.liveTerminals.set(this.index.size);
    this.metrics.liveRows.set(this.index.rows);
    this.metrics.heatKeys.set(this.heat.keys);
    this.metrics.heatDropped.inc(this.heat.dropped - this.heatDroppedReported);
    this.heatDroppedReported = this.heat.dropped;
    this.metrics.liveEntries.set({ index: 'map', kind: 'unregistered' }, this.unregistered.size);
    this.metrics.liveEntries.set({ index: 'map', kind: 'resource' }, this.resourceIds.size);
    this.metrics.liveEntries.set({ index: 'map', kind: 'registered' }, this.index.size - this.unregistered.size - this.resourceIds.size);
  }

  /** Drops unregistered terminals not heard from for offlineAfterMs + unregisteredGraceMs (index and track ring). */
  expire(now = Date.now()): number {
    const n = this.unregistered.expire(now, (t) => this.forget(t));
    if (n > 0) this.metrics.liveEvictions.inc({ index: 'map', reason: 'expired' }, n);
    return n;
  }

  /** Admits a report of `terminal` to the bounded state: an unregistered one may push out the least recently heard. */
  private admit(terminal: string, seen: number): void {
    if (this.resources?.lookup?.(terminal) !== undefined) {
      this.unregistered.delete(terminal);
      return;
    }
    const dropped = this.unregistered.touch(terminal, seen);
    if (dropped === undefined) return;
    this.forget(dropped);
    this.metrics.liveEvictions.inc({ index: 'map', reason: 'cap' });
  }

  private forget(terminal: string): void {
    this.index.remove(terminal);
    this.ring.drop(terminal);
  }

  private heatDroppedReported = 0;

  /** Case events go out through the gateway's sink queue (to Kafka, MQTT, ... and back here). */
  attach(push: (events: GatewayEvent[]) => Promise<void>): void {
    this.push = push;
  }

  /** data version: changes whenever anything on the map changed */
  get version(): number {
    return this.index.version + this.heat.version + this.cases.version + (this.duty?.coverageVersion ?? 0);
  }

  async publish(events: readonly GatewayEvent[]): Promise<void> {
    for (const e of events) {
      if (e.kind === 'position') {
        const p = e.position;
        if (!p.valid) continue;
        const seen = parseIso(p.receivedAt);
        const time = p.time ? Date.parse(p.time) : seen;
        this.admit(p.terminal, seen);
        this.ring.record(p.terminal, time, p.lng, p.lat, p.speed, p.heading);
        if (p.backfill) continue;
        if (!this.index.upsert(p.terminal, p.lng, p.lat, categoryIndex(p.category), p.org, p.alarm !== 0, p.heading, p.speed, seen, time)) continue;
        this.index.keep(p);
        this.heat.add('positions', seen, p.org, p.lat, p.lng, p.h3, p.h3Parents);
        this.hub.publish({ type: 'position', org: p.org, category: p.category, lng: p.lng, lat: p.lat, data: p });
      } else if (e.kind === 'alarm') {
        const a = e.alarm;
        const p = a.position;
        if (a.state !== 'end' && p.valid) this.heat.add('alarms', parseIso(p.receivedAt), a.org, p.lat, p.lng, p.h3, p.h3Parents);
        this.hub.publish({ type: 'alarm', org: a.org, category: a.category, lng: p.lng, lat: p.lat, data: a });
      } else if (e.kind === 'case') {
        // our own cases come back through the queue; another replica's arrive from Kafka
        const c = e.case;
        const before = this.cases.getIn(c.org, c.id);
        if (!before || before.updatedAt < c.updatedAt) this.cases.put(c);
      } else if (e.kind === 'incident') {
        // opened, joined or stepped: to the stream (an incident without a fix passes any bbox)
        const i = e.incident;
        this.hub.publish({ type: 'incident', org: i.org, category: i.kind, lng: i.location?.lng ?? Number.NaN, lat: i.location?.lat ?? Number.NaN, data: i });
      } else if (e.kind === 'duty') {
        // a device entered or left its duty area: to the stream, in the device's org
        const d = e.duty;
        this.hub.publish({ type: 'duty', org: d.org, category: d.category, lng: d.lng, lat: d.lat, data: d });
      } else if (e.kind === 'presence') {
        // a logout or an idle close: offline on the next tile, not after map.offlineAfterMs (a dropped connection keeps that rule)
        const pr = e.presence;
        if (pr.state === 'online' || GONE_REASONS.has(pr.reason)) this.index.setOnline(pr.terminal, pr.state === 'online', parseIso(pr.at));
      }
    }
  }

  /** The registry changed a terminal's category or org unit: the map counts it there now. */
  deviceChanged(terminal: string, category: string, org: string): void {
    const c = isCategory(category) ? category : 'unknown';
    this.index.reassign(terminal, categoryIndex(c), c, org);
  }

  /** A case from the record at start: on the map, not published again. */
  restoreCase(c: Case): void {
    if (this.cases.getIn(c.org, c.id)) return;
    this.cases.put(c);
    this.heat.add('cases', Date.parse(c.time), c.org, c.location.lat, c.location.lng);
  }

  /** A new or changed case: on the map now, out to the sinks through the queue. */
  async caseChanged(c: Case, created: boolean): Promise<void> {
    if (created) this.heat.add('cases', Date.parse(c.time), c.org, c.location.lat, c.location.lng);
    this.hub.publish({ type: 'case', org: c.org, category: 'case', lng: c.location.lng, lat: c.location.lat, data: c });
    // a failing sink is the sinks' problem (counted and logged by the queue): the case stands
    await this.push?.([{ kind: 'case', case: c }]).catch(() => undefined);
  }

  syncResources(): void {
    const list = this.resources?.resources;
    if (!list || list === this.resourcesSeen) return;
    this.resourcesSeen = list;
    const now = Date.now();
    const ids = new Set<string>();
    for (const r of list) {
      ids.add(r.id);
      const cat = isCategory(r.kind) ? categoryIndex(r.kind) : categoryIndex('fixedcam');
      this.index.upsert(r.id, r.lng, r.lat, cat, r.org, false, 0, 0, now, now, true);
    }
    for (const id of this.resourceIds) if (!ids.has(id)) this.index.remove(id);
    this.resourceIds = ids;
  }

  /** The selection for a scope and filters, cached until a new org unit appears. */
  selection(scope: string, filter: TileFilter): Selection {
    const key = `${scope}|${filterKey(filter)}`;
    const hit = this.selections.get(key);
    if (hit && hit.orgs === this.index.orgCount) return hit.sel;
    const sel = this.index.selection({ categories: filter.category?.map(categoryIndex), online: filter.online, alarm: filter.alarm }, orgMatcher(scope, filter.org));
    if (this.selections.size > 1000) this.selections.clear();
    this.selections.set(key, { orgs: this.index.orgCount, sel });
    return sel;
  }

  /** One tile of a layer (tiles/index.ts), `params` from the layer's own params(); cached. */
  tile<P>(layer: TileLayer<string, P>, tile: TileRequest, format: 'mvt' | 'geojson', params: P): RenderedTile {
    const key = `${layer.name}/${tile.z}/${tile.x}/${tile.y}.${format}|${tile.scope}|${tile.crs}|${layer.key(params)}`;
    return this.cached(key, () => {
      let renderer = this.renderers.get(layer.name) as TileRenderer<P> | undefined;
      if (!renderer) {
        renderer = layer.open(this);
        this.renderers.set(layer.name, renderer as TileRenderer<unknown>);
      }
      return this.encode(renderer.render(tile, params), tile.z, tile.x, tile.y, format);
    });
  }

  private encode(layers: LayerFeatures, z: number, x: number, y: number, format: 'mvt' | 'geojson'): Buffer | null {
    const placed = Object.fromEntries(Object.entries(layers).map(([name, fs]) => [name, place(fs, z, x, y, { buffer: this.config.buffer, maxFeatures: this.config.maxFeatures })]));
    if (isEmpty(placed)) return null;
    return format === 'mvt' ? toMvt(placed) : Buffer.from(toGeoJson(placed));
  }

  private cached(key: string, render: () => Buffer | null): RenderedTile {
    const now = Date.now();
    const version = this.version;
    const hit = this.cache.get(key);
    if (hit && (hit.version === version || now - hit.at < this.config.tileTtlMs)) return rendered(hit, 'hit');
    const raw = render();
    const etag = raw ? `"${createHash('sha1').update(raw).digest('base64url')}"` : '"empty"';
    const entry: CacheEntry = { version, at: now, raw, gz: undefined, etag };
    if (this.config.cacheEntries > 0) {
      if (this.cache.size >= this.config.cacheEntries) this.cache.delete(this.cache.keys().next().value!);
      this.cache.delete(key);
      this.cache.set(key, entry);
    }
    return rendered(entry, 'miss');
  }

  /** Is this org inside the scope? */
  sees(scope: string, org: string): boolean {
    return within(scope, org);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * gzip level 1 (most of the ratio for a fraction of the time), in the libuv pool so the event
 * loop renders the next tile meanwhile; once per cached tile. The window fits the tile (a
 * window longer than the input finds no more matches), so a small tile does not pay for
 * zeroing 256 KB of deflate state.
 */
function rendered(entry: CacheEntry, cache: 'hit' | 'miss'): RenderedTile {
  return { raw: entry.raw, etag: entry.etag, cache, gzip: () => (entry.gz ??= compress(entry.raw ?? Buffer.alloc(0))) };
}

function compress(raw: Buffer): Promise<Buffer> {
  // deflate keeps 262 bytes of lookahead out of the window
  const windowBits = Math.min(15, Math.max(9, Math.ceil(Math.log2(raw.length + 262))));
  return gzipAsync(raw, { level: 1, windowBits, memLevel: Math.min(8, windowBits - 7) });
}
