/**
 * `npm run load -- [options]`: a load test against a gateway. A target number of connections
 * and a rate of location reports, reached over a ramp-up and held for a duration (or a
 * number of messages per connection), spread over worker processes and loopback source
 * addresses (load-plan.ts says why). Measures throughput, frame -> 0x8001 latency
 * (p50/p95/p99 from merged histograms), errors, reconnects and replies by kind; a live line
 * on a TTY, a summary table at the end and `--report file.json`. SIGINT stops gracefully:
 * the workers stop sending, collect outstanding answers, log out, and the report is written.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SCENARIO_HELP, SCENARIO_OPTIONS, overridesFrom } from './args.js';
import { planLoad } from './load-plan.js';
import type { FromWorker, ToWorker } from './load-worker.js';
import { buildReport, progressLine, summaryTable, writeReport } from './report.js';
import { buildScenario, readScenarioFile } from './scenario.js';
import type { StatsSnapshot } from './stats.js';
import { mergeSnapshots, total } from './stats.js';

const HELP = `usage: npm run load -- [options]

  --connections N          terminals to hold open (default 1000)
  --rate R                 location reports per second, all terminals together (default N/10)
  --ramp S                 seconds to open every connection (default 10)
  --duration S             seconds to run after the ramp (default 60; Ctrl-C stops early)
  --messages N             instead: stop after N reports per connection
  --workers W              at least W worker processes (default: one per 19,000 connections)
  --per-worker N           sockets per worker (default 19000: a process may open 20,000 files)
  --per-address N          connections per source address 127.0.0.x (default 500 = the gateway's maxPerIp)
Other behaviour (alarms, blind areas, photos, active safety) is off unless asked for:
${SCENARIO_HELP}
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { ...SCENARIO_OPTIONS, connections: { type: 'string' }, rate: { type: 'string' }, messages: { type: 'string' }, workers: { type: 'string' }, 'per-worker': { type: 'string' }, 'per-address': { type: 'string' } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const int = (name: string, v: string | undefined, dflt: number) => {
    const n = v === undefined ? dflt : Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
    return n;
  };
  const connections = int('connections', values.connections, 1000);
  const rate = int('rate', values.rate, connections / 10);
  const durationS = values.messages ? null : int('duration', values.duration, 60);
  const quiet = { alarms: { sosPerHour: 0, speedingPerHour: 0 }, blindArea: { perHour: 0 }, photos: { perHour: 0 }, activeSafety: { share: 0 }, walkers: 0, rampS: 10 };
  const base = buildScenario(quiet, values.scenario ? readScenarioFile(values.scenario) : {}, overridesFrom({ ...values, duration: undefined }), {
    name: 'load',
    vehicles: connections,
    walkers: 0,
    intervalS: connections / rate,
    ticks: values.messages ? int('messages', values.messages, 1) : null,
    durationS: null,
  });
  const loopback = base.target.host.startsWith('127.');
  const plan = planLoad({ connections, perWorker: int('per-worker', values['per-worker'], 19_000), perAddress: int('per-address', values['per-address'], 500), minWorkers: int('workers', values.workers, 1), loopback });

  const workerPath = fileURLToPath(new URL('./load-worker.ts', import.meta.url));
  const latest = new Map<number, StatsSnapshot>();
  const finals = new Map<number, StatsSnapshot>();
  const children: ChildProcess[] = [];
  let allFinal!: () => void;
  const finished = new Promise<void>((resolve) => (allFinal = resolve));
  for (const share of plan) {
    // the runner's own node flags (e.g. --cpu-prof) carry over to its workers
    const child = fork(workerPath, [], { execArgv: [...process.execArgv.filter((a) => a.startsWith('--cpu-prof') || a.startsWith('--max-')), '--import', import.meta.resolve('tsx')], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    child.on('message', (m: FromWorker) => {
      if (m.type === 'stats') latest.set(share.worker, m.snap);
      else if (m.type === 'final') {
        finals.set(share.worker, m.snap);
        latest.set(share.worker, m.snap);
        if (finals.size === plan.length) allFinal();
      } else process.stderr.write(`worker ${share.worker}: ${m.message}\n`);
    });
    child.on('exit', () => {
      if (!finals.has(share.worker)) {
        finals.set(share.worker, latest.get(share.worker) ?? mergeSnapshots([]));
        if (finals.size === plan.length) allFinal();
      }
    });
    const scenario = { ...base, vehicles: share.count, phoneOffset: base.phoneOffset + share.first, localAddresses: share.addresses, firstLocalAddress: share.firstAddress };
    child.send({ type: 'start', scenario } satisfies ToWorker);
  }
  const startedAt = Date.now();
  const tty = process.stderr.isTTY;
  process.stderr.write(
    `load: ${connections} connections over ${plan.length} worker(s)${loopback ? ` and ${plan.reduce((a, s) => a + s.addresses, 0)} source addresses` : ''}, ${rate} reports/s (every ${base.intervalS.toFixed(2)} s each), ramp ${base.rampS} s, ${durationS !== null ? `${durationS} s` : `${base.ticks} reports each`} -> ${base.target.transport}://${base.target.host}:${base.target.port}\n`,
  );

  let stoppedBy = 'messages';
  const stop = (why: string) => {
    if (why === 'SIGINT' && stoppedBy === 'SIGINT') process.exit(130); // a second Ctrl-C: stop waiting
    if (stoppedBy !== 'messages') return;
    stoppedBy = why;
    for (const c of children) if (c.connected) c.send({ type: 'stop' } satisfies ToWorker);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const timer = durationS !== null ? setTimeout(() => stop('duration'), (base.rampS + durationS) * 1000) : undefined;

  let lastSent = 0;
  let lastAt = startedAt;
  const progress = setInterval(() => {
    const snap = mergeSnapshots([...latest.values()]);
    const now = Date.now();
    const sent = total(snap.sent);
    if (tty) process.stderr.write(`\r${progressLine((now - startedAt) / 1000, snap, snap.histogram, ((sent - lastSent) * 1000) / Math.max(1, now - lastAt))}\x1b[K`);
    lastSent = sent;
    lastAt = now;
  }, 1000);

  await finished;
  clearTimeout(timer);
  clearInterval(progress);
  if (tty) process.stderr.write('\n');
  const merged = mergeSnapshots([...finals.values()]);
  const report = buildReport('dipper-load', merged, merged.histogram, {
    startedAt,
    endedAt: Date.now(),
    stoppedBy,
    workers: plan.length,
    settings: { connections, rate, rampS: base.rampS, durationS, messages: base.ticks, intervalS: base.intervalS, target: base.target, edition2019Share: base.edition2019Share, seed: base.seed, plan: plan.map((s) => ({ worker: s.worker, terminals: s.count, sources: s.addresses ? `127.0.0.${s.firstAddress}-127.0.0.${s.firstAddress + s.addresses - 1}` : 'system' })) },
  });
  process.stdout.write(summaryTable(report) + '\n');
  if (values.report) writeReport(values.report, report);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`load: ${(e as Error).message}\n`);
    process.exit(2);
  },
);
