/**
 * Dipper's live index against supercluster (the library most people would pick instead) on the
 * same city fleet (./city-fleet.ts) and the same tiles, in one process (issue 23):
 * - build from scratch: LiveIndex upserts vs supercluster's `load` (with per-category and alarm
 *   counts kept by its map/reduce, as Dipper's clusters carry);
 * - keeping up with 1 % of the fleet moving each second: Dipper's upserts of those moves vs
 *   supercluster's only way, a full rebuild;
 * - cold tiles: 200 tiles over z5..z14 around the city, after a warm-up on 200 others: Dipper
 *   cluster features -> MVT (no cache, every filter and scope machinery on the path, scope =
 *   the whole city) vs supercluster getTile -> vt-pbf;
 * - heap retained by each structure (--expose-gc; supercluster's includes the GeoJSON features
 *   it keeps, which are its input format).
 * supercluster's grid matches Dipper's: extent 512, radius 64 px (Dipper's cells are 64 px on
 * a 512-px tile), clusters up to z12 (map.clusterMaxZoom), single points above.
 *
 *   npm run bench:tiles -- --vs supercluster [--fleet 1000000]
 * Writes bench/results/tiles-vs-supercluster.json (the default 100k and 1M run).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import Supercluster from 'supercluster';
import vtpbf from 'vt-pbf';
import { CATEGORIES } from '../events/categories.js';
import { orgMatcher } from '../events/scope.js';
import { clusterFeatures } from '../map/cluster-tile.js';
import { place, toMvt } from '../map/encode.js';
import { LiveIndex } from '../map/live-index.js';
import { cityFleet, cityTiles, rng } from './city-fleet.js';
import type { CityFleet } from './city-fleet.js';

const gc = (globalThis as { gc?: () => void }).gc;
const heap = () => {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;
const isAlarm = (i: number) => i % 97 === 0;

type Counts = Record<string, number>;

function timeTiles(tiles: [number, number, number][], render: (z: number, x: number, y: number) => Buffer | Uint8Array): number[] {
  const ms: number[] = [];
  for (const [z, x, y] of tiles) {
    const t = performance.now();
    render(z, x, y);
    ms.push(performance.now() - t);
  }
  return ms;
}

/** 1 % of the fleet moving ~110 m each, `rounds` times: the moves per round, precomputed. */
function moves(f: CityFleet, rounds: number): { slot: Int32Array; lng: Float64Array; lat: Float64Array }[] {
  const r = rng(5);
  const per = Math.max(1, Math.floor(f.ids.length / 100));
  return Array.from({ length: rounds }, () => {
    const slot = new Int32Array(per);
    const lng = new Float64Array(per);
    const lat = new Float64Array(per);
    for (let k = 0; k < per; k++) {
      const i = Math.floor(r() * f.ids.length);
      const a = r() * 2 * Math.PI;
      slot[k] = i;
      lng[k] = (f.lng[i]! += Math.cos(a) * 0.001);
      lat[k] = (f.lat[i]! += Math.sin(a) * 0.001);
    }
    return { slot, lng, lat };
  });
}

function dipper(f: CityFleet, warm: [number, number, number][], tiles: [number, number, number][]) {
  const n = f.ids.length;
  const before = heap();
  const t0 = performance.now();
  const index = new LiveIndex({ capacity: n });
  const now = Date.now();
  for (let i = 0; i < n; i++) index.upsert(f.ids[i]!, f.lng[i]!, f.lat[i]!, f.cat[i]!, f.org[i]!, isAlarm(i), 90, 30, now);
  const buildMs = performance.now() - t0;
  const heapBytes = heap() - before;
  const sel = index.selection({}, orgMatcher('', undefined));
  const render = (z: number, x: number, y: number) => {
    const features = clusterFeatures(index, z, x, y, sel, 'wgs84', { maxFeatures: 4000, buffer: 64 });
    return toMvt({ clusters: place(features, z, x, y, { buffer: 64, maxFeatures: 4000 }) });
  };
  timeTiles(warm, render);
  const tileMs = timeTiles(tiles, render);
  // keeping up: each round is one second's moves (1 %); a move shows on the next tile
  const rounds = moves(f, 10);
  const roundMs: number[] = [];
  let at = now + 1;
  for (const m of rounds) {
    const t = performance.now();
    for (let k = 0; k < m.slot.length; k++) {
      const i = m.slot[k]!;
      index.upsert(f.ids[i]!, m.lng[k]!, m.lat[k]!, f.cat[i]!, f.org[i]!, isAlarm(i), 90, 30, at++);
    }
    roundMs.push(performance.now() - t);
  }
  return { buildMs, heapBytes, tileMs, keepUpMsPerSecond: pct(roundMs, 50) };
}

function superclusterRun(f: CityFleet, warm: [number, number, number][], tiles: [number, number, number][]) {
  const n = f.ids.length;
  const options = {
    extent: 512,
    radius: 64,
    maxZoom: 12,
    map: (p: { cat: number; alarm: boolean }): Counts => {
      const c: Counts = { n_alarm: p.alarm ? 1 : 0 };
      for (let k = 0; k < CATEGORIES.length; k++) c[`n_${CATEGORIES[k]}`] = p.cat === k ? 1 : 0;
      return c;
    },
    reduce: (acc: Counts, p: Counts) => {
      for (const k in p) acc[k]! += p[k]!;
    },
  };
  const before = heap();
  const t0 = performance.now();
  const features = Array.from({ length: n }, (_, i) => ({
    type: 'Feature' as const,
    geometry: { type: 'Point' as const, coordinates: [f.lng[i]!, f.lat[i]!] },
    properties: { id: f.ids[i]!, cat: f.cat[i]!, alarm: isAlarm(i) },
  }));
  // supercluster's types want its own generics; the options are its documented ones
  const index = new Supercluster(options as never);
  index.load(features as never);
  const buildMs = performance.now() - t0;
  const heapBytes = heap() - before;
  const render = (z: number, x: number, y: number) => {
    const tile = index.getTile(z, x, y);
    return vtpbf.fromGeojsonVt({ clusters: tile ?? { features: [] } } as never, { version: 2, extent: 512 });
  };
  timeTiles(warm, render);
  const tileMs = timeTiles(tiles, render);
  // keeping up: a rebuild with the moved points (its only way to show a move)
  const t1 = performance.now();
  new Supercluster(options as never).load(features as never);
  const rebuildMs = performance.now() - t1;
  return { buildMs, heapBytes, tileMs, keepUpMsPerSecond: rebuildMs };
}

export async function versusSupercluster(fleets: number[]): Promise<void> {
  if (!gc) console.warn('run with --expose-gc (npm run bench:tiles does) for the memory figures');
  const warm = cityTiles(200, 1);
  const tiles = cityTiles(200, 2);
  const rows: Record<string, string | number>[] = [];
  const results: object[] = [];
  for (const n of fleets) {
    const f = cityFleet(n);
    const d = dipper(f, warm, tiles);
    const s = superclusterRun(cityFleet(n), warm, tiles);
    const r = {
      terminals: n,
      dipper: { buildMs: round(d.buildMs, 0), keepUpMsPerSecond: round(d.keepUpMsPerSecond, 1), tileP50ms: round(pct(d.tileMs, 50)), tileP99ms: round(pct(d.tileMs, 99)), heapMB: round(d.heapBytes / 1e6, 0) },
      supercluster: { buildMs: round(s.buildMs, 0), keepUpMsPerSecond: round(s.keepUpMsPerSecond, 0), tileP50ms: round(pct(s.tileMs, 50)), tileP99ms: round(pct(s.tileMs, 99)), heapMB: round(s.heapBytes / 1e6, 0) },
    };
    const ratio = (a: number, b: number) => round(a / b, 2);
    const ratios = {
      keepUp: ratio(r.supercluster.keepUpMsPerSecond, r.dipper.keepUpMsPerSecond),
      build: ratio(r.dipper.buildMs, r.supercluster.buildMs),
      tileP50: ratio(r.dipper.tileP50ms, r.supercluster.tileP50ms),
      tileP99: ratio(r.dipper.tileP99ms, r.supercluster.tileP99ms),
      heap: ratio(r.dipper.heapMB, r.supercluster.heapMB),
    };
    results.push({ ...r, ratios });
    rows.push(
      { terminals: n, row: 'keeping up with 1 % moving per second (ms of work per s)', dipper: r.dipper.keepUpMsPerSecond, supercluster: r.supercluster.keepUpMsPerSecond, 'supercluster / dipper': ratios.keepUp },
      { terminals: n, row: 'build from scratch (ms)', dipper: r.dipper.buildMs, supercluster: r.supercluster.buildMs, 'dipper / supercluster': ratios.build },
      { terminals: n, row: 'cold tile p50 (ms)', dipper: r.dipper.tileP50ms, supercluster: r.supercluster.tileP50ms, 'dipper / supercluster': ratios.tileP50 },
      { terminals: n, row: 'cold tile p99 (ms)', dipper: r.dipper.tileP99ms, supercluster: r.supercluster.tileP99ms, 'dipper / supercluster': ratios.tileP99 },
      { terminals: n, row: 'heap after build (MB)', dipper: r.dipper.heapMB, supercluster: r.supercluster.heapMB, 'dipper / supercluster': ratios.heap },
    );
  }
  console.table(rows);
  const json = JSON.stringify({ machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg().map((l) => round(l, 1)) }, at: new Date().toISOString(), fleet: 'city (bench/city-fleet.ts): 80 % within 30 km of Wuhan over 400 org units, 20 % over 300 cities', tiles: '200 cold, z5..z14 around the city', results }, null, 2) + '\n';
  mkdirSync(new URL('results/', import.meta.url), { recursive: true });
  writeFileSync(new URL(`results/tiles-vs-supercluster${fleets.length === 1 ? `-${fleets[0]}` : ''}.json`, import.meta.url), json);
}
