/**
 * The whole gateway configured the operator's way (DIPPER_KAFKA_BROKERS, DIPPER_MQTT_URL,
 * DIPPER_INFLUX_*) against real Kafka, Mosquitto and InfluxDB from scripts/: one terminal's
 * reports reach all three, the track API reads InfluxDB, the sink metrics are exposed, and a
 * sink that is not there stops the start with an error naming it.
 */
import mqtt from 'mqtt';
import t from 'tap';
import { loadConfig } from '../../server/config.js';
import { silentLogger } from '../../gateway/log.js';
import type { Position } from '../../events/model.js';
import { startServer } from '../../server/server.js';
import { until } from '../gateway/helpers/http.js';
import { testConfig } from '../gateway/helpers/server.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';
import { createDatabase, waitRows } from './helpers/influx-reader.js';
import { KafkaReader } from './helpers/kafka-reader.js';
import { influx, kafka, mosquitto } from './helpers/servers.js';

// the first run on a machine installs the servers (Maven jars, go install): allow for it
t.setTimeout(20 * 60_000);

const [k, m, i] = await Promise.all([kafka(t, 19492), mosquitto(t, 11903), influx(t, 18106)]);
const BASE = Date.UTC(2026, 2, 2, 6, 0, 0);

t.test('DIPPER_* settings: every report reaches Kafka, the external broker and InfluxDB; tracks from InfluxDB', async (t) => {
  const tag = `e${Date.now().toString(36)}`;
  await createDatabase(i.url, tag);
  const env = { DIPPER_KAFKA_BROKERS: k.url, DIPPER_MQTT_URL: m.url, DIPPER_INFLUX_URL: i.url, DIPPER_INFLUX_BUCKET: tag, DIPPER_INFLUX_ORG: 'ignored-by-1.8', DIPPER_INFLUX_TOKEN: '' };
  const fromEnv = loadConfig({ defaultsFile: null, env });
  t.same([fromEnv.kafka.brokers, fromEnv.mqttExternal.url, fromEnv.influx.url, fromEnv.influx.bucket], [k.url, m.url, i.url, tag], 'the variables land on their keys');
  const base = testConfig();
  const config = { ...fromEnv, jt808: base.jt808, http: base.http, mqtt: base.mqtt, dataDir: base.dataDir, auth: base.auth, log: base.log, kafka: { ...fromEnv.kafka, topics: { positions: `${tag}.p`, alarms: `${tag}.a`, media: `${tag}.m`, cases: `${tag}.c`, incidents: `${tag}.i`, duty: `${tag}.d`, presence: `${tag}.pr` } }, influx: { ...fromEnv.influx, flushMs: 10 } };
  const server = await startServer(config, silentLogger());
  t.teardown(() => server.close());
  t.equal(server.ports.mqtt, null, 'no embedded broker');

  const sub = await mqtt.connectAsync(m.url, { reconnectPeriod: 0 });
  t.teardown(() => sub.endAsync(true));
  const viaMqtt: Position[] = [];
  // live deliveries only: a retained position left by an earlier run arrives with the retain flag
  sub.on('message', (_topic, payload, packet) => packet.retain || viaMqtt.push(JSON.parse(payload.toString()) as Position));
  await sub.subscribeAsync('dipper/+/13922220001/position', { qos: 1 });

  const term = await TestTerminal.tcp(server.ports.jt808, { phone: '013922220001' });
  t.teardown(() => term.close());
  await term.login();
  for (let n = 0; n < 10; n++) {
    const serial = term.send(0x0200, locationBody({ time: new Date(BASE + n * 10_000).toISOString(), speed: n, lat: 30.5 + n / 1000 }));
    t.equal((await term.ackOf(serial)).result, 0);
  }
  const reader = await KafkaReader.start(k.url, [`${tag}.p`]);
  t.teardown(() => reader.close());
  const inKafka = (await reader.wait(10)).map((r) => r.value as Position);
  t.same(inKafka.map((p) => p.speed), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'Kafka: all ten, in order');
  await until('ten positions over MQTT', () => viaMqtt.length >= 10);
  t.same(viaMqtt, inKafka, 'MQTT: the same ten positions, field by field');
  const rows = await waitRows(i.url, tag, 'position', 10);
  t.same(rows.map((r) => [r._time, r.speed, r.lat]), inKafka.map((p) => [Date.parse(p.time!), p.speed, p.lat]), 'InfluxDB: the same fixes at device time');

  const res = await fetch(`http://127.0.0.1:${server.ports.http}/api/terminals/13922220001/track?from=${BASE}&to=${BASE + 45_000}&simplify=0`);
  const track = (await res.json()) as { properties: { speeds: number[]; fixes: number } };
  t.same(track.properties.speeds, [0, 1, 2, 3, 4], 'the track API reads InfluxDB (the first 45 s)');

  const metrics = await (await fetch(`http://127.0.0.1:${server.ports.http}/metrics`)).text();
  for (const sink of ['kafka', 'mqtt', 'influx']) t.match(metrics, new RegExp(`dipper_sink_publish_seconds_count\\{sink="${sink}"\\} [1-9]`), `latency histogram for ${sink}`);
});

t.test('a sink that is not there stops the start, naming it', async (t) => {
  const base = testConfig();
  await t.rejects(startServer({ ...base, kafka: { ...base.kafka, brokers: '127.0.0.1:1', retries: 0 } }, silentLogger()), /kafka: cannot prepare topics on 127\.0\.0\.1:1/);
  await t.rejects(startServer({ ...base, influx: { ...base.influx, url: 'http://127.0.0.1:1' } }, silentLogger()), /influx: cannot reach http:\/\/127\.0\.0\.1:1/);
  await t.rejects(startServer({ ...base, mqttExternal: { ...base.mqttExternal, url: 'mqtt://127.0.0.1:1' } }, silentLogger()), /mqtt: cannot connect to mqtt:\/\/127\.0\.0\.1:1/);
});
