/**
 * `npm run bench:cluster`: many connections over a node:cluster of gateway workers. The gateway
 * has no cluster mode of its own; this launcher (bench only) forks `--workers` processes that
 * each run the whole gateway (`startServer`, as `npm start` does) on shared loopback ports (the
 * cluster primary hands each accepted socket to a worker, round robin), so one machine can hold
 * more than the ~19,900 sockets one process may open here. The load runner then logs in
 * `--connections` terminals (one report a minute each) and the workers' authenticated sessions
 * are summed. Writes bench/results/cluster.json.
 *
 *   npm run bench:cluster -- [--connections 50000] [--workers 3] [--ramp 60] [--hold 20]
 */
import cluster from 'node:cluster';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { validate } from '../gateway/config.js';
import { createLogger } from '../gateway/log.js';
import { startServer } from '../gateway/server.js';
import { runLoad } from './harness/load-run.js';

type FromWorker = { sessions: number; rss: number };

if (cluster.isWorker) {
  const config = validate(JSON.parse(process.env.DIPPER_CLUSTER_CONFIG!));
  const server = await startServer(config, createLogger('warn', false));
  const timer = setInterval(() => process.send!({ sessions: server.gateway.sessions.size, rss: process.memoryUsage.rss() } satisfies FromWorker), 1000);
  process.on('SIGTERM', () => {
    clearInterval(timer);
    void server.close().then(() => process.exit(0));
  });
} else {
  const { values } = parseArgs({ options: { connections: { type: 'string', default: '50000' }, workers: { type: 'string', default: '3' }, ramp: { type: 'string', default: '60' }, hold: { type: 'string', default: '20' } } });
  const connections = Number(values.connections);
  const workers = Number(values.workers);
  const rampS = Number(values.ramp);
  const holdS = Number(values.hold);
  const freePort = () =>
    new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
  const dataDir = mkdtempSync(join(tmpdir(), 'dipper-cluster-'));
  const ports = { jt808: await freePort(), http: await freePort(), mqtt: await freePort(), ws: await freePort() };
  const config = { jt808: { host: '127.0.0.1', port: ports.jt808, udp: false }, http: { host: '127.0.0.1', port: ports.http }, mqtt: { host: '127.0.0.1', port: ports.mqtt, wsPort: ports.ws }, dataDir, auth: { secret: 'bench-secret' }, log: { level: 'warn' } };
  cluster.setupPrimary({ execArgv: ['--import', 'tsx'] });
  const latest = new Map<number, FromWorker>();
  for (let w = 0; w < workers; w++) {
    const worker = cluster.fork({ DIPPER_CLUSTER_CONFIG: JSON.stringify(config) });
    worker.on('message', (m: FromWorker) => latest.set(worker.id, m));
  }
  while (latest.size < workers) await new Promise((r) => setTimeout(r, 200));
  console.log(`${workers} gateway workers on 127.0.0.1:${ports.jt808}`);
  let peak = 0;
  let peakPerWorker: number[] = [];
  let rssAtPeak = 0;
  const sampler = setInterval(() => {
    const all = [...latest.values()];
    const total = all.reduce((a, m) => a + m.sessions, 0);
    if (total > peak) {
      peak = total;
      peakPerWorker = all.map((m) => m.sessions);
      rssAtPeak = all.reduce((a, m) => a + m.rss, 0);
    }
    process.stderr.write(`\rauthenticated sessions: ${total} (${all.map((m) => m.sessions).join(' + ')})   `);
  }, 1000);
  const report = await runLoad({ port: ports.jt808, connections, rate: connections / 60, rampS, durationS: holdS, workers: Math.max(3, Math.ceil(connections / 19_000)) });
  clearInterval(sampler);
  process.stderr.write('\n');
  for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 3000));
  rmSync(dataDir, { recursive: true, force: true });
  const result = { at: new Date().toISOString(), connections, workers, peakAuthenticated: peak, peakPerWorker, rssAtPeakMB: Math.round(rssAtPeak / 1048576), rssPerConnectionKB: Number((rssAtPeak / Math.max(1, peak) / 1024).toFixed(1)), loadErrors: report.errors, reconnects: report.reconnects, latencyMs: report.latencyMs };
  console.log(`peak ${peak} authenticated sessions over ${workers} workers (${peakPerWorker.join(' + ')}), workers' RSS ${result.rssAtPeakMB} MB; load errors ${JSON.stringify(report.errors)}`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/cluster.json', JSON.stringify(result, null, 2) + '\n');
  process.exit(peak >= connections ? 0 : 1);
}
