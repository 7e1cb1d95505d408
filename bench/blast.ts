/**
 * `npm run bench:blast`: the gateway's own ceiling, with a load generator too cheap to be the
 * limit (the simulator is, at ~20k reports/s here). `--connections` terminals log in, then each
 * keeps `--window` location reports in flight, pre-encoded once, counting 0x8001s by their
 * frame boundaries without decoding them. Frames/s from the gateway's own counters; gateway CPU
 * from /proc. Embedded broker (fast) and, with `--sinks kafka`, real Kafka (durable).
 * Writes bench/results/blast.json.
 *
 *   npm run bench:blast -- [--connections 1000] [--window 16] [--seconds 15] [--sinks embedded,kafka]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { encode } from '../decoders/index.js';
import { authCodeFor } from '../gateway/session/auth-code.js';
import { registrationBody } from '../test/gateway/helpers/terminal.js';
import { BENCH_SECRET, startGatewayProcess } from './harness/gateway-process.js';
import { metric, scrape } from './harness/metrics.js';
import { script } from './harness/servers.js';

const { values } = parseArgs({ options: { connections: { type: 'string', default: '1000' }, window: { type: 'string', default: '16' }, seconds: { type: 'string', default: '15' }, sinks: { type: 'string', default: 'embedded,kafka' } } });
const connections = Number(values.connections);
const windowSize = Number(values.window);
const seconds = Number(values.seconds);
const KAFKA_PORT = 19792;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Counts whole frames (0x7e ... 0x7e) in a reply stream: each is one answer. */
function frameCounter(onFrame: () => void): (chunk: Buffer) => void {
  let inFrame = false;
  return (chunk) => {
    for (let i = chunk.indexOf(0x7e); i !== -1; i = chunk.indexOf(0x7e, i + 1)) {
      if (inFrame) onFrame();
      inFrame = !inFrame;
    }
  };
}

async function blaster(port: number, i: number, stopped: () => boolean): Promise<void> {
  const phone = `0133${String(i).padStart(8, '0')}`;
  const s: Socket = connect({ port, host: '127.0.0.1', localAddress: `127.0.0.${1 + Math.floor(i / 400)}` });
  s.setNoDelay(true);
  s.on('error', () => undefined);
  await new Promise((r) => s.once('connect', r));
  let answers = 0;
  let waiting: (() => void) | undefined;
  s.on('data', frameCounter(() => {
    answers++;
    waiting?.();
  }));
  const until = (n: number) => new Promise<void>((r) => (waiting = () => answers >= n && r()));
  s.write(encode({ msgId: 0x0100, version: '2013', phone, serial: 0, body: registrationBody() }));
  s.write(encode({ msgId: 0x0102, version: '2013', phone, serial: 1, body: { authCode: authCodeFor(BENCH_SECRET, phone.replace(/^0+/, ''), { terminalId: 'T000001', epoch: 0 }) } }));
  await until(2);
  const time = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
  const frames = Array.from({ length: 64 }, (_, k) => encode({ msgId: 0x0200, version: '2013', phone, serial: 2 + k, body: { alarm: 0, status: 3, lat: 30.5 + i * 1e-4, lng: 114.3 + k * 1e-5, altitude: 20, speed: 40, heading: 90, time, alarms: [], flags: [], extras: { mileageKm: 10 } } }));
  let sent = 2;
  const pump = () => {
    while (!stopped() && sent - answers < windowSize) s.write(frames[sent++ % 64]!);
  };
  waiting = pump;
  pump();
  while (!stopped()) await sleep(200);
  waiting = undefined;
  s.destroy();
}

async function run(sink: 'embedded' | 'kafka'): Promise<Record<string, unknown>> {
  const env: Record<string, string> = sink === 'kafka' ? { DIPPER_KAFKA_BROKERS: `127.0.0.1:${KAFKA_PORT}`, DIPPER_DELIVERY: 'durable' } : { DIPPER_DELIVERY: 'fast' };
  const gw = await startGatewayProcess({ env });
  let stop = false;
  try {
    const all = Array.from({ length: connections }, (_, i) => blaster(gw.ports.jt808, i, () => stop));
    await sleep(5000); // logins and warm-up
    const a = { at: performance.now(), cpu: gw.cpuSeconds(), m: await scrape(gw.ports.http) };
    await sleep(seconds * 1000);
    const b = { at: performance.now(), cpu: gw.cpuSeconds(), m: await scrape(gw.ports.http), rss: gw.rssBytes() };
    stop = true;
    await Promise.all(all);
    const dt = (b.at - a.at) / 1000;
    const k = 'dipper_frames_in_total{msg_id="0x0200"}';
    const row = { sink, delivery: sink === 'kafka' ? 'durable' : 'fast', connections, window: windowSize, locationFramesPerS: Math.round((metric(b.m, k) - metric(a.m, k)) / dt), acksPerS: Math.round((metric(b.m, 'dipper_replies_total{kind="0x8001"}') - metric(a.m, 'dipper_replies_total{kind="0x8001"}')) / dt), gatewayCpuCores: Number(((b.cpu - a.cpu) / dt).toFixed(2)), rssMB: Math.round(b.rss / 1048576), online: metric(b.m, 'dipper_sessions_authenticated') };
    console.log(`${sink.padEnd(8)} ${connections} connections, window ${windowSize}: ${row.locationFramesPerS.toLocaleString('en-US')} location frames/s, ${row.acksPerS.toLocaleString('en-US')} acks/s, gateway ${row.gatewayCpuCores} cores, RSS ${row.rssMB} MB`);
    return row;
  } finally {
    stop = true;
    await gw.stop();
  }
}

const sinks = values.sinks.split(',') as ('embedded' | 'kafka')[];
const rows: Record<string, unknown>[] = [];
if (sinks.includes('kafka')) {
  await script('kafka', 'reset', { KAFKA_PORT: String(KAFKA_PORT) });
  await script('kafka', 'start', { KAFKA_PORT: String(KAFKA_PORT) });
}
try {
  for (const sink of sinks) rows.push(await run(sink));
} finally {
  if (sinks.includes('kafka')) await script('kafka', 'stop', { KAFKA_PORT: String(KAFKA_PORT) });
}
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/blast.json', JSON.stringify({ at: new Date().toISOString(), seconds, rows }, null, 2) + '\n');
