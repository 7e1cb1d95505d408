/** Positions and alarms reach an mqtt.js subscriber of the embedded broker, over TCP and WebSocket. */
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import t from 'tap';
import type { Alarm, Position } from '../../events/model.js';
import { startTestServer } from './helpers/server.js';
import { TestTerminal, locationBody } from './helpers/terminal.js';

function collect(client: MqttClient): { topic: string; payload: unknown; retain: boolean }[] & { wait(n: number): Promise<void> } {
  const got = [] as unknown as { topic: string; payload: unknown; retain: boolean }[] & { wait(n: number): Promise<void> };
  const waiters: { n: number; resolve: () => void }[] = [];
  client.on('message', (topic, payload, packet) => {
    got.push({ topic, payload: JSON.parse(payload.toString()), retain: packet.retain });
    for (const w of waiters.filter((w) => got.length >= w.n)) w.resolve();
  });
  got.wait = (n) => (got.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })));
  return got;
}

t.test('a terminal report becomes a Position, alarm edges become Alarms', async (t) => {
  const server = await startTestServer(t);
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${server.ports.mqtt}`, { reconnectPeriod: 0 });
  t.teardown(() => client.endAsync(true));
  const got = collect(client);
  await client.subscribeAsync('dipper/#', { qos: 1 });

  const term = await TestTerminal.tcp(server.ports.jt808);
  t.teardown(() => term.close());
  await term.login();
  const time = '2026-03-01T08:00:00.000Z';
  await term.ackOf(term.send(0x0200, locationBody({ time })));
  await term.ackOf(term.send(0x0200, locationBody({ time, alarm: 0x1 }))); // bit 0 SOS rises
  await term.ackOf(term.send(0x0200, locationBody({ time, alarm: 0 }))); // and falls
  await got.wait(6); // three positions, two alarm edges and the presence at login

  const positions = got.filter((m) => m.topic === 'dipper/unknown/13912345678/position');
  t.equal(positions.length, 3, 'one position per report');
  const p = positions[0]!.payload as Position;
  t.equal(p.terminal, '13912345678');
  t.equal(p.time, time, 'device time in UTC');
  t.equal(p.lat, 30.583);
  t.equal(p.lng, 114.271);
  t.equal(p.speed, 36.5);
  t.equal(p.valid, true);
  t.equal(p.backfill, false);
  t.same(p.flags, ['acc', 'fix']);

  const alarms = got.filter((m) => m.topic === 'dipper/unknown/13912345678/alarm').map((m) => m.payload as Alarm);
  t.same(
    alarms.map((a) => [a.alarm, a.bit, a.state]),
    [
      ['sos', 0, 'start'],
      ['sos', 0, 'end'],
    ],
  );
  t.equal(alarms[0]!.position.alarm, 1, 'the alarm carries its position');
});

t.test('the last position is retained; clients cannot publish under dipper/', async (t) => {
  const server = await startTestServer(t);
  const term = await TestTerminal.tcp(server.ports.jt808);
  t.teardown(() => term.close());
  await term.login();
  await term.ackOf(term.send(0x0200, locationBody({ lat: 30.6 })));

  // a late subscriber over WebSocket gets the retained last position
  const ws = await mqtt.connectAsync(`ws://127.0.0.1:${server.ports.mqttWs}`, { reconnectPeriod: 0 });
  t.teardown(() => ws.endAsync(true));
  const got = collect(ws);
  await ws.subscribeAsync('dipper/+/+/position', { qos: 1 });
  await got.wait(1);
  t.equal(got[0]!.retain, true, 'retained');
  t.equal((got[0]!.payload as Position).lat, 30.6);

  // an intruder's fake position is refused by the broker, so subscribers never see it
  const intruder = await mqtt.connectAsync(`mqtt://127.0.0.1:${server.ports.mqtt}`, { reconnectPeriod: 0 });
  t.teardown(() => intruder.endAsync(true));
  await intruder.publishAsync('dipper/vehicle/1/position', '{"fake":true}', { qos: 0 }).catch(() => undefined);
  await term.ackOf(term.send(0x0200, locationBody({ lat: 30.7 })));
  await got.wait(2);
  t.same(
    got.map((m) => m.topic),
    ['dipper/unknown/13912345678/position', 'dipper/unknown/13912345678/position'],
    'only the gateway publishes there',
  );
});
