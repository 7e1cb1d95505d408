/**
 * Chaos: slow consumers. 20 MQTT subscribers on the embedded broker (`dipper/#`, QoS 1) and
 * 20 live-stream clients (`/api/stream`) connect and then stop reading, while 50 terminals
 * report every 100 ms (fast mode). Pass: the gateway stays up, acknowledgements go on, a
 * well-behaved terminal's median ack latency stays within 2x of its value before the slow
 * consumers came, and the gateway's RSS grows by less than 256 MB (what it holds for them
 * is bounded).   npx tsx bench/chaos/slow-consumer.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import mqtt from 'mqtt';
import { startGatewayProcess } from '../harness/gateway-process.js';
import { Probe } from '../harness/probe.js';
import { Reporter } from './reporters.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const gw = await startGatewayProcess({ env: { DIPPER_DELIVERY: 'fast' } });
const notes: string[] = [];
const note = (s: string) => (notes.push(s), console.log(`[slow-consumer] ${s}`));
let verdict = 'fail';
let result: Record<string, unknown> = {};
const reporters = Array.from({ length: 50 }, (_, i) => new Reporter(`0136${String(i).padStart(8, '0')}`, () => gw.ports.jt808, Math.floor(Date.now() / 1000) * 1000 - 3_600_000, 100));
const sockets: Socket[] = [];
const clients: mqtt.MqttClient[] = [];
try {
  reporters.forEach((r) => r.start());
  const probe = await Probe.start(gw.ports.jt808, '013500000001');
  await sleep(3000);
  const before = await probe.measure(5000);
  const rssBefore = gw.rssBytes();
  note(`before: probe p50 ${before.p50} ms, p99 ${before.p99} ms; RSS ${Math.round(rssBefore / 1048576)} MB`);
  const kinds = (process.env.SLOW ?? 'mqtt,sse').split(',');
  for (let i = 0; i < 20; i++) {
    if (!kinds.includes('mqtt')) continue;
    const c = mqtt.connect(`mqtt://127.0.0.1:${gw.ports.mqtt}`, { clientId: `slow-${i}`, clean: true, reconnectPeriod: 0 });
    c.on('error', () => undefined);
    await new Promise<void>((r) => c.once('connect', () => r()));
    await c.subscribeAsync('dipper/#', { qos: 1 });
    (c.stream as unknown as Socket).pause(); // stops reading: PUBLISHes pile up, no PUBACK goes back
    clients.push(c);
  }
  for (let i = 0; i < 20; i++) {
    if (!kinds.includes('sse')) continue;
    const s = connect(gw.ports.http, '127.0.0.1');
    s.on('error', () => undefined);
    s.write('GET /api/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n');
    s.pause();
    sockets.push(s);
  }
  note(`slow consumers that stopped reading: ${kinds.map((k) => `20 ${k === 'mqtt' ? 'MQTT subscribers' : 'stream clients'}`).join(', ')} (SLOW=${kinds.join(',')})`);
  const ackedBefore = reporters.reduce((a, r) => a + r.acked.size, 0);
  const during = await probe.measure(20_000);
  const ackedDuring = reporters.reduce((a, r) => a + r.acked.size, 0) - ackedBefore;
  const rssAfter = gw.rssBytes();
  const up = gw.child.exitCode === null && (await fetch(`http://127.0.0.1:${gw.ports.http}/metrics`).then((r) => r.ok, () => false));
  const growthMB = Math.round((rssAfter - rssBefore) / 1048576);
  verdict = up && ackedDuring > 0 && during.unanswered === 0 && during.p50 <= 2 * before.p50 && growthMB < 256 ? 'pass' : 'fail';
  result = { reporterReconnects: reporters.reduce((a, r) => a + r.reconnects, 0), probeBeforeMs: before, probeDuringMs: during, acknowledgedDuring: ackedDuring, rssBeforeMB: Math.round(rssBefore / 1048576), rssGrowthMB: growthMB, gatewayUp: up };
  note(`${verdict.toUpperCase()}: during: probe p50 ${during.p50} ms (${(during.p50 / before.p50).toFixed(2)}x), p99 ${during.p99} ms; ${ackedDuring} reports acknowledged in 20 s, ${during.unanswered} probe reports unanswered, ${String(result.reporterReconnects)} reporter reconnects (a report unanswered for 5 s); RSS +${growthMB} MB; gateway ${up ? 'up' : 'DOWN'}`);
  probe.close();
} catch (e) {
  note(`FAIL: ${(e as Error).stack}`);
} finally {
  await Promise.all(reporters.map((r) => r.stop()));
  sockets.forEach((s) => s.destroy());
  clients.forEach((c) => c.end(true));
  await gw.stop();
}
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/chaos-slow-consumer.json', JSON.stringify({ name: 'slow-consumer', verdict, at: new Date().toISOString(), ...result, notes }, null, 2) + '\n');
process.exit(verdict === 'pass' ? 0 : 1);
