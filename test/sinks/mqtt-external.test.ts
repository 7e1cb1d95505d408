/**
 * The external MQTT sink against a real Mosquitto (scripts/mosquitto.sh, its own broker on
 * 11893): the EventSink contract, every event read back by a subscriber field by field, the
 * last position retained, a broker restart (reconnect and resume, nothing lost), the
 * EMQX-compatible uplink/downlink through the whole gateway, and start-up errors.
 */
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import t from 'tap';
import type { Message } from '../../decoders/index.js';
import { ConfigError, validate } from '../../server/config.js';
import type { GatewayEvent, Position } from '../../events/model.js';
import { BacklogSink } from '../../sinks/backlog.js';
import { ExternalMqttSink } from '../../sinks/mqtt-external.js';
import { dedupKey, payloadOf } from '../../events/records.js';
import { until } from '../gateway/helpers/http.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { position, sinkContract } from '../gateway/helpers/sink-contract.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';
import { mosquitto } from './helpers/servers.js';

// the first run on a machine installs the servers (Maven jars, go install): allow for it
t.setTimeout(20 * 60_000);

const broker = await mosquitto(t, 11893);
let run = 0;
const options = (over: Partial<ReturnType<typeof validate>['mqttExternal']> = {}) => ({ ...validate({}).mqttExternal, url: broker.url, topicPrefix: `t${Date.now().toString(36)}${run++}`, ...over });

/** A subscriber collecting JSON payloads by topic. */
class Subscriber {
  readonly got: { topic: string; value: unknown; retain: boolean }[] = [];
  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => this.got.push({ topic, value: JSON.parse(payload.toString()), retain: packet.retain }));
  }
  static async start(filter: string, opts: mqtt.IClientOptions = {}): Promise<Subscriber> {
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 200, ...opts });
    const s = new Subscriber(client);
    await client.subscribeAsync(filter, { qos: 1 });
    return s;
  }
  wait(n: number): Promise<Subscriber['got']> {
    return until(`${n} messages`, () => this.got.length >= n && this.got);
  }
  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}

sinkContract(t, 'ExternalMqttSink', async () => {
  const o = options();
  const sink = await ExternalMqttSink.start(o);
  const sub = await Subscriber.start(`${o.topicPrefix}/+/+/position`);
  return { sink, positions: async (n) => (await sub.wait(n)).map((g) => g.value as Position), teardown: () => sub.close() };
});

t.test('every event on its topic at QoS 1, field by field; the last valid position retained', async (t) => {
  const o = options();
  const sink = await ExternalMqttSink.start(o);
  t.teardown(() => sink.close());
  const sub = await Subscriber.start(`${o.topicPrefix}/#`);
  t.teardown(() => sub.close());
  const events: GatewayEvent[] = [];
  for (let i = 0; i < 12; i++) {
    const p = { ...position(`1380000000${i % 3}`, i), extras: { mileageKm: 10 + i } };
    events.push({ kind: 'position', position: p });
    if (i % 4 === 0) events.push({ kind: 'alarm', alarm: { terminal: p.terminal, category: p.category, org: p.org, source: 'alarmWord', alarm: 'sos', bit: 0, type: null, state: 'start', time: p.time, position: p } });
    if (i === 5) events.push({ kind: 'media', media: { terminal: p.terminal, category: p.category, org: p.org, mediaId: 7, type: 0, format: 0, event: 1, channel: 1, path: 'm/7.jpg', bytes: 10, sha256: 'c'.repeat(64), receivedAt: p.receivedAt, position: null } });
  }
  await sink.publish(events);
  const got = await sub.wait(events.length);
  const want = events.map((e) => {
    const who = payloadOf(e);
    const kind = e.kind;
    const category = kind === 'position' ? e.position.category : kind === 'alarm' ? e.alarm.category : kind === 'media' ? e.media.category : '';
    return { topic: `${o.topicPrefix}/${category}/${who.key}/${kind}`, value: who.payload, retain: false };
  });
  t.same(got, want, 'topics, payloads (every field) and order as published');

  const late = await Subscriber.start(`${o.topicPrefix}/+/+/position`);
  t.teardown(() => late.close());
  const retained = await late.wait(3);
  t.same(
    retained.map((r) => [r.topic, (r.value as Position).speed, r.retain]).sort(),
    [
      [`${o.topicPrefix}/vehicle/13800000000/position`, 9, true],
      [`${o.topicPrefix}/vehicle/13800000001/position`, 10, true],
      [`${o.topicPrefix}/vehicle/13800000002/position`, 11, true],
    ],
    'a new subscriber gets each terminal\'s last position, retained',
  );
});

t.test('Mosquitto restarted: the sink reconnects and resumes, nothing lost', async (t) => {
  const o = options();
  const inner = await ExternalMqttSink.start(o);
  const sink = new BacklogSink(inner, { limit: 10_000, batch: 50, firstRetryMs: 100, maxRetryMs: 1000 });
  t.teardown(() => sink.close());
  // a persistent subscriber session: Mosquitto keeps its subscription and queue across the restart
  const sub = await Subscriber.start(`${o.topicPrefix}/+/+/position`, { clientId: `restart-${o.topicPrefix}`, clean: false });
  t.teardown(() => sub.close());
  const batch = (from: number, n: number): GatewayEvent[] => Array.from({ length: n }, (_, i) => ({ kind: 'position', position: position('13700000001', from + i) }));
  await sink.publish(batch(0, 20));
  await sink.drained();
  await broker.stop();
  t.notOk(inner.client.connected, 'the client sees the broker go');
  await sink.publish(batch(20, 20));
  await new Promise((r) => setTimeout(r, 1500));
  t.equal(sink.size, 20, 'events published while the broker is down wait in the backlog');
  await broker.start();
  await sink.drained();
  t.ok(inner.client.connected, 'reconnected');
  await sink.publish(batch(40, 20));
  await sink.drained();
  // a resubscription after the restart may replay the retained position: count distinct ones
  const unique = () => {
    const seen = new Set<string>();
    return sub.got.map((g) => ({ kind: 'position', position: g.value as Position }) as GatewayEvent).filter((e) => !seen.has(dedupKey(e)) && seen.add(dedupKey(e)));
  };
  await until('60 distinct positions', () => unique().length >= 60);
  const speeds = unique().map((e) => (e.kind === 'position' ? e.position.speed : -1));
  t.comment(`${sub.got.length} deliveries for 60 positions`);
  t.same(speeds, Array.from({ length: 60 }, (_, i) => i), 'all 60 positions, in order (duplicates, if any, recognised by the dedup key)');
});

/*
 * Expected payloads worked out by hand from EMQX's "JT/T 808 Gateway Data Exchange Format"
 * (docs.emqx.com/en/emqx/latest/gateway/jt808_data_exchange.html) and, where the page is silent,
 * from how its parser reads the bytes (emqx/emqx apps/emqx_gateway_jt808/src/emqx_jt808_frame.erl):
 * header msg_id, encrypt, len (body bytes), phone (the BCD digits: 12 for 2013, 20 for 2019),
 * msg_sn, and proto_ver for 2019; 0x0001 body {seq, id, result}; 0x0201 body {seq, params}, params
 * the 0x0200 body {alarm, status, latitude, longitude (1e-6 degrees), altitude, speed (0.1 km/h),
 * direction, time (BCD YYMMDDhhmmss, GMT+8), extra}; the topic jt808/{clientid}/{phone}/up with
 * clientid = phone (emqx_jt808_channel.erl enrich_clientinfo).
 */
const EXTRAS = { mileageKm: 75.7, fuelL: 12.5, ioStatus: 1, analog: { ad0: 1, ad1: 2 }, rssi: 23, satellites: 9 };
/** what EMQX reads from those items' bytes: 01 04 000002f5, 02 02 007d, 2a 02 0001, 2b 04 0002 0001, 30 01 17, 31 01 09 */
const EMQX_EXTRA = {
  mileage: 757,
  fuel_meter: 125,
  // <<DeepSleep:1, Sleep:1, _:14>>: EMQX reads the WORD's two top bits (the standard's bit 0 is set here)
  io_status: { deep_sleep: 0, sleep: 0 },
  // <<AD1:WORD, AD0:WORD>>: AD0 is bits 0-15 of the DWORD, the second WORD on the wire, where the
  // codec writes it (2013 table 27), so both read AD0 = 1
  analog: { ad0: 1, ad1: 2 },
  rssi: 23,
  gnss_sat_num: 9,
};
/** 28-byte basic block + the six items above (6 + 4 + 4 + 6 + 3 + 3 bytes) */
const LEN = 28 + 26;
const BASIC = { alarm: 0, status: 3, latitude: 30583000, longitude: 114271000, altitude: 23, speed: 365, direction: 90, time: '260301163015' };

t.test('EMQX mode through the gateway: jt808/{phone}/{phone}/up and a command on .../dn, in EMQX\'s documented format', async (t) => {
  const server = await startTestServer(t, { mqttExternal: { url: broker.url, emqx: true, topicPrefix: 'dipper' } } as never);
  t.equal(server.ports.mqtt, null, 'the external broker replaces the embedded one');
  const up = await Subscriber.start('jt808/+/+/up');
  t.teardown(() => up.close());
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: '013912340077' });
  t.teardown(() => term.close());
  await term.login();
  const serial = term.send(0x0200, { ...locationBody({ time: '2026-03-01T08:30:15.000Z', speed: 36.5, lat: 30.583, lng: 114.271 }), extras: EXTRAS });
  t.equal((await term.ackOf(serial)).result, 0, 'acknowledged');
  const [first] = await up.wait(1);
  t.equal(first!.topic, 'jt808/013912340077/013912340077/up');
  t.same(
    first!.value,
    { header: { msg_id: 512, encrypt: 0, len: LEN, phone: '013912340077', msg_sn: 0 }, body: { ...BASIC, extra: EMQX_EXTRA } },
    "EMQX's envelope, raw units and extra names",
  );

  await up.client.publishAsync('jt808/013912340077/013912340077/dn', JSON.stringify({ header: { msg_id: 33536 }, body: { flag: 4, text: 'return to base' } }), { qos: 1 });
  const cmd = (await term.next(0x8300)) as Message<{ flag: number; text: string }>;
  t.same(cmd.body, { flag: 4, text: 'return to base' }, 'the terminal got the 0x8300 text from .../dn');
  term.send(0x0001, { ackSerial: cmd.serial, ackMsgId: 0x8300, result: 0 });
  const answers = await up.wait(2);
  t.equal(answers[1]!.topic, 'jt808/013912340077/013912340077/up');
  t.same(answers[1]!.value, { header: { msg_id: 1, encrypt: 0, len: 5, phone: '013912340077', msg_sn: term.serial - 1 }, body: { seq: cmd.serial, id: 0x8300, result: 0 } }, "0x0001 as EMQX's terminal general response: seq, id, result");

  await up.client.publishAsync('jt808/013912340077/013912340077/dn', JSON.stringify({ header: { msg_id: 33281 }, body: {} }), { qos: 1 });
  const query = await term.next(0x8201);
  term.send(0x0201, { ackSerial: query.serial, ...locationBody({ time: '2026-03-01T08:30:15.000Z', speed: 36.5, lat: 30.583, lng: 114.271 }), extras: EXTRAS });
  const located = (await up.wait(4)).find((g) => (g.value as { header: { msg_id: number } }).header.msg_id === 0x0201);
  t.same(
    located?.value,
    { header: { msg_id: 513, encrypt: 0, len: 2 + LEN, phone: '013912340077', msg_sn: term.serial - 1 }, body: { seq: query.serial, params: { ...BASIC, extra: EMQX_EXTRA } } },
    "0x0201 as EMQX's position query answer: seq and params in 0x0200's units and names",
  );
});

t.test('EMQX mode, a 2019 terminal: 20-digit phone in topic and header, proto_ver', async (t) => {
  const server = await startTestServer(t, { mqttExternal: { url: broker.url, emqx: true, topicPrefix: 'dipper' } } as never);
  const phone = '00000000013912340078'; // BCD[10] of 13912340078
  const up = await Subscriber.start(`jt808/${phone}/${phone}/up`);
  t.teardown(() => up.close());
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: '013912340078', version: '2019' });
  t.teardown(() => term.close());
  await term.login();
  const serial = term.send(0x0200, { ...locationBody({ time: '2026-03-01T08:30:15.000Z', speed: 36.5, lat: 30.583, lng: 114.271 }), extras: EXTRAS });
  t.equal((await term.ackOf(serial)).result, 0);
  const [first] = await up.wait(1);
  t.same(first!.value, { header: { msg_id: 512, encrypt: 0, len: LEN, proto_ver: 1, phone, msg_sn: 0 }, body: { ...BASIC, extra: EMQX_EXTRA } }, 'the position: proto_ver 1, the 20 digits');

  await up.client.publishAsync(`jt808/${phone}/${phone}/dn`, JSON.stringify({ header: { msg_id: 33536 }, body: { flag: 4, text_type: 1, text: 'return to base' } }), { qos: 1 });
  const cmd = (await term.next(0x8300)) as Message<{ flag: number; text: string }>;
  term.send(0x0001, { ackSerial: cmd.serial, ackMsgId: 0x8300, result: 0 });
  const answers = await up.wait(2);
  t.equal(answers[1]!.topic, `jt808/${phone}/${phone}/up`, 'the answer on the topic of its own header');
  t.same(answers[1]!.value, { header: { msg_id: 1, encrypt: 0, len: 5, proto_ver: 1, phone, msg_sn: term.serial - 1 }, body: { seq: cmd.serial, id: 0x8300, result: 0 } });
});

t.test('misconfiguration: clear errors at start-up', async (t) => {
  await t.rejects(ExternalMqttSink.start(options({ url: 'mqtt://127.0.0.1:1' })), /mqtt: cannot connect to mqtt:\/\/127\.0\.0\.1:1: /);
  t.throws(() => validate({ mqttExternal: { url: 'http://x' } }), new ConfigError('invalid configuration: mqttExternal.url: "http://x" is not an mqtt://, mqtts://, ws:// or wss:// URL'));
});
