/**
 * The live map under load, on this machine:
 * 1. Live index: updates/s on one core at 5k, 100k and 1M terminals, and bytes per terminal
 *    (heap + typed arrays, measured with --expose-gc before and after filling).
 *    Fleet model: 300 cities (Gaussian, σ ≈ 11 km) over China's bbox, 2,000 org units,
 *    4 categories. An update moves a terminal ~110 m in a random direction (a vehicle at
 *    40 km/h reporting every 10 s); a second run teleports terminals anywhere in their city
 *    (the worst case: every update crosses cells).
 * 2. Tiles: a server in a child process (the real fastify app, a city-wide token, the index
 *    filled with N terminals) answers cluster tiles at z5..z15 around the cities.
 *    Latency p50/p95 from sequential requests, uncached (cache off) and cached (warm);
 *    tiles/s under concurrent load with autocannon on loopback (bounded in time).
 *
 *   npm run bench:tiles [-- --fleet 100000 --seconds 10 --connections 32 --index-only --out FILE]
 *   (partial runs for profiling: --tiles-only skips the index part, --cache off|warm runs one
 *   cache mode; DIPPER_BENCH_NODE_FLAGS are passed to the tile server's process)
 *   npm run bench:tiles -- --vs supercluster [--fleet N]: the city fleet against supercluster
 *   (./tiles-vs-supercluster.ts)
 * Writes bench/results/tiles.json (a full run only).
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import autocannon from 'autocannon';
import { LiveIndex } from '../map/live-index.js';
import { silentLogger } from '../gateway/log.js';
import { validate } from '../server/config.js';

const arg = (name: string, fallback: number) => (process.argv.includes(`--${name}`) ? Number(process.argv[process.argv.indexOf(`--${name}`) + 1]) : fallback);
const TOKEN = 'bench-city-token-0123456789';

// --- a deterministic synthetic fleet -------------------------------------------------------
function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

export interface Fleet {
  ids: string[];
  lng: Float64Array;
  lat: Float64Array;
  city: Uint16Array;
  org: string[];
  cat: Uint8Array;
  cities: [number, number][];
}

function makeFleet(n: number): Fleet {
  const r = rng(42);
  const gauss = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  const cities: [number, number][] = Array.from({ length: 300 }, () => [100 + r() * 22, 22 + r() * 18]);
  const orgNames = Array.from({ length: 2000 }, (_, i) => `city-${i % 300}/district-${i % 7}/squad-${i}`);
  const f: Fleet = { ids: [], lng: new Float64Array(n), lat: new Float64Array(n), city: new Uint16Array(n), org: [], cat: new Uint8Array(n), cities };
  for (let i = 0; i < n; i++) {
    const c = Math.floor(r() * 300);
    f.ids.push(String(13000000000 + i));
    f.city[i] = c;
    f.lng[i] = cities[c]![0] + gauss() * 0.1;
    f.lat[i] = cities[c]![1] + gauss() * 0.1;
    f.org.push(orgNames[c + 300 * Math.floor(r() * 6)]!);
    f.cat[i] = Math.floor(r() * 4);
  }
  return f;
}

function fill(index: LiveIndex, f: Fleet): void {
  const now = Date.now();
  for (let i = 0; i < f.ids.length; i++) index.upsert(f.ids[i]!, f.lng[i]!, f.lat[i]!, f.cat[i]!, f.org[i]!, i % 97 === 0, 90, 30, now);
}

const gc = (globalThis as { gc?: () => void }).gc;
const heap = () => {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

// --- 1. the index on one core ----------------------------------------------------------------
function indexBench(n: number): Record<string, number> {
  const fleet = makeFleet(n);
  const before = heap();
  const index = new LiveIndex({ capacity: n });
  let t = performance.now();
  fill(index, fleet);
  const insertRate = n / ((performance.now() - t) / 1000);
  const bytes = (heap() - before) / n;
  // precomputed moves so the loop times the index, not the random numbers
  const U = Math.max(2_000_000, n * 2);
  const steps = 1 << 16;
  const dx = new Float64Array(steps);
  const dy = new Float64Array(steps);
  const r = rng(7);
  for (let i = 0; i < steps; i++) {
    const a = r() * 2 * Math.PI;
    dx[i] = Math.cos(a) * 0.001;
    dy[i] = Math.sin(a) * 0.001;
  }
  const now = Date.now();
  const { ids, lng, lat, cat, org } = fleet;
  t = performance.now();
  for (let k = 0; k < U; k++) {
    const i = k % n;
    const s = k & (steps - 1);
    lng[i]! += dx[s]!;
    lat[i]! += dy[s]!;
    index.upsert(ids[i]!, lng[i]!, lat[i]!, cat[i]!, org[i]!, false, 90, 30, now + k);
  }
  const moveRate = U / ((performance.now() - t) / 1000);
  const V = Math.min(U, 1_000_000);
  const jx = new Float64Array(steps);
  const jy = new Float64Array(steps);
  for (let i = 0; i < steps; i++) {
    jx[i] = (r() - 0.5) * 0.4;
    jy[i] = (r() - 0.5) * 0.4;
  }
  t = performance.now();
  for (let k = 0; k < V; k++) {
    const i = k % n;
    const c = fleet.cities[fleet.city[i]!]!;
    const s = k & (steps - 1);
    index.upsert(ids[i]!, c[0] + jx[s]!, c[1] + jy[s]!, cat[i]!, org[i]!, false, 90, 30, now + U + k);
  }
  const jumpRate = V / ((performance.now() - t) / 1000);
  return { terminals: n, insertPerSec: Math.round(insertRate), movePerSec: Math.round(moveRate), teleportPerSec: Math.round(jumpRate), bytesPerTerminal: Math.round(bytes), rowsPerTerminal: Math.round((index.rows / n) * 100) / 100 };
}

// --- 2. tiles over HTTP: the server side (child process) -----------------------------------
async function serve(n: number, cached: boolean): Promise<void> {
  const { startServer } = await import('../server/server.js');
  const config = validate({
    jt808: { host: '127.0.0.1', port: 0, udp: false },
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { host: '127.0.0.1', port: 0, wsPort: 0 },
    dataDir: os.tmpdir(),
    api: { tokens: [{ token: TOKEN, org: '' }] },
    map: cached ? {} : { cacheEntries: 0 },
    log: { level: 'silent' },
  });
  const server = await startServer(config, silentLogger());
  fill(server.map.index, makeFleet(n));
  process.send!({ port: server.ports.http });
  process.on('message', () => void server.close().then(() => process.exit(0)));
}

// --- 2. the client side ----------------------------------------------------------------------
function tilePaths(n: number): string[] {
  const { cities } = makeFleet(1);
  const r = rng(99);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = cities[Math.floor(r() * cities.length)]!;
    const z = 5 + Math.floor(r() * 11);
    const lng = c[0] + (r() - 0.5) * 0.3;
    const lat = c[1] + (r() - 0.5) * 0.3;
    const k = 2 ** z;
    const x = Math.floor(((lng + 180) / 360) * k);
    const s = Math.sin((lat * Math.PI) / 180);
    const y = Math.floor((0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * k);
    out.push(`/tiles/clusters/${z}/${x}/${y}.mvt`);
  }
  return out;
}

function once(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = request({ host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${TOKEN}`, 'accept-encoding': 'gzip' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(Number(process.hrtime.bigint() - t0) / 1e6));
    });
    req.on('error', reject);
    req.end();
  });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 100) / 100;
};

async function httpBench(n: number, cached: boolean, seconds: number, connections: number): Promise<Record<string, number | string>> {
  const child: ChildProcess = fork(new URL(import.meta.url).pathname, ['--serve', String(n), cached ? 'cached' : 'uncached'], {
    execArgv: ['--import', 'tsx', ...(process.env.DIPPER_BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])],
  });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  try {
    const paths = tilePaths(2000);
    // warm up (JIT; and the cache, when on)
    for (const p of paths) await once(port, p);
    const lat: number[] = [];
    for (const p of paths) lat.push(await once(port, p));
    let i = 0;
    const result = await autocannon({
      url: `http://127.0.0.1:${port}`,
      connections,
      duration: seconds,
      headers: { authorization: `Bearer ${TOKEN}`, 'accept-encoding': 'gzip' },
      requests: [{ setupRequest: (req: object) => ({ ...req, path: paths[i++ % paths.length]! }) }],
    });
    return {
      terminals: n,
      cache: cached ? 'warm' : 'off',
      p50ms: pct(lat, 50),
      p95ms: pct(lat, 95),
      p99ms: pct(lat, 99),
      tilesPerSec: Math.round(result.requests.average),
      loadP50ms: result.latency.p50,
      loadP97_5ms: result.latency.p97_5,
      non2xx: result.non2xx,
      errors: result.errors,
    };
  } finally {
    child.send('stop');
    await new Promise((r) => child.once('exit', r));
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === '--serve') return serve(Number(process.argv[3]), process.argv[4] === 'cached');
  if (process.argv.includes('--vs')) {
    if (process.argv[process.argv.indexOf('--vs') + 1] !== 'supercluster') throw new Error('--vs: only supercluster');
    const { versusSupercluster } = await import('./tiles-vs-supercluster.js');
    return versusSupercluster(process.argv.includes('--fleet') ? [arg('fleet', 100_000)] : [100_000, 1_000_000]);
  }
  if (!gc) console.warn('run with --expose-gc (npm run bench:tiles does) for the memory figure');
  const seconds = arg('seconds', 10);
  const connections = arg('connections', 32);
  const fleets = process.argv.includes('--fleet') ? [arg('fleet', 100_000)] : [5_000, 100_000, 1_000_000];
  const tilesOnly = process.argv.includes('--tiles-only');
  const index = tilesOnly ? [] : fleets.map(indexBench);
  if (!tilesOnly) console.table(index);
  if (process.argv.includes('--index-only')) return;
  const mode = process.argv.includes('--cache') ? process.argv[process.argv.indexOf('--cache') + 1] : undefined;
  const modes = mode ? [mode === 'warm'] : [false, true];
  const httpFleets = process.argv.includes('--fleet') ? [fleets[0]!] : [100_000, 1_000_000];
  const tiles: Record<string, number | string>[] = [];
  for (const n of httpFleets) for (const cached of modes) tiles.push(await httpBench(n, cached, seconds, connections));
  console.table(tiles);
  const json = JSON.stringify({ machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version }, at: new Date().toISOString(), index, tiles }, null, 2) + '\n';
  // a partial run writes only where it is told (--out); results/tiles.json is a full run's
  if (process.argv.includes('--out')) writeFileSync(process.argv[process.argv.indexOf('--out') + 1]!, json);
  if (tilesOnly || mode || process.argv.includes('--fleet')) return;
  mkdirSync(new URL('results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('results/tiles.json', import.meta.url), json);
}

await main();
