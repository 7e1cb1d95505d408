/**
 * `npm run bench`: every benchmark, one after another (they would fight over the two cores if
 * run together), then bench/results.json (all results/*.json in one document) and
 * bench/results.md (the summary table README's "Benchmarks" section shows).
 *
 *   npm run bench                          # codec, metrics, tiles, sinks, store, nearest, duty, e2e, blast, floods, cluster
 *   npm run bench -- --only codec,e2e      # some of them
 *   npm run bench -- --collect             # only rebuild results.json/.md from bench/results/
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';

const SUITES: Record<string, string[]> = {
  codec: ['--import', 'tsx', 'bench/codec.bench.ts'],
  metrics: ['--import', 'tsx', 'bench/metrics.bench.ts'],
  tiles: ['--expose-gc', '--import', 'tsx', 'bench/tiles.bench.ts'],
  sinks: ['--import', 'tsx', 'bench/sinks.bench.ts'],
  store: ['--import', 'tsx', 'bench/store.bench.ts'],
  nearest: ['--import', 'tsx', 'bench/nearest.bench.ts'],
  duty: ['--import', 'tsx', 'bench/duty.bench.ts'],
  e2e: ['--import', 'tsx', 'bench/e2e.bench.ts'],
  blast: ['--import', 'tsx', 'bench/blast.ts'],
  floods: ['--import', 'tsx', 'bench/floods.ts'],
  cluster: ['--import', 'tsx', 'bench/cluster.ts'],
};

const { values } = parseArgs({ options: { only: { type: 'string' }, collect: { type: 'boolean', default: false } } });
const chosen = values.only ? values.only.split(',') : Object.keys(SUITES);
const failed: string[] = [];
if (!values.collect) {
  for (const name of chosen) {
    const args = SUITES[name];
    if (!args) throw new Error(`unknown benchmark ${name}: one of ${Object.keys(SUITES).join(', ')}`);
    console.log(`\n== ${name}`);
    const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
    if (r.status !== 0) failed.push(`${name} (exit ${r.status})`);
  }
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const read = (name: string): Json | undefined => (existsSync(`bench/results/${name}.json`) ? (JSON.parse(readFileSync(`bench/results/${name}.json`, 'utf8')) as Json) : undefined);
const all: Json = { machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, os: `${os.type()} ${os.release()}` }, collectedAt: new Date().toISOString() };
for (const f of readdirSync('bench/results').filter((f) => f.endsWith('.json')).sort()) all[f.replace(/\.json$/, '')] = read(f.replace(/\.json$/, ''));
writeFileSync('bench/results.json', JSON.stringify(all, null, 2) + '\n');

const n = (x: number | undefined, digits = 0) => (x === undefined || Number.isNaN(x) ? '–' : x.toLocaleString('en-US', { maximumFractionDigits: digits }));
// each result keeps the machine and the day of its own run: benchmarks are run one by one, on different days
const ran = Object.entries(all)
  .filter(([k, v]) => k !== 'machine' && k !== 'collectedAt' && typeof v === 'object' && v !== null && (v.at || v.machine))
  .map(([k, v]) => `${k} ${String(v.at ?? '').slice(0, 10) || '?'}${v.machine?.node ? ` (Node ${v.machine.node})` : ''}`);
const md: string[] = [`Collected by \`npm run bench\` on ${all.collectedAt.slice(0, 10)} (${all.machine.cpus} vCPU ${all.machine.cpu}, ${all.machine.memGiB} GiB, Node ${all.machine.node}); every server, simulator and gateway on the same 2-core machine, shared with other work. Each table is from its own benchmark's latest run: ${ran.join(', ')}.`, ''];

const e2e = all.e2e as Json | undefined;
if (e2e) {
  md.push('**End to end** (load runner -> one gateway process -> sink; gateway CPU in cores; latency frame -> 0x8001 as the terminals saw it):', '');
  md.push('| load | sink (ack) | terminals | location frames/s | p50 ms | p99 ms | gateway CPU (per 1k connections) | gateway RSS MB (per 1k connections, above idle) |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
  const order = (r: Json) => `${r.sink === 'embedded' ? 0 : 1}/${String(r.terminals).padStart(6, '0')}/${r.load === 'nominal' ? 0 : r.load === 'capacity' ? 1 : 2}`;
  const loadLabel = (r: Json) => (r.load === 'nominal' ? 'nominal (1 per 10 s each)' : r.load === 'burst' ? `capacity, ${r.burst} reports per write (${n(r.offeredPerS)}/s offered)` : `capacity (${n(r.offeredPerS)}/s offered)`);
  for (const r of [...(e2e.rows as Json[])].sort((a, b) => order(a).localeCompare(order(b)))) md.push(`| ${loadLabel(r)} | ${r.sink} (${r.delivery}) | ${n(r.terminals)}${r.online < r.terminals ? ` (${n(r.online)} logged in)` : ''} | ${n(r.locationFramesPerS)} | ${n(r.latencyMs.p50, 1)} | ${n(r.latencyMs.p99, 1)} | ${r.gatewayCpuCores} (${(r.gatewayCpuCores / Math.max(1, r.online / 1000)).toFixed(3)}) | ${r.rssMB} (${(r.rssPerKConnectionsKB / 1024).toFixed(1)}) |`);
  md.push('', 'Under load, RSS above idle is mostly what is in flight (socket buffers, the sink queue, the live index and map), not the connections themselves: the next table measures those alone.');
  md.push('', '**Connection memory** (terminals logged in, one report a minute each; RSS above the idle gateway):', '', '| connections | RSS MB (idle) | per connection |', '| --- | --- | --- |');
  for (const r of [...(e2e.memory as Json[])].sort((a, b) => a.terminals - b.terminals)) md.push(`| ${n(r.online)} | ${r.rssMB} (${r.idleRssMB}) | ${r.rssPerConnectionKB} KB |`);
  md.push('');
}
const blast = all.blast as Json | undefined;
if (blast) {
  md.push('**Gateway ceiling** (`npm run bench:blast`: pre-encoded reports, a window in flight per connection, answers counted not decoded, so the generator is not the limit):', '', '| sink (ack) | connections | window | location frames/s acknowledged | gateway CPU | gateway RSS MB |', '| --- | --- | --- | --- | --- | --- |');
  for (const r of blast.rows as Json[]) md.push(`| ${r.sink} (${r.delivery}) | ${n(r.connections)} | ${r.window} | ${n(r.acksPerS)} | ${r.gatewayCpuCores} | ${r.rssMB} |`);
  md.push('');
}
const clusterRun = all.cluster as Json | undefined;
if (clusterRun) md.push(`**node:cluster** (\`npm run bench:cluster\`: one gateway with \`DIPPER_WORKERS=${clusterRun.workers}\`, a primary accepting for ${clusterRun.workers} gateway workers, Mosquitto as their shared broker): ${n(clusterRun.peakAuthenticated)} of ${n(clusterRun.connections)} terminals authenticated at once (${(clusterRun.peakPerWorker as number[]).map((x) => n(x)).join(' + ')}), primary and workers' RSS together ${n(clusterRun.rssAtPeakMB)} MB; load runner errors: ${Object.keys(clusterRun.loadErrors as object).length ? JSON.stringify(clusterRun.loadErrors) : 'none'}.`, '');
const codec = all.codec as Json | undefined;
if (codec) {
  md.push('**Codec** (one core):', '', '| case | rate |', '| --- | --- |');
  for (const r of codec.results as Json[]) md.push(`| ${r.name} | ${n(r.rate)} ${r.unit}/s |`);
  md.push('');
}
const sinks = all.sinks as Json | undefined;
if (sinks) {
  md.push('**Sinks** (batches of 500, one in flight):', '', '| sink | messages/s | batch p50 / p99 ms |', '| --- | --- | --- |');
  for (const r of sinks.results as Json[]) md.push(`| ${r.sink} | ${n(r.rate)} | ${n(r.batchP50, 1)} / ${n(r.batchP99, 1)} |`);
  md.push('');
}
const tiles = all.tiles as Json | undefined;
if (tiles) {
  md.push('**Tiles and live index**:', '', '| terminals | index inserts/s | moves/s | tile cache | tile p50 / p99 ms | tiles/s under load |', '| --- | --- | --- | --- | --- | --- |');
  for (const t of tiles.tiles as Json[]) {
    const ix = (tiles.index as Json[]).find((i) => i.terminals === t.terminals) ?? {};
    md.push(`| ${n(t.terminals)} | ${n(ix.insertPerSec)} | ${n(ix.movePerSec)} | ${t.cache} | ${t.p50ms} / ${t.p99ms} | ${n(t.tilesPerSec)} |`);
  }
  md.push('');
}
const store = all.store as Json | undefined;
if (store) {
  md.push(`**Database on the ingest path** (\`npm run bench:store\`: ${store.settings.terminals} terminals offering ${store.settings.rate} reports/s with SOS and overspeed episodes becoming incidents; medians of ${store.settings.rounds} alternating rounds):`, '', '| database | acknowledged reports/s | vs off | gateway CPU a report | reports a CPU-second vs off |', '| --- | --- | --- | --- | --- |');
  for (const r of store.rows as Json[]) md.push(`| ${r.mode} | ${n(r.acksPerS)} | ${r.ratioToOff} | ${r.cpuUsPerAck === undefined ? '–' : `${r.cpuUsPerAck} µs`} | ${r.cpuRatioToOff ?? '–'} |`);
  md.push('');
}
const nearest = all.nearest as Json | undefined;
if (nearest) {
  md.push(`**Nearest free units** (\`npm run bench:nearest\`: ${n(Number(nearest.settings.terminals))} terminals, ${n(Number(nearest.settings.queries))} queries for the ${nearest.settings.k} nearest; both engines found the same units: ${nearest.mismatches === 0 ? 'yes' : `no, ${nearest.mismatches} mismatches`}):`, '', '| engine | build ms | query p50 / p99 ms |', '| --- | --- | --- |');
  for (const r of nearest.rows as Json[]) md.push(`| ${r.engine} | ${n(r.buildMs)} (${r.note}) | ${r.p50} / ${r.p99} |`);
  md.push('');
}
const duty = all.duty as Json | undefined;
if (duty) {
  md.push(`**Duty areas at ingest** (\`npm run bench:duty\`: ${n(duty.watch.areas)} areas, ${n(duty.watch.units)} assigned terminals; the check alone ${(duty.check.nsPerReport / 1000).toFixed(1)} µs a report, ${Math.round(duty.check.exactShare * 100)} % needing the exact test; side by side in one gateway, medians of ${duty.settings.rounds} rounds):`, '', '| area checks | acknowledged reports/s | vs off | gateway CPU a report | reports a CPU-second vs off |', '| --- | --- | --- | --- | --- |');
  for (const r of duty.rows as Json[]) md.push(`| ${r.checks} | ${n(r.acksPerS)} | ${r.ratioToOff} | ${r.cpuUsPerAck} µs | ${r.cpuRatioToOff} |`);
  md.push('');
}
const metrics = all.metrics as Json | undefined;
if (metrics) md.push(`**Metrics overhead**: ${n(metrics.nsPerFrame)} ns per frame (${Math.round((1 - metrics.ratio) * 100)}% of the bare session path), a scrape ${metrics.scrapeMs} ms.`, '');
const fuzz = all.fuzz as Json | undefined;
if (fuzz) md.push(`**Fuzzing** (\`npm run fuzz\`, ${fuzz.verdict}): ${n(fuzz.codec.inputs)} codec inputs and ${n(fuzz.session.inputs)} session-layer inputs in ${n(fuzz.session.sessions)} sessions (${n(fuzz.session.inputsPerSecond)}/s over ${fuzz.session.workers} workers), ${fuzz.session.crashes.length} crashes, ${fuzz.hangs} hangs, ${fuzz.session.probeFailures} unanswered probes; decode errors ${Object.entries(fuzz.session.decodeErrors as Record<string, number>).map(([k, v]) => `${k} ${n(v)}`).join(', ')}; sessions closed by the gateway ${Object.entries(fuzz.session.closedBy as Record<string, number>).map(([k, v]) => `${k} ${n(v)}`).join(', ')}.`, '');
const floods = all.floods as Json | undefined;
if (floods) {
  md.push(`**Floods** (a well-behaved terminal reporting every 20 ms; unloaded ack latency p50 ${floods.baselineMs.p50} ms, p99 ${floods.baselineMs.p99} ms):`, '', '| flood | what | probe p50 / p99 ms | p50 vs unloaded | gateway | verdict |', '| --- | --- | --- | --- | --- | --- |');
  for (const f of floods.floods as Json[]) md.push(`| ${f.name} | ${f.what} | ${f.latencyMs.p50} / ${f.latencyMs.p99} | ${(f.latencyMs.p50 / floods.baselineMs.p50).toFixed(2)}x | ${f.gatewayUp ? 'up' : 'DOWN'} | ${f.verdict} |`);
  md.push('');
}
const chaos = Object.keys(all).filter((k) => k.startsWith('chaos-'));
const slowKinds = (c: Json) => {
  const kinds = /SLOW=([a-z,]+)/.exec((c.notes as string[]).join(' '))?.[1]?.split(',') ?? ['mqtt', 'sse'];
  return kinds.map((k) => (k === 'mqtt' ? '20 MQTT subscribers' : '20 stream clients')).join(' and ');
};
if (chaos.length) {
  md.push('**Chaos** (50 terminals reporting every 100 ms; every acknowledged report read back from the sink afterwards):', '', '| fault | sink (ack) | acknowledged | lost | recovery: every terminal acknowledged again | verdict |', '| --- | --- | --- | --- | --- | --- |');
  for (const k of chaos) {
    const c = all[k] as Json;
    if (c.name === 'slow-consumer') md.push(`| slow consumers (${slowKinds(c)}, not reading) | embedded (fast) | ${n(c.acknowledgedDuring)} in 20 s | – | probe p50 ${c.probeBeforeMs?.p50} -> ${c.probeDuringMs?.p50} ms, ${c.probeDuringMs?.unanswered} unanswered, ${c.reporterReconnects} terminals timed out | ${c.verdict} |`);
    else md.push(`| ${c.name} | ${c.sink ?? 'kafka'} (${c.delivery ?? 'durable'}) | ${n(c.acknowledged)} | ${c.lost ?? '–'} | ${n(c.recoveryMs)} ms | ${c.verdict} |`);
  }
  md.push('');
}
const soak = all.soak as Json | undefined;
if (soak) md.push(`**Soak** (\`npm run soak -- --minutes ${soak.minutes}\`, ${n(soak.connections)} terminals, ${soak.rate} reports/s): ${soak.verdict}; last quarter vs second: RSS ${soak.drift.rssPct}%, heap ${soak.drift.heapPct}%, handles ${soak.drift.handlesPct}%, open files ${soak.drift.filesPct}%.`, '');
writeFileSync('bench/results.md', md.join('\n'));
// README shows the same table, between its markers (only that span is rewritten)
const readme = readFileSync('README.md', 'utf8');
const span = /(<!-- bench-results:start -->\n)[\s\S]*?(<!-- bench-results:end -->)/;
if (span.test(readme)) writeFileSync('README.md', readme.replace(span, (_, a: string, b: string) => `${a}${md.join('\n')}\n${b}`));
console.log(`\nwrote bench/results.json and bench/results.md${failed.length ? `; failed: ${failed.join(', ')}` : ''}`);
process.exit(failed.length ? 1 : 0);
