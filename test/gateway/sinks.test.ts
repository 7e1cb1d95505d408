/** The EventSink contract run against the sinks the gateway ships, and the queue's fan-out. */
import mqtt from 'mqtt';
import t from 'tap';
import { LiveIndex } from '../../gateway/live/index.js';
import type { GatewayEvent, Position } from '../../gateway/normalise/events.js';
import { MqttBrokerSink } from '../../gateway/sinks/mqtt-broker.js';
import { EventQueue } from '../../gateway/sinks/queue.js';
import type { EventSink } from '../../gateway/sinks/sink.js';
import { position, sinkContract } from './helpers/sink-contract.js';

/** The live index keeps only the last position: its far side is observed on every publish. */
sinkContract(t, 'LiveIndex', async () => {
  const live = new LiveIndex();
  const seen: Position[] = [];
  const sink: EventSink = {
    name: live.name,
    async publish(events) {
      // one at a time, reading the index after each: it keeps only the latest per terminal
      for (const e of events) {
        await live.publish([e]);
        if (e.kind === 'position' && live.get(e.position.terminal) === e.position) seen.push(e.position);
      }
    },
    close: () => live.close(),
  };
  return { sink, positions: async () => seen };
});

sinkContract(t, 'MqttBrokerSink', async () => {
  const sink = await MqttBrokerSink.start({ host: '127.0.0.1', port: 0, wsPort: 0, topicPrefix: 'dipper' });
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
