/**
 * Duty areas at ingest (issue 18: with 5,000 areas and 1M terminals, ingest throughput within
 * 10 % of area checks off, side by side). One gateway in this process (startServer, as `npm
 * start` composes it), its duty watch loaded with 5,000 areas and 1M assigned terminals, every
 * area on shift all week (so the sweep does its whole work; the limits are a day, so no
 * incident floods the database):
 *
 * 1. The check itself: 1M reports of the assigned terminals (80 % inside their area, 20 % in
 *    a disc twice its size around it: outside or near its edge) handed to the watch as the
 *    queue hands them (batches of 500): ns per report, the share that needed the exact polygon
 *    test; the covers' build time and size; one sweep over the 1M units.
 * 2. Side by side: the project's load runner in a child process offers more location reports
 *    than the gateway takes (acknowledged reports/s is its capacity), with its terminals among
 *    the assigned ones (two areas each: the simulated city, a 300-vertex outline around it, and one
 *    of Wuhan's stations, which it drives in and out of); rounds
 *    alternate checks on and off in the same gateway (DutyWatch.checking), so the same heap,
 *    the same 1M units in memory and a machine that slows down weigh on both; the medians are
 *    compared, as acknowledged reports a second and as the gateway's CPU a report (which other
 *    work on the machine changes least).
 *
 * The areas: 40 cities over China, Wuhan the first; around each, 125 police-station areas
 * (派出所辖区, star-shaped outlines of 16-32 vertices, 1.2-1.8 km in radius, ~5-10 km²) on a
 * jittered 3 km grid; terminals 200 to an area.
 *
 *   npm run bench:duty -- [--areas 5000] [--terminals 1000000] [--connections 1000] [--rate 20000]
 *                         [--duration 15] [--rounds 3] [--check-only]
 * Writes bench/results/duty.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { latLngToCell } from 'h3-js';
import type { DutyArea, DutyGeometry } from '../events/duty.js';
import type { GatewayEvent, Position } from '../events/model.js';
import { silentLogger } from '../gateway/log.js';
import { validate } from '../server/config.js';
import { startServer } from '../server/server.js';
import type { WatchedArea } from '../store/duty-areas.js';
import { BENCH_SECRET } from './harness/gateway-process.js';
import { runLoad } from './harness/load-run.js';

const { values } = parseArgs({ options: { areas: { type: 'string', default: '5000' }, terminals: { type: 'string', default: '1000000' }, connections: { type: 'string', default: '1000' }, rate: { type: 'string', default: '20000' }, duration: { type: 'string', default: '15' }, rounds: { type: 'string', default: '3' }, 'check-only': { type: 'boolean', default: false } } });
const AREAS = Number(values.areas);
const TERMINALS = Number(values.terminals);
const CONNECTIONS = Number(values.connections);
const WUHAN = { lat: 30.5928, lng: 114.3055 };

let seed = 18;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const KM_LAT = 1 / 110.574;
const kmLng = (lat: number) => 1 / (111.32 * Math.cos((lat * Math.PI) / 180));

/** a star-shaped outline: radii at evenly turning angles (never crossing itself) */
function star(lng: number, lat: number, radiusKm: () => number, vertices: number): number[][] {
  const ring = Array.from({ length: vertices }, (_, i) => {
    const a = (2 * Math.PI * i) / vertices;
    const r = radiusKm();
    return [lng + r * Math.cos(a) * kmLng(lat), lat + r * Math.sin(a) * KM_LAT];
  });
  return [...ring, ring[0]!];
}

/** even-odd test of one ring, for placing the reports (the watch's own test is what is measured) */
function inRing(ring: number[][], x: number, y: number): boolean {
  let inside = false;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x1, y1] = ring[i]!;
    const [x2, y2] = ring[i + 1]!;
    if (y1! > y !== y2! > y && x < x1! + ((y - y1!) * (x2! - x1!)) / (y2! - y1!)) inside = !inside;
  }
  return inside;
}

// --- the areas and who is assigned -----------------------------------------------------------
const cities = [[WUHAN.lng, WUHAN.lat], ...Array.from({ length: 39 }, () => [100 + rand() * 22, 22 + rand() * 18])] as [number, number][];
const ALWAYS = (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const).map((day) => ({ day, start: '00:00', end: '24:00' }));
const updatedAt = new Date().toISOString();
const areaOf = (id: string, org: string, ring: number[][]): DutyArea => ({ id, org, name: id, geometry: { type: 'Polygon', coordinates: [ring] } as DutyGeometry, shifts: ALWAYS, devices: [], people: [], updatedAt });
// the load runner's city (10 km around Wuhan's centre): one area with a 300-vertex outline just outside it
const cityRing = star(WUHAN.lng, WUHAN.lat, () => 10.6 + rand() * 0.5, 300);
const stations: { ring: number[][]; lng: number; lat: number; r: number }[] = [];
for (let i = 0; stations.length < AREAS - 1; i++) {
  const [clng, clat] = cities[i % cities.length]!;
  const k = Math.floor(i / cities.length);
  const gx = (k % 12) - 6;
  const gy = Math.floor(k / 12) - 5;
  const lng = clng + (gx * 3 + (rand() - 0.5)) * kmLng(clat);
  const lat = clat + (gy * 3 + (rand() - 0.5)) * KM_LAT;
  const r = 1.2 + rand() * 0.6;
  stations.push({ ring: star(lng, lat, () => r * (0.75 + rand() * 0.25), 16 + Math.floor(rand() * 17)), lng, lat, r });
}
const loadTerminals = Array.from({ length: CONNECTIONS }, (_, i) => String(13_900_000_000 + i + 1));
const synthetic = (i: number) => `2${String(i).padStart(10, '0')}`;
const watched: WatchedArea[] = [{ area: areaOf('city', 'wuhan', cityRing), units: loadTerminals.map((terminal) => ({ terminal, org: 'wuhan', category: 'vehicle' })) }];
const stationUnits: { terminal: string; org: string; category: string }[][] = stations.map(() => []);
for (let i = 0; i < TERMINALS - CONNECTIONS; i++) stationUnits[i % stations.length]!.push({ terminal: synthetic(i), org: 'china', category: 'bodycam' });
// each load terminal has a second area: one of Wuhan's stations (every 40th is Wuhan's), where it is now and then
// (mostly outside it: judged by the box or the cover; near its edge, the exact test)
loadTerminals.forEach((terminal, j) => stationUnits[((j % 125) * cities.length) % stations.length]!.push({ terminal, org: 'wuhan', category: 'vehicle' }));
stations.forEach((s, i) => watched.push({ area: areaOf(`station-${i}`, 'china', s.ring), units: stationUnits[i]! }));

// --- the reports of part 1 -----------------------------------------------------------------------
function report(terminal: string, lng: number, lat: number): GatewayEvent {
  const now = new Date().toISOString();
  const position: Position = { terminal, category: 'bodycam', org: 'china', time: now, receivedAt: now, lat, lng, speed: 4, heading: 0, altitude: 20, alarm: 0, status: 3, alarms: [], flags: [], extras: {}, h3: latLngToCell(lat, lng, 9), h3Parents: {}, valid: true, backfill: false };
  return { kind: 'position', position };
}
console.log(`placing ${(TERMINALS - CONNECTIONS).toLocaleString('en-US')} reports ...`);
const reports: GatewayEvent[] = [];
for (let i = 0; i < TERMINALS - CONNECTIONS; i++) {
  const s = stations[i % stations.length]!;
  let lng: number;
  let lat: number;
  const inside = rand() < 0.8;
  do {
    const a = rand() * 2 * Math.PI;
    const d = Math.sqrt(rand()) * s.r * (inside ? 1 : 2);
    lng = s.lng + d * Math.cos(a) * kmLng(s.lat);
    lat = s.lat + d * Math.sin(a) * KM_LAT;
  } while (inside && !inRing(s.ring, lng, lat));
  reports.push(report(synthetic(i), lng, lat));
}

// --- the gateway --------------------------------------------------------------------------------
const dataDir = mkdtempSync(join(os.tmpdir(), 'dipper-bench-duty-'));
const config = validate({
  jt808: { host: '127.0.0.1', port: 0 },
  http: { host: '127.0.0.1', port: 0 },
  mqtt: { host: '127.0.0.1', port: 0, wsPort: 0 },
  dataDir,
  auth: { secret: BENCH_SECRET, registrationsPerMinute: 100_000_000 },
  log: { level: 'silent' },
  duty: { offPostGraceMs: 86_400_000, noSignalMs: 86_400_000 },
});
const server = await startServer(config, silentLogger());
const watch = server.duty!;
try {
  const mem0 = process.memoryUsage().heapUsed;
  let t0 = performance.now();
  await watch.load(watched);
  const buildMs = Math.round(performance.now() - t0);
  const heapMiB = Math.round((process.memoryUsage().heapUsed - mem0) / 2 ** 20);
  let cells = 0;
  const resolutions: Record<string, number> = {};
  for (const { area } of watched) {
    const c = watch.area(area.id)!.cover;
    cells += c.size;
    resolutions[c.res] = (resolutions[c.res] ?? 0) + 1;
  }
  console.log(`${watch.areaCount} areas, ${watch.unitCount.toLocaleString('en-US')} units: covers built in ${buildMs} ms, ${cells.toLocaleString('en-US')} cells (${resolutions[9] ?? 0} areas at resolution 9), heap +${heapMiB} MiB`);

  // 1. the check: the watch's publish as the queue calls it, after a warm-up
  const before = { ...watch.stats };
  for (let i = 0; i < 20_000; i += 500) await watch.publish(reports.slice(i, i + 500));
  const batches: GatewayEvent[][] = [];
  for (let i = 0; i < reports.length; i += 500) batches.push(reports.slice(i, i + 500));
  const cpu0 = process.cpuUsage();
  t0 = performance.now();
  for (const b of batches) await watch.publish(b);
  const checkMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  // what reaching each report's unit costs alone (a Map of every assigned terminal): the floor under the check
  const units = new Map([...watched.flatMap((w) => w.units.map((u) => [u.terminal, u] as const))]);
  t0 = performance.now();
  let found = 0;
  for (const b of batches) for (const e of b) if (e.kind === 'position' && units.get(e.position.terminal)) found++;
  const lookupNs = Math.round(((performance.now() - t0) * 1e6) / reports.length);
  console.log(`a Map lookup of each report's terminal alone: ${lookupNs} ns (${found})`);
  const s = watch.stats;
  const judged = s.interior + s.outside + s.exact - (before.interior + before.outside + before.exact);
  const exact = s.exact - before.exact;
  const nsPerReport = Math.round((checkMs * 1e6) / reports.length);
  const nsPerReportCpu = Math.round(((cpu.user + cpu.system) * 1e3) / reports.length);
  console.log(`check: ${nsPerReport} ns a report (${nsPerReportCpu} ns of CPU), ${(exact / judged * 100).toFixed(1)} % needed the exact test (interior ${s.interior - before.interior}, outside ${s.outside - before.outside})`);
  t0 = performance.now();
  watch.sweep();
  const sweepMs = Math.round(performance.now() - t0);
  console.log(`sweep over ${watch.unitCount.toLocaleString('en-US')} units: ${sweepMs} ms (every duty.checkMs = ${config.duty.checkMs} ms)`);

  // 2. side by side, alternating
  const rounds: { mode: 'on' | 'off'; acksPerS: number; p99: number; cpuUsPerAck: number; judged: number; exact: number }[] = [];
  // location reports the gateway decoded so far (its own counter; each is answered once its sinks have it)
  const acknowledged = async () => {
    const m = await server.gateway.metrics.registry.getSingleMetric('dipper_frames_in_total')!.get();
    return m.values.filter((v) => v.labels.msg_id === '0x0200').reduce((n, v) => n + v.value, 0);
  };
  for (let r = 0; r < (values['check-only'] ? 0 : Number(values.rounds)); r++) {
    for (const mode of r % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      watch.checking = mode === 'on';
      const at = { ...watch.stats };
      const acks0 = await acknowledged();
      const cpu0 = process.cpuUsage();
      const load = await runLoad({ port: server.ports.jt808, connections: CONNECTIONS, rate: Number(values.rate), rampS: 5, durationS: Number(values.duration) });
      const cpu = process.cpuUsage(cpu0);
      // the gateway's CPU for each report it acknowledged (this process runs nothing else meanwhile):
      // what a machine shared with other work changes least
      const cpuUsPerAck = Number(((cpu.user + cpu.system) / Math.max(1, (await acknowledged()) - acks0)).toFixed(2));
      const j = watch.stats.interior + watch.stats.outside + watch.stats.exact - (at.interior + at.outside + at.exact);
      rounds.push({ mode, acksPerS: load.throughput.repliesPerS, p99: load.latencyMs.p99, cpuUsPerAck, judged: j, exact: watch.stats.exact - at.exact });
      console.log(`round ${r + 1} checks ${mode.padEnd(3)} ${load.throughput.repliesPerS} acks/s  p99 ${load.latencyMs.p99} ms  ${cpuUsPerAck} µs of gateway CPU a report  reports judged ${j} (exact ${watch.stats.exact - at.exact})`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const off = median(rounds.filter((x) => x.mode === 'off').map((x) => x.acksPerS));
  const on = median(rounds.filter((x) => x.mode === 'on').map((x) => x.acksPerS));
  const cpuOff = median(rounds.filter((x) => x.mode === 'off').map((x) => x.cpuUsPerAck));
  const cpuOf = (mode: 'on' | 'off') => median(rounds.filter((x) => x.mode === mode).map((x) => x.cpuUsPerAck));
  const rows = (['off', 'on'] as const).map((mode) => ({
    checks: mode,
    acksPerS: mode === 'on' ? on : off,
    p99Ms: median(rounds.filter((x) => x.mode === mode).map((x) => x.p99)),
    ratioToOff: Number(((mode === 'on' ? on : off) / off).toFixed(3)),
    cpuUsPerAck: cpuOf(mode),
    // reports a CPU-second takes, against off's: throughput as the CPU sees it
    cpuRatioToOff: Number((cpuOff / cpuOf(mode)).toFixed(3)),
  }));
  console.log('\n| area checks | acks/s (median) | p99 ms | vs off | gateway CPU µs a report (median) | reports a CPU-second, vs off |\n| --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(`| ${row.checks} | ${row.acksPerS} | ${row.p99Ms} | ${row.ratioToOff} | ${row.cpuUsPerAck} | ${row.cpuRatioToOff} |`);
  if (!values['check-only']) writeFileSync(
    'bench/results/duty.json',
    JSON.stringify(
      {
        machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadavg: os.loadavg() },
        at: new Date().toISOString(),
        settings: values,
        watch: { areas: watch.areaCount, units: watch.unitCount, buildMs, cells, resolutions, heapMiB, sweepMs },
        check: { reports: reports.length, nsPerReport, nsPerReportCpu, exactShare: Number((exact / judged).toFixed(4)) },
        rows,
        rounds,
      },
      null,
      2,
    ) + '\n',
  );
} finally {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
