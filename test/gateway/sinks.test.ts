/** The EventSink contract run against the sinks the gateway ships, and the queue's fan-out. */
import mqtt from 'mqtt';
import t from 'tap';
import type { GatewayEvent, Position } from '../../events/model.js';
import { Registry } from 'prom-client';
import { validate } from '../../server/config.js';
import { MapService } from '../../map/service.js';
import { MqttBrokerSink } from '../../sinks/mqtt-broker.js';
import { TokenTable } from '../../events/tokens.js';
import { EventQueue } from '../../sinks/queue.js';
import type { EventSink } from '../../events/sink.js';
import { position, sinkContract } from './helpers/sink-contract.js';

/** The live map keeps only the last position: its far side is observed on every publish. */
sinkContract(t, 'MapService', async () => {
  const { map, h3 } = validate({});
  const live = new MapService(map, h3);
  const seen: Position[] = [];
  const sink: EventSink = {
    name: live.name,
    async publish(events) {
      // one at a time, reading the index after each: it keeps only the latest per terminal
      for (const e of events) {
        await live.publish([e]);
        if (e.kind === 'position' && live.index.position(e.position.terminal) === e.position) seen.push(e.position);
      }
    },
    close: () => live.close(),
  };
  return { sink, positions: async () => seen };
});

sinkContract(t, 'MqttBrokerSink', async () => {
  const { mqtt: limits } = validate({});
  const sink = await MqttBrokerSink.start({ ...limits, host: '127.0.0.1', port: 0, wsPort: 0 }, { tokens: new TokenTable([]), orgOfTerminal: () => undefined, registry: new Registry() });
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${sink.port}`, { reconnectPeriod: 0 });
  const got: Position[] = [];
  let wake = () => undefined as void;
  client.on('message', (_topic, payload) => {
    got.push(JSON.parse(payload.toString()) as Position);
    wake();
  });
  await client.subscribeAsync('dipper/+/+/position', { qos: 1 });
  return {
    sink,
    async positions(n) {
      while (got.length < n) await new Promise<void>((r) => (wake = r));
      return got;
    },
    teardown: () => client.endAsync(true),
  };
});

t.test('EventQueue: fan-out to every sink, batches in order, flush', async (t) => {
  const a: GatewayEvent[] = [];
  const b: GatewayEvent[] = [];
  const sinkOf = (into: GatewayEvent[]): EventSink => ({ name: 'mem', publish: async (e) => void into.push(...e), close: async () => undefined });
  const depths: number[] = [];
  const q = new EventQueue([sinkOf(a), sinkOf(b)], { highWater: 100, lowWater: 10, batch: 7, onDepth: (d) => depths.push(d) });
  const pushes = Array.from({ length: 30 }, (_, i) => q.push([{ kind: 'position', position: position('1', i) }]));
  await Promise.all(pushes);
  await q.flush();
  t.equal(a.length, 30);
  t.same(a, b, 'both sinks got the same events');
  t.same(
    a.map((e) => (e.kind === 'position' ? e.position.speed : -1)),
    Array.from({ length: 30 }, (_, i) => i),
    'in order',
  );
  t.equal(q.depth, 0);
  t.ok(Math.max(...depths) <= 30);
});

t.test('jsonOf: bytes in extras become hex, the text is made once per event', async (t) => {
  const { jsonOf } = await import('../../events/records.js');
  const p = position('13900000009', 0);
  const plain: GatewayEvent = { kind: 'position', position: p };
  t.same(JSON.parse(jsonOf(plain)), JSON.parse(JSON.stringify(p)), 'no bytes: the plain JSON');
  const withBytes: GatewayEvent = { kind: 'position', position: { ...p, extras: { unknown: { 0xe1: Buffer.from([0xde, 0xad, 0x7e]) } } } };
  t.same(JSON.parse(jsonOf(withBytes)).extras, { unknown: { 225: 'dead7e' } }, 'bytes deep in extras: hex');
  const alarm: GatewayEvent = { kind: 'alarm', alarm: { terminal: p.terminal, category: p.category, org: p.org, source: 'alarmWord', alarm: 'sos', bit: 0, type: null, state: 'start', time: p.time, position: withBytes.position } };
  t.equal(JSON.parse(jsonOf(alarm)).position.extras.unknown[225], 'dead7e', "an alarm's position: hex too");
  const first = jsonOf(plain);
  p.speed = 99; // a second sink gets the text the first one published
  t.equal(jsonOf(plain), first);
});
