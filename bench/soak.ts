/**
 * `npm run soak -- --minutes N`: one gateway process under steady load (the load runner:
 * 2,000 terminals, 500 reports/s) for N minutes; every 10 s its RSS, V8 heap used, active
 * handles and open files are sampled. Verdict "flat": after the first quarter (warm-up), the
 * last quarter's mean RSS and heap are within 20% of the second quarter's, and handles and
 * files within 5%. Writes bench/results/soak.json; exit 1 when not flat.
 *
 *   npm run soak -- [--minutes 5] [--connections 2000] [--rate 500]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startGatewayProcess } from './harness/gateway-process.js';
import { runLoad } from './harness/load-run.js';
import { metric, scrape } from './harness/metrics.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '5' }, connections: { type: 'string', default: '2000' }, rate: { type: 'string', default: '500' } } });
const minutes = Number(values.minutes);
const connections = Number(values.connections);
const rate = Number(values.rate);

interface Sample {
  s: number;
  rssMB: number;
  heapMB: number;
  handles: number;
  files: number;
  sessions: number;
  framesIn: number;
}

const gw = await startGatewayProcess({ env: { DIPPER_DELIVERY: 'fast' } });
const samples: Sample[] = [];
const started = Date.now();
const sampler = setInterval(() => {
  void scrape(gw.ports.http).then(
    (m) => {
      const s: Sample = { s: Math.round((Date.now() - started) / 1000), rssMB: Math.round(gw.rssBytes() / 104857.6) / 10, heapMB: Math.round(metric(m, 'dipper_nodejs_heap_size_used_bytes') / 104857.6) / 10, handles: metric(m, 'dipper_nodejs_active_handles'), files: gw.openFiles(), sessions: metric(m, 'dipper_sessions_authenticated'), framesIn: metric(m, 'dipper_frames_in_total') };
      samples.push(s);
      console.log(`${String(s.s).padStart(5)} s  RSS ${s.rssMB} MB  heap ${s.heapMB} MB  handles ${s.handles}  files ${s.files}  sessions ${s.sessions}  frames ${s.framesIn}`);
    },
    () => undefined,
  );
}, 10_000);
let report;
try {
  report = await runLoad({ port: gw.ports.jt808, connections, rate, rampS: 10, durationS: Math.max(30, minutes * 60 - 10), workers: 1 });
} finally {
  clearInterval(sampler);
  await gw.stop();
}

const loaded = samples.filter((s) => s.s > 20);
const q = Math.floor(loaded.length / 4);
const mean = (xs: Sample[], k: keyof Sample) => xs.reduce((a, x) => a + x[k], 0) / Math.max(1, xs.length);
const second = loaded.slice(q, 2 * q);
const last = loaded.slice(loaded.length - q);
const growth = (k: keyof Sample) => Number(((mean(last, k) / mean(second, k) - 1) * 100).toFixed(1));
const drift = { rssPct: growth('rssMB'), heapPct: growth('heapMB'), handlesPct: growth('handles'), filesPct: growth('files') };
const flat = q > 0 && drift.rssPct < 20 && drift.heapPct < 20 && Math.abs(drift.handlesPct) <= 5 && Math.abs(drift.filesPct) <= 5;
console.log(`${flat ? 'FLAT' : 'NOT FLAT'}: last quarter vs second quarter: RSS ${drift.rssPct}%, heap ${drift.heapPct}%, handles ${drift.handlesPct}%, files ${drift.filesPct}%; ${report.framesSent} frames, p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms, errors ${JSON.stringify(report.errors)}`);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/soak.json', JSON.stringify({ at: new Date().toISOString(), minutes, connections, rate, verdict: flat ? 'flat' : 'not flat', drift, frames: report.framesSent, latencyMs: report.latencyMs, errors: report.errors, reconnects: report.reconnects, samples }, null, 2) + '\n');
process.exit(flat ? 0 : 1);
