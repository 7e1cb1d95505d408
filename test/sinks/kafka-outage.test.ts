/**
 * Durable acknowledgement against a real Kafka (its own broker on 19792, scripts/kafka.sh):
 * three terminals report through the whole gateway; Kafka is stopped for 30 s mid-stream and
 * started again. While it is down no report is acknowledged (the gateway holds them, and
 * says so in dipper_sink_held_events); once it is back every report is acknowledged, every
 * acknowledged report is in Kafka, and each terminal's reports are in the order it sent them.
 */
import t from 'tap';
import type { Message } from '../../decoders/index.js';
import type { Position } from '../../events/model.js';
import { until } from '../gateway/helpers/http.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';
import { KafkaReader } from './helpers/kafka-reader.js';
import { kafka } from './helpers/servers.js';

// the first run on a machine installs the servers (Maven jars, go install): allow for it
t.setTimeout(20 * 60_000);

const OUTAGE_MS = 30_000;
const BASE = Date.UTC(2026, 2, 1, 0, 0, 0);

const broker = await kafka(t, 19792);

t.test('Kafka down for 30 s: nothing acknowledged while down, nothing lost, order kept', async (t) => {
  const topic = `outage${Date.now().toString(36)}.positions`;
  const server = await startTestServer(t, {
    kafka: { brokers: broker.url, topics: { positions: topic, alarms: `${topic}.a`, media: `${topic}.m`, cases: `${topic}.c` }, partitions: 3, retries: 1, timeoutMs: 3000 },
    delivery: { retryMs: 250 },
  } as never);
  const terminals = await Promise.all(['013900000001', '013900000002', '013900000003'].map((phone) => TestTerminal.tcp(server.ports.jt808, { phone })));
  t.teardown(() => terminals.forEach((x) => x.close()));
  for (const term of terminals) await term.login();

  let n = 0;
  const acks: Promise<{ result: number; i: number; term: TestTerminal }>[] = [];
  const answered = new Set<Promise<unknown>>();
  const report = () => {
    const i = n++;
    for (const term of terminals) {
      // device time and speed both encode the sequence number
      const serial = term.send(0x0200, locationBody({ time: new Date(BASE + i * 1000).toISOString(), speed: i }));
      const p = term
        .next((d) => d.msgId === 0x8001 && (d as Message<{ ackSerial: number }>).body.ackSerial === serial)
        .then((a) => ({ result: (a as Message<{ result: number }>).body.result, i, term }));
      p.then(() => answered.add(p), () => undefined);
      acks.push(p);
    }
  };
  const every = (ms: number, count: number) =>
    new Promise<void>((resolve) => {
      let k = 0;
      const timer = setInterval(() => {
        report();
        if (++k >= count) {
          clearInterval(timer);
          resolve();
        }
      }, ms);
    });

  await every(50, 20);
  const before = await Promise.all(acks);
  t.ok(before.every((a) => a.result === 0), '20 reports per terminal acknowledged while Kafka is up');

  await broker.stop();
  const stoppedAt = Date.now();
  // a terminal that times out waiting for its 0x8001 sends the same frame again (same serial)
  const [first] = terminals;
  const resent = first!.frame(0x0200, locationBody({ time: new Date(BASE - 60_000).toISOString(), speed: 500 }));
  first!.writeRaw(resent);
  const resend = setTimeout(() => first!.writeRaw(resent), 5000);
  t.teardown(() => clearTimeout(resend));
  const inFlight = acks.length;
  await every(1000, Math.round(OUTAGE_MS / 1000) - 2);
  while (Date.now() - stoppedAt < OUTAGE_MS) await new Promise((r) => setTimeout(r, 200));
  const duringOutage = acks.slice(inFlight);
  const ackedWhileDown = duringOutage.filter((p) => answered.has(p)).length;
  t.equal(ackedWhileDown, 0, `none of the ${duringOutage.length} reports sent while Kafka was down was acknowledged`);
  const held = (await server.gateway.metrics.registry.getSingleMetric('dipper_sink_held_events')?.get())?.values.find((v) => v.labels.sink === 'kafka')?.value ?? 0;
  t.ok(held > 0, `dipper_sink_held_events{sink="kafka"} shows the held reports (${held})`);

  await broker.start();
  const recoveredAt = Date.now();
  const after = await Promise.all(acks);
  t.ok(after.every((a) => a.result === 0), `every report acknowledged once Kafka is back (${Date.now() - recoveredAt} ms after restart)`);
  await every(50, 10);
  const all = await Promise.all(acks);
  t.ok(all.every((a) => a.result === 0), 'and the stream goes on');

  const reader = await KafkaReader.start(broker.url, [topic]);
  t.teardown(() => reader.close());
  const perTerminal = n;
  const again = await reader.wait(perTerminal * terminals.length + 2);
  const retransmitted = again.filter((r) => (r.value as Position).speed === 500);
  t.equal(retransmitted.length, 2, 'the report the terminal sent twice is published twice...');
  t.equal(new Set(retransmitted.map((r) => r.headers.dedup)).size, 1, '...under one dedup key');
  const dup = again.length - new Set(again.map((r) => r.headers.dedup)).size;
  t.comment(`${again.length} messages for ${perTerminal * terminals.length + 1} distinct reports (${dup} duplicates, recognisable by the dedup header)`);
  for (const term of terminals) {
    const terminal = term.phone.replace(/^0+/, '');
    const mine = again.filter((r) => r.key === terminal);
    const seen = new Set<string>();
    const sequence = mine
      .filter((r) => !seen.has(r.headers.dedup!) && seen.add(r.headers.dedup!))
      .map((r) => (r.value as Position).speed)
      .filter((s) => s !== 500);
    t.same(sequence, Array.from({ length: perTerminal }, (_, i) => i), `${terminal}: all ${perTerminal} reports, in the order sent`);
    t.ok(mine.every((r) => r.partition === mine[0]!.partition), `${terminal}: one partition`);
  }
});

t.test('fast mode: Kafka down does not hold acknowledgements; its backlog is delivered when it returns', async (t) => {
  const topic = `fast${Date.now().toString(36)}.positions`;
  const server = await startTestServer(t, {
    kafka: { brokers: broker.url, topics: { positions: topic, alarms: `${topic}.a`, media: `${topic}.m`, cases: `${topic}.c` }, partitions: 3, retries: 1, timeoutMs: 3000 },
    delivery: { mode: 'fast', retryMs: 250 },
  } as never);
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: '013900000009' });
  t.teardown(() => term.close());
  await term.login();
  await broker.stop();
  const results: number[] = [];
  for (let i = 0; i < 5; i++) {
    const serial = term.send(0x0200, locationBody({ time: new Date(BASE + i * 1000).toISOString(), speed: i }));
    results.push((await term.ackOf(serial)).result);
  }
  t.same(results, [0, 0, 0, 0, 0], 'acknowledged while Kafka is down');
  const backlog = (await server.gateway.metrics.registry.getSingleMetric('dipper_sink_backlog_events')?.get())?.values.find((v) => v.labels.sink === 'kafka')?.value;
  t.equal(backlog, 5, 'held in the Kafka backlog (dipper_sink_backlog_events)');
  await broker.start();
  const reader = await KafkaReader.start(broker.url, [topic]);
  t.teardown(() => reader.close());
  const got = await reader.wait(5);
  t.same(got.map((r) => (r.value as Position).speed), [0, 1, 2, 3, 4], 'delivered in order once Kafka is back');
});

t.test('shutdown while Kafka is down: the held report is answered result 1 (the terminal keeps it), and close() ends', async (t) => {
  await broker.start();
  const topic = `shut${Date.now().toString(36)}.positions`;
  const server = await startTestServer(t, {
    kafka: { brokers: broker.url, topics: { positions: topic, alarms: `${topic}.a`, media: `${topic}.m`, cases: `${topic}.c` }, retries: 1, timeoutMs: 3000 },
    delivery: { retryMs: 250 },
  } as never);
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: '013900000010' });
  t.teardown(() => term.close());
  await term.login();
  await broker.stop();
  const serial = term.send(0x0200, locationBody({ time: new Date(BASE).toISOString() }));
  const ack = term.ackOf(serial).catch(() => ({ result: -1 }));
  // the gateway has the report and holds it for Kafka, rather than a fixed pause
  const held = async () => (await server.gateway.metrics.registry.getSingleMetric('dipper_sink_held_events')?.get())?.values.find((v) => v.labels.sink === 'kafka')?.value ?? 0;
  await until('the report held for Kafka', async () => (await held()) > 0);
  const started = Date.now();
  await server.close();
  t.equal((await ack).result, 1, 'result 1: not stored, send again');
  t.ok(Date.now() - started < 30_000, `close() returned in ${Date.now() - started} ms`);
});
