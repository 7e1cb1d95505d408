/**
 * The live map's Prometheus families (tiles, the event stream, the live index, heat, track
 * rings, cases), on the registry the process scrapes (server.ts passes the gateway's; a
 * private one otherwise). Label sets are closed: layer = a name in tiles/index.ts (TILE_LAYERS),
 * cache hit | miss, index map.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { TILE_LAYERS } from './tiles/index.js';

/** Label values of dipper_tile_requests_total{status}: a tile (200), an empty one (204), not modified (304). */
export const TILE_STATUSES = ['200', '204', '304'] as const;
export const TILE_CACHE = ['hit', 'miss'] as const;

export class MapMetrics {
  /** Sizes of the map service's bounded stores, read at scrape time (MapService.observe). */
  mapState: () => { rings: number; points: number; cases: number } = () => ({ rings: 0, points: 0, cases: 0 });
  readonly tileRequests: Counter<'layer' | 'cache' | 'status'>;
  readonly tileSeconds: Histogram<'layer' | 'cache'>;
  readonly sseClients: Gauge;
  readonly sseDropped: Counter;
  readonly liveTerminals: Gauge;
  readonly liveRows: Gauge;
  readonly heatKeys: Gauge;
  readonly heatDropped: Counter;
  readonly liveEntries: Gauge<'index' | 'kind'>;
  readonly trackTerminals: Gauge;
  readonly trackPoints: Gauge;
  readonly trackEvictions: Counter;
  readonly cases: Gauge;
  readonly casesDropped: Counter<'outcome'>;
  readonly liveEvictions: Counter<'index' | 'reason'>;

  constructor(readonly registry: Registry = new Registry()) {
    this.tileRequests = new Counter({ name: 'dipper_tile_requests_total', help: 'Map tiles served, by layer, cache status and outcome', labelNames: ['layer', 'cache', 'status'], registers: [registry] });
    this.tileSeconds = new Histogram({ name: 'dipper_tile_seconds', help: 'Time to answer a map tile, by layer and cache status', labelNames: ['layer', 'cache'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [registry] });
    this.sseClients = new Gauge({ name: 'dipper_sse_clients', help: 'Open /api/stream connections', registers: [registry] });
    this.sseDropped = new Counter({ name: 'dipper_sse_dropped_total', help: 'Stream events dropped for a slow client', registers: [registry] });
    this.liveTerminals = new Gauge({ name: 'dipper_live_index_terminals', help: 'Terminals and static resources in the live map index', registers: [registry] });
    this.liveRows = new Gauge({ name: 'dipper_live_index_rows', help: 'Count rows (cell x org) in the live map index', registers: [registry] });
    this.heatKeys = new Gauge({ name: 'dipper_heat_keys', help: 'Heat counts held, as (H3 cell, org, minute) keys over every resolution (bounded by map.heatMaxKeys)', registers: [registry] });
    this.heatDropped = new Counter({ name: 'dipper_heat_dropped_total', help: 'Finest-resolution heat cells not recorded because map.heatMaxKeys was reached', registers: [registry] });
    this.liveEntries = new Gauge({ name: 'dipper_live_index_entries', help: 'Entries in the live map index (index="map"; it also answers /api/live) by kind: registered, unregistered (at most map.maxUnregistered), resource', labelNames: ['index', 'kind'], registers: [registry] });
    this.trackTerminals = new Gauge({ name: 'dipper_track_ring_terminals', help: 'Terminals with an in-memory track ring (at most map.trackMaxTerminals)', registers: [registry], collect: () => this.trackTerminals.set(this.mapState().rings) });
    this.trackPoints = new Gauge({ name: 'dipper_track_ring_points', help: 'Points held in the in-memory track rings (40 B each)', registers: [registry], collect: () => this.trackPoints.set(this.mapState().points) });
    this.trackEvictions = new Counter({ name: 'dipper_track_ring_evictions_total', help: 'Track rings dropped to stay within map.trackMaxTerminals', registers: [registry] });
    this.cases = new Gauge({ name: 'dipper_cases', help: 'Cases held in memory (at most map.maxCases)', registers: [registry], collect: () => this.cases.set(this.mapState().cases) });
    this.casesDropped = new Counter({ name: 'dipper_cases_dropped_total', help: 'Cases not kept at map.maxCases: evicted (the oldest closed or cancelled one, to make room) or refused (all open: HTTP 507)', labelNames: ['outcome'], registers: [registry] });
    this.liveEvictions = new Counter({ name: 'dipper_live_index_evictions_total', help: 'Unregistered terminals dropped from the live map index (index="map"): expired (not heard from for map.offlineAfterMs + map.unregisteredGraceMs) or cap (map.maxUnregistered reached)', labelNames: ['index', 'reason'], registers: [registry] });
    // the closed label sets start at 0: dashboards show 0 before the first tile, not "No data"
    for (const { name: layer } of TILE_LAYERS) {
      for (const cache of TILE_CACHE) {
        this.tileSeconds.zero({ layer, cache });
        for (const status of TILE_STATUSES) this.tileRequests.inc({ layer, cache, status }, 0);
      }
    }
    for (const outcome of ['evicted', 'refused']) this.casesDropped.inc({ outcome }, 0);
    for (const reason of ['expired', 'cap']) this.liveEvictions.inc({ index: 'map', reason }, 0);
  }
}
