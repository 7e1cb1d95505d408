/**
 * `npm run bench:cluster`: many connections over the gateway's own cluster mode. One gateway
 * (`server/main.ts`, as `npm start` runs it) with DIPPER_WORKERS=N: the primary accepts on
 * the shared ports and hands each socket to a worker, so one machine holds more than the
 * ~19,900 sockets one process may open here. More than one worker needs an external MQTT
 * broker: Mosquitto from scripts/mosquitto.sh. The load runner logs in `--connections`
 * terminals (one report a minute each); the workers' authenticated sessions are read from
 * /metrics (each scrape reaches one worker, so the workers are scraped until each has been
 * seen). Writes bench/results/cluster.json.
 *
 *   npm run bench:cluster -- [--connections 50000] [--workers 3] [--ramp 60] [--hold 20]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { parseArgs } from 'node:util';
import { startGatewayProcess } from './harness/gateway-process.js';
import { runLoad } from './harness/load-run.js';
import { metric, parseMetrics } from './harness/metrics.js';
import { script } from './harness/servers.js';

const { values } = parseArgs({ options: { connections: { type: 'string', default: '50000' }, workers: { type: 'string', default: '3' }, ramp: { type: 'string', default: '60' }, hold: { type: 'string', default: '20' } } });
const connections = Number(values.connections);
const workers = Number(values.workers);
const rampS = Number(values.ramp);
const holdS = Number(values.hold);
const MOSQUITTO_PORT = '11893';

/** /metrics on a new connection each time (a kept-alive one would always reach the same worker). */
function scrapeFresh(port: number): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve(parseMetrics(text)));
    }).on('error', reject);
  });
}

/** Authenticated sessions per worker: scrape until every worker answered (round robin spreads the scrapes). */
async function perWorker(http: number): Promise<Map<number, number>> {
  const seen = new Map<number, number>();
  for (let i = 0; i < workers * 20 && seen.size < workers; i++) {
    const m = await scrapeFresh(http);
    seen.set(metric(m, 'dipper_process_pid'), metric(m, 'dipper_sessions_authenticated'));
  }
  return seen;
}

await script('mosquitto', 'start', { MOSQUITTO_PORT });
const gw = await startGatewayProcess({ env: { DIPPER_WORKERS: String(workers), DIPPER_MQTT_URL: `mqtt://127.0.0.1:${MOSQUITTO_PORT}`, DIPPER_DELIVERY: 'fast' } });
let peak = 0;
let peakPerWorker: number[] = [];
let rssAtPeak = 0;
let sampling = true;
const sampler = (async () => {
  while (sampling) {
    await new Promise((r) => setTimeout(r, 2000));
    const per = await perWorker(gw.ports.http).catch(() => new Map<number, number>());
    const total = [...per.values()].reduce((a, b) => a + b, 0);
    if (per.size === workers && total > peak) {
      peak = total;
      peakPerWorker = [...per.values()];
      rssAtPeak = gw.rssBytes();
    }
    process.stderr.write(`\rauthenticated sessions: ${total} (${[...per.values()].join(' + ')})   `);
  }
})();
let report;
try {
  report = await runLoad({ port: gw.ports.jt808, connections, rate: connections / 60, rampS, durationS: holdS, workers: Math.max(3, Math.ceil(connections / 19_000)) });
} finally {
  sampling = false;
  await sampler;
  process.stderr.write('\n');
  await gw.stop();
  await script('mosquitto', 'stop', { MOSQUITTO_PORT });
}
const result = { at: new Date().toISOString(), mode: 'DIPPER_WORKERS', connections, workers, peakAuthenticated: peak, peakPerWorker, rssAtPeakMB: Math.round(rssAtPeak / 1048576), rssPerConnectionKB: Number((rssAtPeak / Math.max(1, peak) / 1024).toFixed(1)), loadErrors: report.errors, reconnects: report.reconnects, latencyMs: report.latencyMs };
console.log(`peak ${peak} authenticated sessions over ${workers} workers (${peakPerWorker.join(' + ')}), gateway RSS (primary and workers) ${result.rssAtPeakMB} MB; load errors ${JSON.stringify(report.errors)}`);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/cluster.json', JSON.stringify(result, null, 2) + '\n');
process.exit(peak >= connections ? 0 : 1);
