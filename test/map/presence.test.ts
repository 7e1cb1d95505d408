/**
 * Presence (issue 21's logout bug): a terminal that logs out (0x0003) or goes idle is offline on
 * the map, in /api/terminals and /api/terminals/{id} at once, not after map.offlineAfterMs; the
 * session's end is a retained message on MQTT; a dropped connection keeps the silence rule.
 * Expected values come from the standard's flow (2013 §8.7: logout answered 0x8001, then the
 * session ends) and the README's rule, not from our output.
 */
import mqtt from 'mqtt';
import t from 'tap';
import type { Presence } from '../../events/presence.js';
import { until } from '../gateway/helpers/http.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';
import { JIANGHAN, position, startMapServer } from './helpers.js';

type Detail = { online: boolean; session: unknown; live: { online: boolean } | null };
type List = { items: { id: string; online: boolean }[] };

async function detail(base: string, id: string): Promise<Detail> {
  return (await (await fetch(`${base}/api/terminals/${id}`)).json()) as Detail;
}

async function listed(base: string, id: string, query = ''): Promise<{ id: string; online: boolean } | undefined> {
  const list = (await (await fetch(`${base}/api/terminals${query}`)).json()) as List;
  return list.items.find((i) => i.id === id);
}

t.test('0x0003 logout: offline at once in the list, the detail and the map; the retained presence says why; a new login brings it back', async (t) => {
  const { server, base } = await startMapServer(t, { tokens: false });
  const unit = JIANGHAN[4]!;
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: `0${unit.terminal}` });
  t.teardown(() => term.close());
  await term.login();
  await term.ackOf(term.send(0x0200, locationBody({ lat: 30.58, lng: 114.27 })));
  t.equal((await listed(base, unit.terminal))?.online, true, 'reported: online in the list');

  const logout = term.send(0x0003, {});
  t.equal((await term.ackOf(logout)).result, 0, '0x8001 result 0 to the logout');
  await until('the session gone', () => !server.gateway.sessions.has(unit.terminal));
  // the presence event travels the sink queue: wait for it to reach the map, never for a time
  await until('offline in the index', () => server.map.index.get(unit.terminal)?.online === false);
  const d = await detail(base, unit.terminal);
  t.equal(d.online, false, '/api/terminals/{id}: offline');
  t.equal(d.live?.online, false, 'the same answer as the map index');
  t.equal((await listed(base, unit.terminal))?.online, false, '/api/terminals: offline, well inside map.offlineAfterMs (6 min)');
  t.ok(await listed(base, unit.terminal, '?online=false'), 'the online=false filter lists it');
  t.notOk(await listed(base, unit.terminal, '?online=true'), 'the online=true filter does not');

  // a subscriber arriving later learns the state from the retained message
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${server.ports.mqtt}`, { reconnectPeriod: 0 });
  t.teardown(() => client.endAsync(true));
  const got: { topic: string; presence: Presence; retain: boolean }[] = [];
  client.on('message', (topic, payload, packet) => got.push({ topic, presence: JSON.parse(payload.toString()) as Presence, retain: packet.retain }));
  await client.subscribeAsync(`dipper/+/${unit.terminal}/presence`, { qos: 1 });
  const retained = await until('the retained presence', () => got[0]);
  t.equal(retained.topic, `dipper/vehicle/${unit.terminal}/presence`, 'under the terminal, its category from the registry');
  t.equal(retained.retain, true, 'retained');
  t.match(retained.presence, { terminal: unit.terminal, category: 'vehicle', org: unit.org, state: 'offline', reason: 'logout', transport: 'tcp' });
  t.ok(Math.abs(Date.parse(retained.presence.at) - Date.now()) < 600_000, 'at: a real time (ISO 8601)');

  // a report received before the logout and delivered late (a Kafka consumer's lag) does not bring it back
  const before = new Date(Date.parse(retained.presence.at) - 1000).toISOString();
  await server.map.publish([{ kind: 'position', position: position(unit.terminal, unit.category, unit.org, 30.59, 114.28, { time: new Date().toISOString(), receivedAt: before }) }]);
  t.equal(server.map.index.get(unit.terminal)?.online, false, 'a report received before the logout: still offline');

  // logging in again: online before its first report, and the live subscriber hears it
  const again = await TestTerminal.tcp(server.ports.jt808, { phone: `0${unit.terminal}` });
  t.teardown(() => again.close());
  await again.login();
  const online = await until('the online presence', () => got.find((g) => g.presence.state === 'online'));
  t.match(online.presence, { state: 'online', reason: 'login' });
  await until('online again', () => server.map.index.get(unit.terminal)?.online === true);
  t.equal((await detail(base, unit.terminal)).online, true, '/api/terminals/{id}: online after the new login');
});

t.test('idle close (nothing for jt808.idleTimeoutMs): offline at once; a dropped connection keeps the map.offlineAfterMs rule', async (t) => {
  const { server, base } = await startMapServer(t, { tokens: false, jt808: { idleTimeoutMs: 3000 } });
  const idle = JIANGHAN[5]!;
  const dropped = JIANGHAN[6]!;
  const a = await TestTerminal.tcp(server.ports.jt808, { phone: `0${idle.terminal}` });
  const b = await TestTerminal.tcp(server.ports.jt808, { phone: `0${dropped.terminal}` });
  t.teardown(() => a.close());
  t.teardown(() => b.close());
  await a.login();
  await b.login();
  await a.ackOf(a.send(0x0200, locationBody()));
  await b.ackOf(b.send(0x0200, locationBody()));
  b.close();
  // both sessions end: a's for idleness (the gateway closes it), b's because the socket ended
  await until('both sessions gone', () => !server.gateway.sessions.has(idle.terminal) && !server.gateway.sessions.has(dropped.terminal));
  await until('the idle one offline', () => server.map.index.get(idle.terminal)?.online === false);
  t.equal((await detail(base, idle.terminal)).online, false, 'idle: offline');
  t.equal((await detail(base, dropped.terminal)).online, true, 'dropped: heard from a moment ago, still online (cellular terminals reconnect within seconds)');
});
