/**
 * The map API as its own process's component, fed from a real Kafka (scripts/kafka.sh, its own
 * broker on 19592): positions produced to the positions topic appear in the API and tiles,
 * and a case created through this replica is produced to the cases topic.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import t from 'tap';
import { validate } from '../../server/config.js';
import { silentLogger } from '../../gateway/log.js';
import { startStandalone } from '../../server/map-standalone.js';
import { until } from '../gateway/helpers/http.js';
import { kafka } from '../sinks/helpers/servers.js';
import { position, tileOf, mvt, terminalsIn } from './helpers.js';

const server = await kafka(t, 19592);

t.test('positions from Kafka feed the index; cases go back to Kafka', async (t) => {
  const p = `m${Date.now().toString(36)}`;
  const topics = { positions: `${p}.positions`, alarms: `${p}.alarms`, media: `${p}.media`, cases: `${p}.cases` };
  const client = new Kafka({ clientId: 'map-test', brokers: [server.url], logLevel: logLevel.NOTHING });
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({ topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 2 })), waitForLeaders: true });
  await admin.disconnect();
  // a data folder of its own: the default (./data) kept the embedded database's case hy-1 from the
  // previous run, and the second run's POST was a 409
  const dataDir = mkdtempSync(join(tmpdir(), 'dipper-map-'));
  const config = validate({ http: { host: '127.0.0.1', port: 0 }, kafka: { brokers: server.url, topics }, log: { level: 'silent' }, dataDir });
  const api = await startStandalone(config, silentLogger());
  t.teardown(async () => {
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const producer = client.producer();
  await producer.connect();
  t.teardown(() => producer.disconnect());
  const sent = Array.from({ length: 40 }, (_, i) => position(String(13700000000 + i), i % 2 ? 'vehicle' : 'bodycam', 'wuhan/hanyang', 30.55 + i * 0.001, 114.25 + i * 0.001));
  await producer.send({ topic: topics.positions, messages: sent.map((s) => ({ key: s.terminal, value: JSON.stringify(s) })) });
  const base = `http://127.0.0.1:${api.port}`;
  const total = await until('40 terminals indexed', async () => {
    const n = ((await (await fetch(`${base}/api/terminals`)).json()) as { total: number }).total;
    return n >= 40 && n;
  });
  t.equal(total, 40, 'every terminal produced is in the index');
  const [x, y] = tileOf(114.25, 30.55, 9);
  t.equal(terminalsIn((await mvt(await fetch(`${base}/tiles/clusters/9/${x}/${y}.mvt`))).layers.clusters!.features), 40, 'and in the tiles');

  const consumer = client.consumer({ groupId: `${p}-reader` });
  await consumer.connect();
  t.teardown(() => consumer.disconnect());
  await consumer.subscribe({ topic: topics.cases, fromBeginning: true });
  const got: { key: string; value: Record<string, unknown>; dedup: string | undefined }[] = [];
  await consumer.run({ eachMessage: async ({ message }) => void got.push({ key: message.key!.toString(), value: JSON.parse(message.value!.toString()) as Record<string, unknown>, dedup: message.headers?.dedup?.toString() }) });
  const res = await fetch(`${base}/api/cases`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'hy-1', type: 'dispute', location: { lat: 30.55, lng: 114.25 }, time: new Date().toISOString(), org: 'wuhan/hanyang' }) });
  t.equal(res.status, 201);
  await until('the case produced', () => got.length > 0);
  t.equal(got[0]?.key, 'hy-1', 'the case was produced, keyed by its id');
  t.match(got[0]?.value, { id: 'hy-1', status: 'open', org: 'wuhan/hanyang' });
  // README "Recognising duplicates": every event carries its key as the Kafka header `dedup`; a
  // case's is case/{id}/{updatedAt} (events/records.ts), built here from the value as consumed
  t.equal(got[0]?.dedup, `case/hy-1/${String(got[0]?.value.updatedAt)}`, 'with the dedup header the README promises');
});
