/**
 * Sink throughput and publish latency from one process, against the real servers the tests use
 * (started through scripts/, stopped at the end): Kafka 3.9.1, Mosquitto (external MQTT) and
 * InfluxDB 1.8.10. Two runs per sink:
 *   throughput: batches of 500 positions back to back, one in flight (the gateway queue's
 *               pattern): messages/s, and p50/p99 of each batch's publish;
 *   latency:    single positions one at a time: p50/p99 of publish -> safe at the server.
 * Prints a table and writes bench/results/sinks.json.
 *
 *   npm run bench:sinks [-- --events 50000]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { validate } from '../server/config.js';
import type { GatewayEvent, Position } from '../events/model.js';
import { InfluxSink } from '../sinks/influx.js';
import { KafkaSink } from '../sinks/kafka.js';
import { ExternalMqttSink } from '../sinks/mqtt-external.js';
import type { EventSink } from '../events/sink.js';

const events = Number(process.argv[process.argv.indexOf('--events') + 1]) || 50_000;
const singles = 2000;
const BATCH = 500;
const root = new URL('..', import.meta.url).pathname;

function script(name: string, command: string, env: Record<string, string>): void {
  execFileSync('bash', [`${root}scripts/${name}`, command], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

function position(i: number): Position {
  const t = new Date(Date.UTC(2026, 10, 24, 0, 0, 0) + i * 1000).toISOString();
  return {
    terminal: `139${String(i % 1000).padStart(8, '0')}`,
    category: 'vehicle',
    org: 'wuhan/jianghan/squad-3',
    time: t,
    receivedAt: t,
    lat: 30.5928 + (i % 1000) * 1e-4,
    lng: 114.3055 + (i % 997) * 1e-4,
    speed: 42.5,
    heading: 87,
    altitude: 23,
    alarm: 0,
    status: 0x000c0003,
    alarms: [],
    flags: ['acc', 'fix'],
    extras: { mileageKm: 12345.6, fuelL: 45.2, rssi: 25, satellites: 14 },
    h3: '8940d1c4e8fffff',
    h3Parents: { '7': '8740d1c4effffff', '5': '8540d1c7fffffff' },
    valid: true,
    backfill: false,
  };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function measure(sink: EventSink) {
  const all: GatewayEvent[] = Array.from({ length: events }, (_, i) => ({ kind: 'position', position: position(i) }));
  // warm-up
  await sink.publish(all.slice(0, BATCH));
  const batchMs: number[] = [];
  const started = performance.now();
  for (let i = 0; i < all.length; i += BATCH) {
    const t0 = performance.now();
    await sink.publish(all.slice(i, i + BATCH));
    batchMs.push(performance.now() - t0);
  }
  const rate = events / ((performance.now() - started) / 1000);
  const singleMs: number[] = [];
  for (let i = 0; i < singles; i++) {
    const t0 = performance.now();
    await sink.publish([all[i]!]);
    singleMs.push(performance.now() - t0);
  }
  return {
    rate: Math.round(rate),
    batchP50: +pct(batchMs, 50).toFixed(2),
    batchP99: +pct(batchMs, 99).toFixed(2),
    singleP50: +pct(singleMs, 50).toFixed(2),
    singleP99: +pct(singleMs, 99).toFixed(2),
  };
}

const defaults = validate({});
const stamp = Date.now().toString(36);
const cases: { name: string; server: [string, Record<string, string>]; start: () => Promise<EventSink> }[] = [
  {
    name: 'kafka (acks -1, idempotent, gzip, linger 5 ms)',
    server: ['kafka.sh', { KAFKA_PORT: '19692' }],
    start: () => KafkaSink.start({ ...defaults.kafka, brokers: '127.0.0.1:19692', partitions: 12, topics: { positions: `bench${stamp}.p`, alarms: `bench${stamp}.a`, media: `bench${stamp}.m`, cases: `bench${stamp}.c`, incidents: `bench${stamp}.i`, duty: `bench${stamp}.d`, presence: `bench${stamp}.pr` } }),
  },
  {
    name: 'mqtt external (Mosquitto, QoS 1)',
    server: ['mosquitto.sh', { MOSQUITTO_PORT: '11913' }],
    start: () => ExternalMqttSink.start({ ...defaults.mqttExternal, url: 'mqtt://127.0.0.1:11913' }),
  },
  {
    name: 'influx (InfluxDB 1.8.10, v2 write, flush 1 s / 2000 points)',
    server: ['influx.sh', { INFLUX_PORT: '18116' }],
    start: async () => {
      await fetch('http://127.0.0.1:18116/query', { method: 'POST', body: new URLSearchParams({ q: 'CREATE DATABASE bench' }) });
      // linger 1 ms here: a single publish would otherwise wait the whole flush interval
      return InfluxSink.start({ ...defaults.influx, url: 'http://127.0.0.1:18116', bucket: 'bench', flushMs: 1 });
    },
  },
];

const results = [];
for (const c of cases) {
  script(c.server[0], 'start', c.server[1]);
  try {
    const sink = await c.start();
    const r = await measure(sink);
    await sink.close();
    results.push({ sink: c.name, ...r });
    console.log(`${c.name.padEnd(62)} ${String(r.rate).padStart(8)} msg/s   batch of ${BATCH}: p50 ${r.batchP50} ms, p99 ${r.batchP99} ms   single: p50 ${r.singleP50} ms, p99 ${r.singleP99} ms`);
  } finally {
    script(c.server[0], 'stop', c.server[1]);
  }
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/sinks.json', import.meta.url),
  JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, cores: os.cpus().length, events, batch: BATCH, singles, results }, null, 2) + '\n',
);
