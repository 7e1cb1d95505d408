/**
 * What the database costs the ingest path (issue 17: within 5 %). One gateway in this process
 * (startServer, as `npm start` composes it) with the database off (StartOptions.database false:
 * no store at all), on the embedded PGlite, and on PostgreSQL from scripts/postgres.sh; the
 * project's load runner in a child process offers more location reports than the gateway takes
 * (so acknowledged reports/s is its capacity), with alarms on: SOS and overspeed episodes
 * that become incidents through the store. Modes alternate round by round (each round in
 * another order), so a machine that slows down during the run slows them all; the median of
 * the rounds is compared with "off"'s. Beside the throughput, the gateway's CPU for each report
 * it acknowledged (this process runs nothing else meanwhile; PostgreSQL's own work is in its
 * server process): on a machine shared with other work it moves least.
 *
 *   npm run bench:store -- [--terminals 1000] [--rate 20000] [--duration 15] [--rounds 3]
 *                          [--sos-per-hour 360] [--speeding-per-hour 360]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { validate } from '../server/config.js';
import { silentLogger } from '../gateway/log.js';
import { startServer } from '../server/server.js';
import { runLoad } from './harness/load-run.js';
import { BENCH_SECRET } from './harness/gateway-process.js';
import { script } from './harness/servers.js';

const { values } = parseArgs({ options: { terminals: { type: 'string', default: '1000' }, rate: { type: 'string', default: '20000' }, duration: { type: 'string', default: '15' }, rounds: { type: 'string', default: '3' }, 'sos-per-hour': { type: 'string', default: '360' }, 'speeding-per-hour': { type: 'string', default: '360' } } });
const PG = { POSTGRES_PORT: '15482' };
type Mode = 'off' | 'pglite' | 'postgres';
const MODES: Mode[] = ['off', 'pglite', 'postgres'];

interface Round {
  acksPerS: number;
  p99: number;
  cpuUsPerAck: number;
  incidents: number;
}

async function round(mode: Mode, pgUrl: string): Promise<Round> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'dipper-bench-store-'));
  const config = validate({ jt808: { host: '127.0.0.1', port: 0 }, http: { host: '127.0.0.1', port: 0 }, mqtt: { host: '127.0.0.1', port: 0, wsPort: 0 }, dataDir, auth: { secret: BENCH_SECRET }, log: { level: 'silent' }, database: { url: mode === 'postgres' ? pgUrl : '' } });
  const server = await startServer(config, silentLogger(), { database: mode !== 'off' });
  // location reports the gateway decoded (its own counter; each is answered once its sinks have it)
  const acknowledged = async () => {
    const m = await server.gateway.metrics.registry.getSingleMetric('dipper_frames_in_total')!.get();
    return m.values.filter((v) => v.labels.msg_id === '0x0200').reduce((n, v) => n + v.value, 0);
  };
  try {
    const acks0 = await acknowledged();
    const cpu0 = process.cpuUsage();
    const report = await runLoad({ port: server.ports.jt808, connections: Number(values.terminals), rate: Number(values.rate), rampS: 5, durationS: Number(values.duration), extraArgs: ['--sos-per-hour', values['sos-per-hour'], '--speeding-per-hour', values['speeding-per-hour']] });
    const cpu = process.cpuUsage(cpu0);
    const cpuUsPerAck = Number(((cpu.user + cpu.system) / Math.max(1, (await acknowledged()) - acks0)).toFixed(2));
    const incidents = server.store ? (await server.store.db.query<{ n: number }>('SELECT count(*)::int AS n FROM incidents'))[0]!.n : 0;
    return { acksPerS: report.throughput.repliesPerS, p99: report.latencyMs.p99, cpuUsPerAck, incidents };
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await script('postgres', 'start', PG);
try {
  const pgUrl = (await script('postgres', 'url', PG)).trim();
  // a clean slate for each run: the cluster under .servers/ outlives it
  const reset = await import('../store/postgres.js').then((m) => m.openPostgres(pgUrl, 1, () => {}));
  await reset.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  await reset.close();
  const results: Record<Mode, Round[]> = { off: [], pglite: [], postgres: [] };
  for (let r = 0; r < Number(values.rounds); r++) {
    // each round starts with another mode: none is always first (a cold machine) or last
    for (const mode of [...MODES.slice(r % MODES.length), ...MODES.slice(0, r % MODES.length)]) {
      const got = await round(mode, pgUrl);
      results[mode].push(got);
      console.log(`round ${r + 1} ${mode.padEnd(8)} ${Math.round(got.acksPerS)} acks/s  p99 ${got.p99} ms  ${got.cpuUsPerAck} µs of gateway CPU a report  incidents ${got.incidents}`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const off = median(results.off.map((x) => x.acksPerS));
  const cpuOff = median(results.off.map((x) => x.cpuUsPerAck));
  const rows = MODES.map((mode) => {
    const cpuUsPerAck = median(results[mode].map((x) => x.cpuUsPerAck));
    return { mode, acksPerS: Math.round(median(results[mode].map((x) => x.acksPerS))), p99Ms: median(results[mode].map((x) => x.p99)), ratioToOff: Number((median(results[mode].map((x) => x.acksPerS)) / off).toFixed(3)), cpuUsPerAck, cpuRatioToOff: Number((cpuOff / cpuUsPerAck).toFixed(3)), incidents: results[mode].map((x) => x.incidents) };
  });
  console.log('\n| database | acks/s (median) | vs off | gateway CPU a report (median) | reports a CPU-second vs off | p99 ms |\n| --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(`| ${row.mode} | ${row.acksPerS} | ${row.ratioToOff} | ${row.cpuUsPerAck} µs | ${row.cpuRatioToOff} | ${row.p99Ms} |`);
  writeFileSync('bench/results/store.json', JSON.stringify({ machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadavg: os.loadavg() }, at: new Date().toISOString(), settings: values, rows, rounds: results }, null, 2) + '\n');
} finally {
  await script('postgres', 'stop', PG);
}
