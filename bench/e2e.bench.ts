/**
 * End to end: the load runner's simulated terminals (register, authenticate, report 0x0200)
 * -> one gateway process (`server/main.ts`) -> the embedded broker (fast acknowledgement) or
 * real Kafka from scripts/kafka.sh (durable: a 0x8001 only once Kafka has the position).
 * For each sink and terminal count: sustained location frames/s acknowledged (the gateway's
 * own counters over the hold window), frame -> 0x8001 latency p50/p99 (the runner's
 * histograms), gateway CPU (cores) and RSS per 1k connections. Everything on this machine:
 * the simulator shares the two cores with the gateway.
 *
 *   npm run bench:e2e -- [--terminals 1000,10000,19000] [--sinks embedded,kafka]
 *                        [--loads nominal,capacity,burst] [--rate embedded=20000,kafka=6000]
 *                        [--burst 20] [--burst-rate embedded=120000,kafka=25000] [--ramp 15] [--duration 20]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { startGatewayProcess } from './harness/gateway-process.js';
import { runLoad } from './harness/load-run.js';
import { metric, scrape } from './harness/metrics.js';
import { script } from './harness/servers.js';

const { values } = parseArgs({
  options: { terminals: { type: 'string', default: '1000,10000,19000' }, sinks: { type: 'string', default: 'embedded,kafka' }, rate: { type: 'string', default: 'embedded=20000,kafka=6000' }, 'burst-rate': { type: 'string', default: 'embedded=120000,kafka=25000' }, burst: { type: 'string', default: '20' }, loads: { type: 'string', default: 'nominal,capacity,burst' }, ramp: { type: 'string' }, duration: { type: 'string', default: '20' } },
});
const terminalCounts = values.terminals.split(',').map(Number);
const sinks = values.sinks.split(',') as ('embedded' | 'kafka')[];
const rates = (text: string) => Object.fromEntries(text.split(',').map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)])) as Record<string, number>;
const offeredBySink = rates(values.rate);
const burstOfferedBySink = rates(values['burst-rate']);
const BURST = Number(values.burst);
type Load = 'nominal' | 'capacity' | 'burst';
const loads = values.loads.split(',') as Load[];
const durationS = Number(values.duration);
const KAFKA_PORT = 19392;

export interface E2eRow {
  /**
   * nominal: one report per terminal every 10 s; capacity: offered more than the pipeline
   * takes, each report written on its own; burst: the same, each terminal writing `burst`
   * reports at once (the runner's --burst), so reads and writes carry many frames
   */
  load: Load;
  burst: number;
  sink: 'embedded' | 'kafka';
  delivery: 'fast' | 'durable';
  terminals: number;
  offeredPerS: number;
  online: number;
  locationFramesPerS: number;
  acksPerS: number;
  latencyMs: { p50: number; p99: number; max: number; count: number };
  gatewayCpuCores: number;
  rssMB: number;
  rssPerKConnectionsKB: number;
  idleRssMB: number;
  errors: Record<string, number>;
  reconnects: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function one(sink: 'embedded' | 'kafka', terminals: number, load: Load): Promise<E2eRow> {
  const offered = load === 'nominal' ? terminals / 10 : load === 'burst' ? burstOfferedBySink[sink]! : offeredBySink[sink]!;
  const burst = load === 'burst' ? BURST : 1;
  const env: Record<string, string> = sink === 'kafka' ? { DIPPER_KAFKA_BROKERS: `127.0.0.1:${KAFKA_PORT}`, DIPPER_DELIVERY: 'durable' } : { DIPPER_DELIVERY: 'fast' };
  const gw = await startGatewayProcess({ env, config: {} });
  try {
    await sleep(1000);
    const idleRss = gw.rssBytes();
    const rampS = Number(values.ramp ?? (terminals >= 10_000 ? 20 : 5));
    const sample = async () => ({ at: performance.now(), cpu: gw.cpuSeconds(), rss: gw.rssBytes(), m: await scrape(gw.ports.http) });
    const samples: Promise<Awaited<ReturnType<typeof sample>> | undefined>[] = [];
    const timers: NodeJS.Timeout[] = [];
    const report = await runLoad({
      port: gw.ports.jt808,
      connections: terminals,
      rate: offered,
      rampS,
      durationS,
      // bursts: one runner process, so that gateway and runner each keep a core (a second
      // runner process competes with the gateway for the two cores and starves it)
      workers: load === 'burst' ? 1 : 2,
      burst,
      onStart: () => {
        // the hold window: from 2 s after the ramp to 1 s before the end (a scrape of a saturated gateway may be slow: kept as a promise)
        for (const at of [rampS + 2, rampS + durationS - 1]) timers.push(setTimeout(() => samples.push(sample().catch(() => undefined)), at * 1000));
      },
    });
    timers.forEach(clearTimeout);
    const [first, last] = await Promise.all(samples);
    if (!first || !last) throw new Error('the gateway did not answer /metrics in the hold window');
    const dt = (last.at - first.at) / 1000;
    const locations = metric(last.m, 'dipper_frames_in_total{msg_id="0x0200"}') - metric(first.m, 'dipper_frames_in_total{msg_id="0x0200"}');
    const acks = metric(last.m, 'dipper_replies_total{kind="0x8001"}') - metric(first.m, 'dipper_replies_total{kind="0x8001"}');
    const online = metric(last.m, 'dipper_sessions_authenticated');
    const row: E2eRow = {
      load,
      burst,
      sink,
      delivery: sink === 'kafka' ? 'durable' : 'fast',
      terminals,
      offeredPerS: offered,
      online,
      locationFramesPerS: Math.round(locations / dt),
      acksPerS: Math.round(acks / dt),
      latencyMs: { p50: report.latencyMs.p50, p99: report.latencyMs.p99, max: report.latencyMs.max, count: report.latencyMs.count },
      gatewayCpuCores: Number(((last.cpu - first.cpu) / dt).toFixed(2)),
      rssMB: Math.round(last.rss / 1048576),
      rssPerKConnectionsKB: Math.round(((last.rss - idleRss) / Math.max(1, online)) * 1000 / 1024),
      idleRssMB: Math.round(idleRss / 1048576),
      errors: report.errors,
      reconnects: report.reconnects,
    };
    console.log(`${load.padEnd(8)} ${sink.padEnd(8)} ${String(terminals).padStart(6)} terminals: ${row.locationFramesPerS.toLocaleString('en-US')} locations/s, p50 ${row.latencyMs.p50} ms, p99 ${row.latencyMs.p99} ms, gateway ${row.gatewayCpuCores} cores, RSS ${row.rssMB} MB (${row.rssPerKConnectionsKB} KB per 1k connections above idle ${row.idleRssMB} MB), online ${online}`);
    return row;
  } finally {
    await gw.stop();
  }
}

export interface MemoryRow {
  terminals: number;
  online: number;
  idleRssMB: number;
  rssMB: number;
  rssPerConnectionKB: number;
  heapUsedMB: number;
}

/** Connections held with one report a minute each: what a connection costs in RSS. */
async function memory(terminals: number): Promise<MemoryRow> {
  const gw = await startGatewayProcess({ env: { DIPPER_DELIVERY: 'fast' } });
  try {
    await sleep(1000);
    const idle = gw.rssBytes();
    const rampS = Math.max(5, Math.ceil(terminals / 1000));
    let rss = NaN;
    let m = new Map<string, number>();
    let timer: NodeJS.Timeout | undefined;
    await runLoad({
      port: gw.ports.jt808,
      connections: terminals,
      rate: terminals / 60,
      rampS,
      durationS: 8,
      workers: 2,
      onStart: () => {
        timer = setTimeout(() => void scrape(gw.ports.http).then((x) => ((m = x), (rss = gw.rssBytes()))), (rampS + 6) * 1000);
      },
    });
    clearTimeout(timer);
    const online = metric(m, 'dipper_connections');
    const row: MemoryRow = { terminals, online, idleRssMB: Math.round(idle / 1048576), rssMB: Math.round(rss / 1048576), rssPerConnectionKB: Number(((rss - idle) / Math.max(1, online) / 1024).toFixed(1)), heapUsedMB: Math.round(metric(m, 'dipper_nodejs_heap_size_used_bytes') / 1048576) };
    console.log(`memory   ${String(terminals).padStart(6)} connections: ${online} open, RSS ${row.rssMB} MB (idle ${row.idleRssMB} MB): ${row.rssPerConnectionKB} KB per connection`);
    return row;
  } finally {
    await gw.stop();
  }
}

async function main(): Promise<void> {
  const rows: E2eRow[] = [];
  const memoryRows: MemoryRow[] = [];
  const failures: { load: string; sink: string; terminals: number; error: string }[] = [];
  if (sinks.includes('embedded')) for (const n of terminalCounts) memoryRows.push(await memory(n));
  if (sinks.includes('kafka')) {
    await script('kafka', 'reset', { KAFKA_PORT: String(KAFKA_PORT) });
    await script('kafka', 'start', { KAFKA_PORT: String(KAFKA_PORT) });
  }
  try {
    for (const sink of sinks)
      for (const n of terminalCounts)
        for (const load of loads) {
          try {
            rows.push(await one(sink, n, load));
          } catch (e) {
            console.log(`${load} ${sink} ${n}: failed: ${(e as Error).message}`);
            failures.push({ load, sink, terminals: n, error: (e as Error).message });
          }
        }
  } finally {
    if (sinks.includes('kafka')) await script('kafka', 'stop', { KAFKA_PORT: String(KAFKA_PORT) });
  }
  mkdirSync('bench/results', { recursive: true });
  // a partial run (some sinks or sizes) replaces its own rows and keeps the others
  try {
    const before = JSON.parse(readFileSync('bench/results/e2e.json', 'utf8')) as { rows: E2eRow[]; memory: MemoryRow[] };
    const key = (r: E2eRow) => `${r.load}/${r.sink}/${r.terminals}`;
    const fresh = new Set(rows.map(key));
    rows.unshift(...before.rows.filter((r) => !fresh.has(key(r))));
    const measured = new Set(memoryRows.map((r) => r.terminals));
    memoryRows.unshift(...before.memory.filter((r) => !measured.has(r.terminals)));
  } catch {
    // no earlier results
  }
  writeFileSync('bench/results/e2e.json', JSON.stringify({ machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadavg: os.loadavg() }, at: new Date().toISOString(), offeredPerS: offeredBySink, burstOfferedPerS: burstOfferedBySink, burst: BURST, durationS, rows, memory: memoryRows, failures }, null, 2) + '\n');
}

await main();
