/**
 * Where the chaos scripts' positions must end up, and how they are read back: real Kafka
 * (durable), an external Mosquitto (durable, `delivery.required: ["mqtt"]`), InfluxDB (not a
 * required sink: acknowledgements go on while it is down, its backlog is delivered after).
 * Each reads back "terminal/device time" keys, the tail of the duplicate key.
 */
import { Kafka, logLevel } from 'kafkajs';
import mqtt from 'mqtt';
import { script } from '../harness/servers.js';

export interface Backend {
  name: 'kafka' | 'mosquitto' | 'influx';
  port: number;
  /** DIPPER_* variables and config for the gateway. */
  env: Record<string, string>;
  config: Record<string, unknown>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Begins collecting (some backends must subscribe before anything is published). */
  open(): Promise<void>;
  /** Every key published, once `expected` are in (or the wait is over). */
  readBack(expected: number): Promise<Set<string>>;
}

const iso = (t: string) => new Date(t).toISOString();

async function settle(seen: () => number, expected: number, maxWaitMs = 60_000): Promise<void> {
  const deadline = Date.now() + maxWaitMs;
  let last = -1;
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    if (seen() !== last) {
      last = seen();
      stableSince = Date.now();
    } else if (seen() >= expected && Date.now() - stableSince > 3000) return;
  }
}

export function kafkaBackend(port: number): Backend {
  const env = { KAFKA_PORT: String(port) };
  return {
    name: 'kafka',
    port,
    env: { DIPPER_KAFKA_BROKERS: `127.0.0.1:${port}`, DIPPER_DELIVERY: 'durable' },
    config: {},
    start: async () => {
      await script('kafka', 'reset', env);
      await script('kafka', 'start', env);
    },
    stop: async () => void (await script('kafka', 'stop', env)),
    open: async () => undefined,
    async readBack(expected) {
      const kafka = new Kafka({ clientId: 'dipper-chaos-reader', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
      const consumer = kafka.consumer({ groupId: `chaos-${process.pid}-${Date.now()}` });
      const seen = new Set<string>();
      await consumer.connect();
      await consumer.subscribe({ topics: ['dipper.positions'], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.add((message.headers?.dedup?.toString() ?? '').replace(/^position\//, ''));
        },
      });
      await settle(() => seen.size, expected);
      await consumer.disconnect();
      return seen;
    },
  };
}

export function mosquittoBackend(port: number): Backend {
  const env = { MOSQUITTO_PORT: String(port) };
  const seen = new Set<string>();
  let client: mqtt.MqttClient | undefined;
  return {
    name: 'mosquitto',
    port,
    env: { DIPPER_MQTT_URL: `mqtt://127.0.0.1:${port}`, DIPPER_DELIVERY: 'durable' },
    config: { delivery: { required: ['mqtt'] } },
    start: async () => void (await script('mosquitto', 'start', env)),
    stop: async () => {
      client?.end(true);
      await script('mosquitto', 'stop', env);
    },
    // a persistent QoS 1 session, subscribed before the gateway publishes: the broker keeps what it missed
    async open() {
      client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: `chaos-reader-${process.pid}`, clean: false, reconnectPeriod: 500 });
      client.on('message', (_topic, payload) => {
        const p = JSON.parse(payload.toString()) as { terminal: string; time: string | null };
        if (p.time) seen.add(`${p.terminal}/${iso(p.time)}`);
      });
      client.on('error', () => undefined);
      await new Promise<void>((resolve) => client!.once('connect', () => resolve()));
      await client.subscribeAsync('dipper/+/+/position', { qos: 1 });
    },
    async readBack(expected) {
      await settle(() => seen.size, expected);
      return seen;
    },
  };
}

export function influxBackend(port: number): Backend {
  const env = { INFLUX_PORT: String(port) };
  return {
    name: 'influx',
    port,
    env: { DIPPER_INFLUX_URL: `http://127.0.0.1:${port}`, DIPPER_INFLUX_ORG: 'dipper', DIPPER_INFLUX_BUCKET: 'dipper', DIPPER_DELIVERY: 'fast' },
    config: { influx: { flushMs: 200 } },
    start: async () => void (await script('influx', 'start', env)),
    stop: async () => void (await script('influx', 'stop', env)),
    open: async () => undefined,
    async readBack(expected) {
      let seen = new Set<string>();
      const read = async () => {
        const q = encodeURIComponent('SELECT "lat", "terminal" FROM "position"');
        const res = await fetch(`http://127.0.0.1:${port}/query?db=dipper&q=${q}`);
        const body = (await res.json()) as { results: { series?: { columns: string[]; values: unknown[][] }[] }[] };
        const s = new Set<string>();
        for (const series of body.results[0]?.series ?? []) {
          const t = series.columns.indexOf('time');
          const term = series.columns.indexOf('terminal');
          for (const v of series.values) s.add(`${String(v[term])}/${iso(String(v[t]))}`);
        }
        seen = s;
      };
      // poll the server until the count is complete and stable
      const deadline = Date.now() + 60_000;
      for (let last = -1, stable = 0; Date.now() < deadline && stable < 4; ) {
        await read().catch(() => undefined);
        stable = seen.size === last && seen.size >= expected ? stable + 1 : 0;
        last = seen.size;
        await new Promise((r) => setTimeout(r, 1000));
      }
      return seen;
    },
  };
}
