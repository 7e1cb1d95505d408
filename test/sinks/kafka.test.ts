/**
 * The Kafka sink against a real Apache Kafka 3.9 (scripts/kafka.sh, its own broker on 19292):
 * the EventSink contract, every event consumed back and compared field by field (topic, key,
 * JSON value, dedup header), topics created with the configured partitions, and clear errors
 * for a broker that is not there.
 */
import { Kafka, logLevel } from 'kafkajs';
import t from 'tap';
import { ConfigError, validate } from '../../server/config.js';
import type { Config } from '../../server/config.js';
import type { Alarm, GatewayEvent, Media, Position } from '../../events/model.js';
import { KafkaSink } from '../../sinks/kafka.js';
import { dedupKey, payloadOf } from '../../events/records.js';
import { position, sinkContract } from '../gateway/helpers/sink-contract.js';
import { KafkaReader } from './helpers/kafka-reader.js';
import { kafka } from './helpers/servers.js';

// the first run on a machine installs the servers (Maven jars, go install): allow for it
t.setTimeout(20 * 60_000);

const PORT = 19292;
const server = await kafka(t, PORT);

let run = 0;
function options(over: Partial<Config['kafka']> = {}): Config['kafka'] {
  const p = `t${Date.now().toString(36)}${run++}`;
  const base = validate({}).kafka;
  return { ...base, brokers: server.url, partitions: 3, topics: { positions: `${p}.positions`, alarms: `${p}.alarms`, media: `${p}.media`, cases: `${p}.cases`, incidents: `${p}.incidents`, duty: `${p}.duty`, presence: `${p}.presence` }, ...over };
}

sinkContract(t, 'KafkaSink', async () => {
  const o = options();
  const sink = await KafkaSink.start(o);
  const reader = await KafkaReader.start(server.url, [o.topics.positions]);
  return {
    sink,
    positions: async (n) => (await reader.wait(n)).map((r) => r.value as Position),
    teardown: () => reader.close(),
  };
});

function alarm(terminal: string, i: number): Alarm {
  const p = position(terminal, i);
  return { terminal, category: p.category, org: p.org, source: 'alarmWord', alarm: 'overspeed', bit: 1, type: null, state: 'start', time: p.time, position: { ...p, alarm: 2, alarms: ['overspeed'] } };
}

function media(terminal: string, i: number): Media {
  return { terminal, category: 'bodycam', org: 'wuhan/test', mediaId: 1000 + i, type: 0, format: 0, event: 1, channel: 1, path: `media/${terminal}/${i}.jpg`, bytes: 2048, sha256: 'b'.repeat(64), receivedAt: '2026-03-01T08:00:00.000Z', position: position(terminal, i) };
}

t.test('every event (position, alarm, media, case, incident, duty, presence) lands on its topic, keyed by terminal (case id), with its JSON field by field', async (t) => {
  const o = options();
  const sink = await KafkaSink.start(o);
  t.teardown(() => sink.close());
  const events: GatewayEvent[] = [];
  for (let i = 0; i < 40; i++) {
    const terminal = `1391234${String(i % 4).padStart(4, '0')}`;
    events.push({ kind: 'position', position: { ...position(terminal, i), extras: { mileageKm: 12.5 + i, unknown: { '0xe1': 'ab01' } }, h3: '8940d1c4e8fffff', h3Parents: { '7': '8740d1c4effffff' } } });
    if (i % 5 === 0) events.push({ kind: 'alarm', alarm: alarm(terminal, i) });
    if (i % 10 === 0) events.push({ kind: 'media', media: media(terminal, i) });
    if (i % 20 === 0) events.push({ kind: 'case', case: { id: `case-${i}`, type: 'traffic', status: 'open', location: { lat: 30.5, lng: 114.3 }, time: '2026-03-01T08:00:00.000Z', org: 'wuhan/test', createdAt: '2026-03-01T08:00:01.000Z', updatedAt: '2026-03-01T08:00:01.000Z' } });
    // the contract: incidents on their own topic, keyed by the terminal
    if (i % 8 === 3) events.push({ kind: 'incident', incident: { id: `inc-${i}`, terminal, kind: 'sos', status: 'open', org: 'wuhan/test', location: i % 16 === 3 ? null : { lat: 30.5, lng: 114.3 }, openedAt: '2026-03-01T08:00:00.000Z', lastAlarmAt: '2026-03-01T08:00:00.000Z', alarmCount: 1 + i, assignee: null, updatedAt: '2026-03-01T08:00:00.000Z' } });
    // entering and leaving a duty area: their own topic, keyed by the terminal
    if (i % 8 === 5) events.push({ kind: 'duty', duty: { terminal, category: 'bodycam', org: 'wuhan/test', area: 'beat-1', areaOrg: 'wuhan', change: i % 16 === 5 ? 'left' : 'entered', onShift: true, at: `2026-03-01T08:00:${String(i).padStart(2, '0')}.000Z`, lat: 30.5, lng: 114.3 } });
    // a session beginning and ending: its own topic, keyed by the terminal
    if (i % 8 === 7) events.push({ kind: 'presence', presence: { terminal, category: 'bodycam', org: 'wuhan/test', state: i % 16 === 7 ? 'offline' : 'online', reason: i % 16 === 7 ? 'logout' : 'login', transport: 'tcp', at: `2026-03-01T08:01:${String(i).padStart(2, '0')}.000Z` } });
  }
  // several concurrent publishes: the linger batches them, order is kept
  await Promise.all([sink.publish(events.slice(0, 20)), sink.publish(events.slice(20))]);
  const reader = await KafkaReader.start(server.url, [o.topics.positions, o.topics.alarms, o.topics.media, o.topics.cases, o.topics.incidents, o.topics.duty, o.topics.presence]);
  t.teardown(() => reader.close());
  const got = await reader.wait(events.length);
  t.equal(got.length, events.length, 'nothing more, nothing less');
  const topicOf = { position: o.topics.positions, alarm: o.topics.alarms, media: o.topics.media, case: o.topics.cases, incident: o.topics.incidents, duty: o.topics.duty, presence: o.topics.presence };
  const want = events.map((e) => ({ topic: topicOf[e.kind], key: payloadOf(e).key, value: payloadOf(e).payload, dedup: dedupKey(e) }));
  const byKey = (a: { topic: string; key: string; dedup: string }) => `${a.topic}|${a.key}|${a.dedup}`;
  const sorted = <T extends { topic: string; key: string; dedup: string }>(xs: T[]) => [...xs].sort((a, b) => byKey(a).localeCompare(byKey(b)));
  t.same(
    sorted(got.map((r) => ({ topic: r.topic, key: r.key, value: r.value, dedup: r.headers.dedup! }))),
    sorted(want),
    'topic, key, value (every field) and dedup header as published',
  );
  // per terminal and topic, the order of publication
  for (const topic of Object.values(topicOf)) {
    for (const terminal of new Set(want.map((w) => w.key))) {
      t.same(
        got.filter((r) => r.topic === topic && r.key === terminal).map((r) => r.headers.dedup),
        want.filter((w) => w.topic === topic && w.key === terminal).map((w) => w.dedup),
        `order kept for ${terminal} on ${topic}`,
      );
    }
  }
  const partitions = new Map<string, Set<number>>();
  for (const r of got) {
    const k = `${r.topic}|${r.key}`;
    (partitions.get(k) ?? partitions.set(k, new Set()).get(k)!).add(r.partition);
  }
  t.ok([...partitions.values()].every((s) => s.size === 1), 'a terminal stays on one partition per topic');
});

t.test('missing topics are created with the configured partitions', async (t) => {
  const o = options({ partitions: 4 });
  const sink = await KafkaSink.start(o);
  t.teardown(() => sink.close());
  const admin = new Kafka({ brokers: [server.url], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  t.teardown(() => admin.disconnect());
  const meta = await admin.fetchTopicMetadata({ topics: Object.values(o.topics) });
  t.same(
    meta.topics.map((m) => [m.name, m.partitions.length]).sort(),
    Object.values(o.topics).map((n) => [n, 4]).sort(),
    'positions, alarms, media and cases, 4 partitions each',
  );
  // a second start finds them and leaves them alone
  const again = await KafkaSink.start(o);
  await again.close();
});

t.test('misconfiguration: clear errors at start-up', async (t) => {
  await t.rejects(KafkaSink.start(options({ brokers: '127.0.0.1:1', retries: 0 })), /kafka: cannot prepare topics on 127\.0\.0\.1:1: .*/, 'a broker that is not there is named');
  t.throws(() => validate({ kafka: { brokers: 'localhost' } }), new ConfigError('invalid configuration: kafka.brokers: "localhost" is not host:port'));
  t.throws(() => validate({ kafka: { compression: 'lz4' } }), /kafka\.compression/);
});
