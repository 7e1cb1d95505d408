/**
 * The nearest free units (issue 18: p99 under 10 ms at 1M terminals), side by side with a
 * peer: geokdbush (mourner's k-nearest search over a kdbush k-d tree) on the same points with
 * the same filters as its predicate. Dipper searches the live index as it stands; a k-d tree
 * is static, so its build time is shown too (a live fleet would rebuild it as units move).
 *
 * The fleet: a national one, 70 % in 40 cities (Gaussian, σ ≈ 8 km), 30 % spread over China's
 * box; five categories, 10 % offline. Queries at random points near a city: k nearest online
 * vehicles, body cameras and handhelds, 10 % of units engaged (excluded by a predicate).
 *
 *   npm run bench:nearest -- [--terminals 1000000] [--queries 2000] [--k 10]
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import KDBush from 'kdbush';
import { around } from 'geokdbush';
import { LiveIndex } from '../map/live-index.js';
import { nearest } from '../map/nearest.js';

const { values } = parseArgs({ options: { terminals: { type: 'string', default: '1000000' }, queries: { type: 'string', default: '2000' }, k: { type: 'string', default: '10' } } });
const N = Number(values.terminals);
const Q = Number(values.queries);
const K = Number(values.k);

let seed = 808;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
const cities = Array.from({ length: 40 }, () => [100 + rand() * 22, 22 + rand() * 18] as const);
const lng = new Float64Array(N);
const lat = new Float64Array(N);
const cat = new Uint8Array(N);
const offline = new Uint8Array(N);
const engaged = new Uint8Array(N);
for (let i = 0; i < N; i++) {
  if (rand() < 0.7) {
    const c = cities[Math.floor(rand() * cities.length)]!;
    lng[i] = c[0] + gauss() * 0.08;
    lat[i] = c[1] + gauss() * 0.07;
  } else {
    lng[i] = 73 + rand() * 62;
    lat[i] = 18 + rand() * 35;
  }
  cat[i] = Math.floor(rand() * 5);
  offline[i] = rand() < 0.1 ? 1 : 0;
  engaged[i] = rand() < 0.1 ? 1 : 0;
}
const WANTED = [0, 1, 2]; // vehicle, bodycam, handheld
const queries = Array.from({ length: Q }, () => {
  const c = cities[Math.floor(rand() * cities.length)]!;
  return [c[0] + gauss() * 0.1, c[1] + gauss() * 0.1] as const;
});

function percentiles(ms: number[]): { p50: number; p99: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => Number(s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(3));
  return { p50: at(0.5), p99: at(0.99), max: Number(s[s.length - 1]!.toFixed(3)) };
}

// --- Dipper: the live index
let t0 = performance.now();
const now = Date.now();
const index = new LiveIndex({ capacity: N, offlineAfterMs: 60_000 });
for (let i = 0; i < N; i++) index.upsert(String(i), lng[i]!, lat[i]!, cat[i]!, 'china', false, 0, 0, offline[i] ? now - 120_000 : now);
index.sweep(now);
const indexMs = performance.now() - t0;
const sel = index.selection({ categories: WANTED, online: true }, () => true);
const free = (slot: number) => engaged[Number(index.idOf(slot))] === 0;

// --- the peer: kdbush + geokdbush
t0 = performance.now();
const kd = new KDBush(N);
for (let i = 0; i < N; i++) kd.add(lng[i]!, lat[i]!);
kd.finish();
const kdMs = performance.now() - t0;
const wanted = new Uint8Array(5);
for (const c of WANTED) wanted[c] = 1;
const peerAccept = (i: number) => wanted[cat[i]!] === 1 && offline[i] === 0 && engaged[i] === 0;

// alternate the two per query, after a warm-up, so a machine that slows down slows both
for (let q = 0; q < Math.min(200, Q); q++) {
  nearest(index, queries[q]![0], queries[q]![1], K, sel, free);
  around(kd, queries[q]![0], queries[q]![1], K, Infinity, peerAccept);
}
const ours: number[] = [];
const peer: number[] = [];
let mismatches = 0;
for (const [x, y] of queries) {
  let s = performance.now();
  const a = nearest(index, x, y, K, sel, free);
  ours.push(performance.now() - s);
  s = performance.now();
  const b = around(kd, x, y, K, Infinity, peerAccept);
  peer.push(performance.now() - s);
  // the same units (ties aside): compare the farthest distance found
  const far = (id: number) => Math.hypot((lng[id]! - x) * Math.cos((y * Math.PI) / 180), lat[id]! - y);
  if (a.length !== b.length || Math.abs(far(Number(index.idOf(a[a.length - 1]!.slot))) - far(b[b.length - 1]!)) > 1e-9) mismatches++;
}
const rows = [
  { engine: 'dipper live index (map/nearest.ts)', buildMs: Math.round(indexMs), note: 'updated in place as reports arrive', ...percentiles(ours) },
  { engine: 'geokdbush 2.1 over kdbush 4.1', buildMs: Math.round(kdMs), note: 'static: rebuilt to follow moving units', ...percentiles(peer) },
];
console.log(`${N} terminals, ${Q} queries, k ${K}; answers differing: ${mismatches}`);
console.log('\n| engine | build ms | query p50 ms | p99 ms | max ms |\n| --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.engine} | ${r.buildMs} | ${r.p50} | ${r.p99} | ${r.max} |`);
writeFileSync('bench/results/nearest.json', JSON.stringify({ machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadavg: os.loadavg() }, at: new Date().toISOString(), settings: values, mismatches, rows }, null, 2) + '\n');
if (mismatches > 0) process.exitCode = 1;
