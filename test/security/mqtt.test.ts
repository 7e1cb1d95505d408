/**
 * The embedded MQTT broker under attack (issue 14, section 4): with API tokens configured it
 * was open to anyone (every district's positions and cases to an anonymous `#` subscriber),
 * took client publishes anywhere outside `dipper/` (retained: 120 MB for every new subscriber),
 * and buffered packets of any announced size. Each check below failed on the broker before
 * mqtt-access.ts and mqtt-packet-limit.ts; both transports (TCP, WebSocket) are exercised.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import t from 'tap';
import type { Test } from 'tap';
import type { Server } from '../../server/server.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { until } from '../gateway/helpers/http.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';

const CITY = 'city-token-0123456789abcdef';
const JIANGHAN = 'jianghan-token-0123456789ab';
const JIANGHAN_PHONE = '013900000001';
const HONGSHAN_PHONE = '013900000002';

function registryFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'dipper-mqtt-sec-')), 'devices.json');
  writeFileSync(
    file,
    JSON.stringify({
      terminals: [
        { terminal: JIANGHAN_PHONE, category: 'vehicle', org: 'wuhan/jianghan' },
        { terminal: HONGSHAN_PHONE, category: 'vehicle', org: 'wuhan/hongshan' },
      ],
    }),
  );
  return file;
}

async function start(t: Test, mqttOverrides: Record<string, number> = {}, withTokens = true): Promise<Server> {
  return startTestServer(t, {
    devices: registryFile(),
    mqtt: mqttOverrides,
    api: {
      tokens: withTokens
        ? [
            { token: CITY, org: '' },
            { token: JIANGHAN, org: 'wuhan/jianghan' },
          ]
        : [],
    },
  });
}

type Transport = 'tcp' | 'ws';
const url = (server: Server, transport: Transport) => (transport === 'tcp' ? `mqtt://127.0.0.1:${server.ports.mqtt}` : `ws://127.0.0.1:${server.ports.mqttWs}`);

/** MQTT 3.1.1 sends a password only with a user name (any: the token is the credential). */
async function client(t: Test, server: Server, transport: Transport, options: IClientOptions = {}): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url(server, transport), { reconnectPeriod: 0, connectTimeout: 20_000, username: 'duty', ...options });
  t.teardown(() => c.endAsync(true));
  return c;
}

/** The CONNACK return code a client gets (0 = accepted). */
async function connack(server: Server, transport: Transport, options: IClientOptions): Promise<number> {
  try {
    const c = await mqtt.connectAsync(url(server, transport), { reconnectPeriod: 0, connectTimeout: 20_000, ...options });
    await c.endAsync(true);
    return 0;
  } catch (e) {
    return (e as { code?: number }).code ?? -1;
  }
}

async function reportFrom(server: Server, phone: string): Promise<void> {
  const term = await TestTerminal.tcp(server.ports.jt808, { phone });
  await term.login();
  await term.ackOf(term.send(0x0200, locationBody()));
  term.close();
}

/** The SUBACK return codes (mqtt.js rejects the promise when any is 0x80: the packet rides on the error). */
async function granted(c: MqttClient, filters: string[]): Promise<number[]> {
  try {
    return (await c.subscribeAsync(filters, { qos: 1 })).map((g) => g.qos);
  } catch (e) {
    const codes = (e as { packet?: { granted?: number[] } }).packet?.granted;
    if (codes === undefined) throw e;
    return codes;
  }
}

function collect(c: MqttClient): string[] {
  const topics: string[] = [];
  c.on('message', (topic) => topics.push(topic));
  return topics;
}

async function metric(server: Server, name: string, labels = ''): Promise<number> {
  const text = await server.gateway.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? NaN : Number(line.split(' ')[1]);
}

for (const transport of ['tcp', 'ws'] as const) {
  t.test(`${transport}: with tokens, only a token as password connects`, async (t) => {
    const server = await start(t);
    t.equal(await connack(server, transport, {}), 5, 'anonymous: not authorised');
    t.equal(await connack(server, transport, { username: 'x', password: 'not-a-token-at-all-00000' }), 5, 'a wrong password: not authorised');
    t.equal(await connack(server, transport, { username: 'anything', password: JIANGHAN }), 0, 'a token: accepted');
    t.equal(await metric(server, 'dipper_mqtt_refused_total', '{reason="bad-credentials"}'), 2);
  });

  t.test(`${transport}: a district token sees only its district; # and $SYS are refused`, async (t) => {
    const server = await start(t);
    const district = await client(t, server, transport, { password: JIANGHAN });
    const city = await client(t, server, transport, { password: CITY });
    t.same(
      await granted(district, ['#', '$SYS/#', 'dipper/+/+/position', 'dipper/cases/#']),
      [128, 128, 1, 1],
      '# and $SYS refused, wildcards under the prefix granted',
    );
    const districtGot = collect(district);
    const cityGot = collect(city);
    await city.subscribeAsync(['dipper/+/+/position', 'dipper/cases/#'], { qos: 1 });
    await reportFrom(server, HONGSHAN_PHONE);
    await reportFrom(server, JIANGHAN_PHONE);
    for (const [id, org] of [
      ['case-hongshan', 'wuhan/hongshan'],
      ['case-jianghan', 'wuhan/jianghan'],
    ] as const) {
      const c = server.map.cases.create({ id, type: 'fire', location: { lat: 30.58, lng: 114.27 }, time: new Date().toISOString() }, org)!;
      await server.gateway.queue.push([{ kind: 'case', case: c }]);
    }
    await until('the city token to get both positions and both cases', () => cityGot.length >= 4);
    await until('the district token to get its position and case', () => districtGot.length >= 2);
    // a late subscriber gets the retained copies: filtered the same way
    const late = await client(t, server, transport, { password: JIANGHAN });
    const lateGot = collect(late);
    await late.subscribeAsync('dipper/#', { qos: 1 });
    // its district's case, position and presence (the terminal's session, retained); not Hongshan's
    await until('the retained messages of its district', () => lateGot.length >= 3);
    // the city subscriber saw everything after the district's: nothing more is on its way
    await until('the filtered count', async () => (await metric(server, 'dipper_mqtt_forward_filtered_total')) >= 4);
    t.same(districtGot.sort(), ['dipper/cases/case-jianghan', `dipper/vehicle/13900000001/position`]);
    t.same(lateGot.sort(), ['dipper/cases/case-jianghan', `dipper/vehicle/13900000001/position`, `dipper/vehicle/13900000001/presence`]);
    t.same(cityGot.sort(), ['dipper/cases/case-hongshan', 'dipper/cases/case-jianghan', 'dipper/vehicle/13900000001/position', 'dipper/vehicle/13900000002/position']);
  });

  t.test(`${transport}: client publishes are refused everywhere, nothing is retained`, async (t) => {
    const server = await start(t);
    const watcher = await client(t, server, transport, { password: CITY });
    const seen = collect(watcher);
    await watcher.subscribeAsync('dipper/#', { qos: 1 });
    for (const topic of ['Dipper/x', 'junk/a', 'jt808/1/1/dn', 'dipper/vehicle/13900000001/position']) {
      const attacker = await mqtt.connectAsync(url(server, transport), { reconnectPeriod: 0, username: 'duty', password: CITY });
      const closed = new Promise((r) => attacker.once('close', () => r(undefined)));
      attacker.publish(topic, Buffer.alloc(10_000, 1), { qos: 1, retain: true });
      await closed; // aedes closes a client whose publish is not authorised
      attacker.end(true);
    }
    await until('four refusals', async () => (await metric(server, 'dipper_mqtt_refused_total', '{reason="publish"}')) === 4);
    const retained = await countRetained(server);
    t.equal(retained, 0, 'no retained message stored');
    t.same(seen, [], 'nothing forwarded');
  });
}

async function countRetained(server: Server): Promise<number> {
  const persistence = (server.broker!.broker as unknown as { persistence: { createRetainedStream(p: string): AsyncIterable<unknown> } }).persistence;
  let n = 0;
  for await (const _ of persistence.createRetainedStream('#')) n++;
  return n;
}

t.test('open mode (no tokens): still no client publish', async (t) => {
  const server = await start(t, {}, false);
  const c = await mqtt.connectAsync(url(server, 'tcp'), { reconnectPeriod: 0 });
  const closed = new Promise((r) => c.once('close', () => r(undefined)));
  c.publish('junk/big', Buffer.alloc(100_000, 2), { qos: 1, retain: true });
  await closed;
  c.end(true);
  t.equal(await countRetained(server), 0);
});

t.test('a packet announcing more than mqtt.maxPacketBytes closes the connection before it is buffered', async (t) => {
  const server = await start(t, { maxPacketBytes: 4096 });
  const rss0 = process.memoryUsage().rss;
  // PUBLISH fixed header announcing 20 MB (remaining length 20,971,520 as a 4-byte varint), then 1 MB of it
  const announced = 20 * 1024 * 1024;
  const varint: number[] = [];
  for (let x = announced; ; ) {
    const b = x % 128;
    x = Math.floor(x / 128);
    varint.push(x > 0 ? b | 0x80 : b);
    if (x === 0) break;
  }
  const socket = connect(server.ports.mqtt!, '127.0.0.1');
  socket.on('error', () => undefined);
  const closed = new Promise((r) => socket.once('close', r));
  socket.write(Buffer.from([0x30, ...varint]));
  for (let i = 0; i < 16 && !socket.destroyed; i++) socket.write(Buffer.alloc(64 * 1024, 7));
  await closed;
  t.equal(await metric(server, 'dipper_mqtt_refused_total', '{reason="packet-too-large"}'), 1);
  t.ok(process.memoryUsage().rss - rss0 < 50 * 1024 * 1024, 'memory stays put');
  // a normal client still works
  t.equal(await connack(server, 'tcp', { username: 'duty', password: CITY }), 0);
});

t.test('connections, subscriptions and retained messages are bounded', async (t) => {
  const server = await start(t, { maxClients: 2, maxSubscriptions: 2, maxRetained: 1 });
  const a = await client(t, server, 'tcp', { password: CITY });
  await client(t, server, 'ws', { password: CITY });
  const third = connect(server.ports.mqtt!, '127.0.0.1');
  third.on('error', () => undefined);
  await new Promise((r) => third.once('close', r));
  t.equal(await metric(server, 'dipper_mqtt_refused_total', '{reason="max-clients"}'), 1, 'the third connection is refused');
  t.equal(await metric(server, 'dipper_mqtt_clients'), 2);

  t.same(
    await granted(a, ['dipper/a', 'dipper/b', 'dipper/c']),
    [1, 1, 128],
    'the third filter is refused',
  );

  await reportFrom(server, JIANGHAN_PHONE);
  await reportFrom(server, HONGSHAN_PHONE);
  await until('the second retained position', async () => (await countRetained(server)) === 1 && (await metric(server, 'dipper_mqtt_retained_messages')) === 1);
  t.pass('one retained message kept: the newest');
});

/** A case event with a 16 KB description, ids cycling over 50 (so retained copies stay few). */
function bulkyCase(i: number) {
  const now = new Date().toISOString();
  return { kind: 'case' as const, case: { id: `bulk-${i % 50}`, type: 'fire', status: 'open' as const, location: { lat: 30.58, lng: 114.27 }, time: now, org: 'wuhan/jianghan', createdAt: now, updatedAt: now, description: 'x'.repeat(16_000) } };
}

/** A raw MQTT 3.1.1 client that subscribes to `filter` and then never reads again. */
async function stalledSubscriber(server: Server, token: string, filter: string): Promise<import('node:net').Socket> {
  const socket = connect(server.ports.mqtt!, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise((r) => socket.once('connect', r));
  const utf8 = (s: string) => {
    const b = Buffer.from(s);
    return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
  };
  const packet = (type: number, body: Buffer) => Buffer.concat([Buffer.from([type, body.length]), body]);
  // CONNECT: "MQTT", level 4, flags user+password+clean, keep-alive 0; client id, user, password
  socket.write(packet(0x10, Buffer.concat([utf8('MQTT'), Buffer.from([4, 0xc2, 0, 0]), utf8('stalled'), utf8('duty'), utf8(token)])));
  // SUBSCRIBE id 1, QoS 1
  socket.write(packet(0x82, Buffer.concat([Buffer.from([0, 1]), utf8(filter), Buffer.from([1])])));
  // subscribed once its SUBACK (id 1) came, rather than after a fixed pause
  let read = Buffer.alloc(0);
  await new Promise<void>((resolve) => {
    const onData = (d: Buffer) => {
      read = Buffer.concat([read, d]);
      if (!read.includes(Buffer.from([0x90, 3, 0, 1]))) return;
      socket.off('data', onData);
      socket.pause();
      resolve();
    };
    socket.on('data', onData);
  });
  return socket;
}

t.test('a subscriber that stops reading is disconnected; the others keep receiving, nothing piles up', async (t) => {
  const server = await start(t, { maxClientBufferBytes: 64 * 1024 });
  const stalled = await stalledSubscriber(server, CITY, 'dipper/#');
  const stalledClosed = new Promise((r) => stalled.once('close', r));
  const healthy = await client(t, server, 'tcp', { password: CITY });
  let got = 0;
  healthy.on('message', () => got++);
  await healthy.subscribeAsync('dipper/cases/#', { qos: 1 });
  const n = 3000; // 48 MB: more than the stalled socket's kernel buffers take
  for (let i = 0; i < n; i++) {
    await server.broker!.publish([bulkyCase(i)]);
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 5));
  }
  // before: the stalled reader held every delivery after the first hundred, for every client,
  // in an unbounded queue (and draining it when the reader left overflowed the stack)
  await until('every message to the healthy subscriber', () => got >= n);
  t.equal(got, n, 'the healthy subscriber got everything');
  t.equal((server.broker!.broker as unknown as { mq: { length: number } }).mq.length, 0, "nothing left in the broker's emit queue");
  t.equal(await metric(server, 'dipper_mqtt_refused_total', '{reason="slow-client"}'), 1, 'the stalled one was cut off and counted');
  t.equal(await metric(server, 'dipper_mqtt_refused_total', '{reason="packet-too-large"}'), 0, 'and not counted as anything else');
  stalled.resume(); // it reads again, and finds its connection closed
  await stalledClosed;
  t.equal(await metric(server, 'dipper_mqtt_clients'), 1);
});

t.test('a persistent session (clean session 0) is refused: nothing queues for a client that went away', async (t) => {
  const server = await start(t);
  // before: accepted, and every later QoS 1 message was kept in memory for it, without end
  let code = 0;
  try {
    const ghost = await mqtt.connectAsync(url(server, 'tcp'), { reconnectPeriod: 0, username: 'duty', password: CITY, clean: false, clientId: 'ghost' });
    await ghost.subscribeAsync('dipper/#', { qos: 1 });
    await ghost.endAsync(true);
  } catch (e) {
    code = (e as { code?: number }).code ?? -1;
  }
  t.equal(code, 2, 'CONNACK 2');
  for (let i = 0; i < 200; i++) await server.broker!.publish([bulkyCase(i)]);
  await new Promise((r) => setTimeout(r, 200));
  const persistence = (server.broker!.broker as unknown as { persistence: { outgoingStream(c: { id: string }): AsyncIterable<unknown> } }).persistence;
  let queued = 0;
  for await (const _ of persistence.outgoingStream({ id: 'ghost' })) queued++;
  t.equal(queued, 0, 'nothing queued for it');
  t.equal(await metric(server, 'dipper_mqtt_refused_total', '{reason="persistent-session"}'), 1);
  t.equal(await connack(server, 'tcp', { username: 'duty', password: CITY, clean: true }), 0, 'a clean session connects');
});

t.test("a case topic shared by two districts: a scoped subscriber never gets the other district's retained copy", async (t) => {
  const HONGSHAN = 'hongshan-token-0123456789a';
  const server = await startTestServer(t, { devices: registryFile(), map: { maxCases: 2 }, api: { tokens: [{ token: HONGSHAN, org: 'wuhan/hongshan' }] } });
  const at = { type: 'fire', location: { lat: 30.58, lng: 114.27 }, time: new Date().toISOString() };
  const publish = async (c: import('../../events/case.js').Case) => server.gateway.queue.push([{ kind: 'case', case: c }]);
  // hongshan has case X open; jianghan has its own X (ids are unique per org unit), closed last:
  // the retained copy of dipper/cases/X is jianghan's, with its description
  await publish(server.map.cases.create({ id: 'X', ...at }, 'wuhan/hongshan')!);
  await publish(server.map.cases.create({ id: 'X', ...at, status: 'closed', description: 'jianghan only' }, 'wuhan/jianghan')!);
  // a new hongshan case fills the store: jianghan's closed X is dropped, hongshan's X is the only one
  t.ok(server.map.cases.room('wuhan/hongshan', 'Y'));
  await publish(server.map.cases.create({ id: 'Y', ...at }, 'wuhan/hongshan')!);
  const c = await client(t, server, 'tcp', { password: HONGSHAN });
  const got: { topic: string; org: string }[] = [];
  c.on('message', (topic, payload) => got.push({ topic, org: (JSON.parse(payload.toString()) as { org: string }).org }));
  await c.subscribeAsync('dipper/cases/#', { qos: 1 });
  await until('its own case Y', () => got.some((m) => m.topic === 'dipper/cases/Y'));
  await new Promise((r) => setTimeout(r, 300));
  t.same(got.filter((m) => m.org !== 'wuhan/hongshan'), [], "nothing of jianghan's (before: the retained jianghan X, description included)");
});

t.test("a client id connected with one token cannot be taken over with another (a dashboard knocked off by anyone who learnt its id)", async (t) => {
  const server = await start(t);
  const dashboard = await client(t, server, 'tcp', { password: CITY, clientId: 'city-dashboard' });
  let dashboardClosed = false;
  dashboard.on('close', () => (dashboardClosed = true));
  t.equal(await connack(server, 'tcp', { username: 'x', password: JIANGHAN, clientId: 'city-dashboard' }), 2, 'another token: identifier rejected');
  t.equal(await metric(server, 'dipper_mqtt_refused_total', '{reason="client-id-taken"}'), 1);
  t.ok(dashboard.connected && !dashboardClosed, 'the dashboard stays connected');
  // the same token may take its own id over (a dashboard reconnecting before its old socket timed out)
  t.equal(await connack(server, 'tcp', { username: 'x', password: CITY, clientId: 'city-dashboard' }), 0, 'the same token: accepted');
});
