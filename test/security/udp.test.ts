/**
 * Issue 14, section 3: "UDP sessions can be hijacked and spammed". UDP has no connection, so
 * what a session is bound to is the source address and port it authenticated from:
 * - a datagram from elsewhere carrying a logged-in terminal's phone is a stranger's (0x8001
 *   result 1, 2013 §8.2 "失败", nothing stored) until it authenticates from there;
 * - datagrams from many sources (each with another phone) cannot make more sessions than
 *   jt808.udpMaxSessions in all and jt808.udpMaxPerIp per address; at a limit the oldest
 *   session not logged in gives way (forged sources cannot keep terminals out), and only when
 *   every session in the way is a terminal's is a new source dropped.
 * Real gateway, real sockets on loopback (127.0.0.0/8 gives several source addresses).
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import t from 'tap';
import { encode } from '../../decoders/index.js';
import type { Server } from '../../server/server.js';
import { sample, scrape } from '../ops/helpers.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { until } from '../gateway/helpers/http.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';

t.test('a UDP session is bound to the address and port it authenticated from', async (t) => {
  const server = await startTestServer(t);
  const phone = '013900000301';
  const terminal = '13900000301';
  const term = await TestTerminal.udp(server.ports.udp!, { phone });
  t.teardown(() => term.close());
  const { result: registered, authCode } = await term.register();
  t.equal(registered, 0);
  t.equal(await term.authenticate(authCode), 0);
  t.equal((await term.ackOf(term.send(0x0200, locationBody({ lat: 30.583, lng: 114.271 })))).result, 0);
  t.equal(server.map.index.position(terminal)?.lat, 30.583, 'the terminal is on the map');

  // another socket = another source port, as an attacker (or a NAT that moved) would be
  const other = await TestTerminal.udp(server.ports.udp!, { phone });
  t.teardown(() => other.close());
  const forged = await other.ackOf(other.send(0x0200, locationBody({ lat: 31.5, lng: 114.5 })));
  t.equal(forged.ackMsgId, 0x0200);
  t.equal(forged.result, 1, 'a report for its phone from another address and port is refused (result 1)');
  t.equal(server.map.index.position(terminal)?.lat, 30.583, 'the live index keeps the authenticated position');
  t.equal(server.map.index.get(terminal)?.lat, 30.583, 'so does the map');

  // the terminal behind the new address is served once it authenticates from there
  t.equal(await other.authenticate(authCode), 0, 'authenticating from the new address is accepted');
  t.equal((await other.ackOf(other.send(0x0200, locationBody({ lat: 31.5, lng: 114.5 })))).result, 0);
  t.equal(server.map.index.position(terminal)?.lat, 31.5, 'its reports are stored from the new address');
  // and the old address is the stranger now: its session was replaced by the new login
  t.equal((await term.ackOf(term.send(0x0200, locationBody({ lat: 29, lng: 114 })))).result, 1, 'the old address must authenticate again');
  t.equal(server.map.index.position(terminal)?.lat, 31.5);
});

/** Count of a counter or gauge sample in the gateway's registry (collect hooks run). */
async function metricValue(server: Server, name: string, labels: Record<string, string>): Promise<number> {
  const metric = server.gateway.metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  let sum = 0;
  for (const v of values) if (Object.entries(labels).every(([k, want]) => v.labels[k] === want)) sum += v.value;
  return sum;
}

function bind(address: string): Promise<Socket> {
  const s = createSocket('udp4');
  s.on('error', () => undefined);
  // replies (0x8001 result 1) are not read: the gateway's metrics say what it did
  return new Promise((resolve) => s.bind(0, address, () => resolve(s)));
}

t.test('50,000 unauthenticated datagrams with different phones make no more UDP sessions than the caps', async (t) => {
  const maxSessions = 20;
  const maxPerIp = 8;
  const server = await startTestServer(t, { jt808: { udpMaxSessions: maxSessions, udpMaxPerIp: maxPerIp } });
  const port = server.ports.udp!;
  // 5 source addresses x 10 ports: more ports per address than udpMaxPerIp, more in all than udpMaxSessions
  const sockets: Socket[] = [];
  for (let a = 1; a <= 5; a++) for (let p = 0; p < 10; p++) sockets.push(await bind(`127.0.0.${a}`));
  t.teardown(() => sockets.forEach((s) => s.close()));

  // every datagram is either decoded by a session (a frame in) or refused by a limit; waiting for
  // that count to reach what was sent keeps at most one window in the kernel's receive buffer
  const handled = async () =>
    (await metricValue(server, 'dipper_frames_in_total', { msg_id: '0x0200' })) +
    (await metricValue(server, 'dipper_connections_refused_total', { reason: 'udp-max-sessions' })) +
    (await metricValue(server, 'dipper_connections_refused_total', { reason: 'udp-per-ip' }));
  const total = 50_000;
  const window = 100;
  const body = locationBody();
  let peak = 0;
  for (let sent = 0; sent < total; ) {
    for (const end = Math.min(total, sent + window); sent < end; sent++) {
      const phone = `0139${String(sent).padStart(8, '0')}`;
      sockets[sent % sockets.length]!.send(encode({ msgId: 0x0200, version: '2013', phone, serial: sent & 0xffff, body }), port, '127.0.0.1');
    }
    const target = sent;
    await until(`${target} datagrams handled`, async () => (await handled()) >= target);
    peak = Math.max(peak, await metricValue(server, 'dipper_connections', { transport: 'udp' }));
  }

  const text = await scrape(server.ports.http);
  const open = sample(text, 'dipper_connections{transport="udp"}') ?? 0;
  t.ok(open <= maxSessions, `UDP sessions ${open} <= jt808.udpMaxSessions ${maxSessions}`);
  t.ok(peak <= maxSessions, `at no window's end more than the cap (peak ${peak})`);
  t.ok((sample(text, 'dipper_connections_refused_total{reason="udp-evicted"}') ?? 0) > 0, 'sessions given up at the caps are counted');
  t.equal(sample(text, 'dipper_sessions_authenticated'), 0, 'none of them logged in');

  // the table is full of strangers: a terminal still gets in
  const term = await TestTerminal.udp(port, { phone: '013900000399' });
  t.teardown(() => term.close());
  await term.login();
  t.equal((await term.ackOf(term.send(0x0200, locationBody()))).result, 0, 'a terminal logs in and reports while strangers fill the table');
  t.ok((await metricValue(server, 'dipper_connections', { transport: 'udp' })) <= maxSessions);
});

t.test('at the caps strangers give way to terminals; only terminals in the way drop a new source', async (t) => {
  const server = await startTestServer(t, { jt808: { udpMaxSessions: 2, udpMaxPerIp: 2 } });
  const port = server.ports.udp!;
  const udpSessions = () => metricValue(server, 'dipper_connections', { transport: 'udp' });
  const refused = (reason: string) => metricValue(server, 'dipper_connections_refused_total', { reason });
  const heartbeat = (phone: string) => encode({ msgId: 0x0002, version: '2013', phone, serial: 0, body: {} });
  const strangers = [await bind('127.0.0.1'), await bind('127.0.0.1'), await bind('127.0.0.1'), await bind('127.0.0.2')];
  t.teardown(() => strangers.forEach((s) => s.close()));
  strangers[0]!.send(heartbeat('013900000351'), port, '127.0.0.1');
  strangers[1]!.send(heartbeat('013900000352'), port, '127.0.0.1');
  await until('two strangers hold the table', async () => (await udpSessions()) === 2);

  const terms: TestTerminal[] = [];
  for (const phone of ['013900000361', '013900000362']) {
    const term = await TestTerminal.udp(port, { phone });
    t.teardown(() => term.close());
    await term.login();
    terms.push(term);
  }
  t.equal(await refused('udp-evicted'), 2, 'each terminal took the place of a stranger from its address');
  t.equal(await udpSessions(), 2);

  strangers[2]!.send(heartbeat('013900000353'), port, '127.0.0.1');
  await until('a new source from the full address dropped', async () => (await refused('udp-per-ip')) === 1);
  strangers[3]!.send(heartbeat('013900000354'), port, '127.0.0.1');
  await until('a new source from another address dropped', async () => (await refused('udp-max-sessions')) === 1);
  t.equal(await udpSessions(), 2, 'the terminals keep their sessions');
  for (const term of terms) t.equal((await term.ackOf(term.send(0x0200, locationBody()))).result, 0, 'and are served');
});

t.test('idle UDP sessions expire and free their place', async (t) => {
  const server = await startTestServer(t, { jt808: { udpMaxSessions: 2, handshakeTimeoutMs: 200 } });
  const port = server.ports.udp!;
  const strangers = [await bind('127.0.0.1'), await bind('127.0.0.1')];
  t.teardown(() => strangers.forEach((s) => s.close()));
  strangers.forEach((s, i) => s.send(encode({ msgId: 0x0002, version: '2013', phone: `01390000040${i}`, serial: 0, body: {} }), port, '127.0.0.1'));
  await until('two UDP sessions', async () => (await metricValue(server, 'dipper_connections', { transport: 'udp' })) === 2);
  // nobody authenticates: the handshake timeout closes both
  await until('UDP sessions expired', async () => (await metricValue(server, 'dipper_connections', { transport: 'udp' })) === 0);
  const term = await TestTerminal.udp(port, { phone: '013900000410' });
  t.teardown(() => term.close());
  await term.login();
  t.equal((await term.ackOf(term.send(0x0200, locationBody()))).result, 0, 'a terminal gets the freed place');
});

t.test('datagrams take the session path of TCP reads: another protocol on the port is junk there too', async (t) => {
  const server = await startTestServer(t);
  const s = await bind('127.0.0.1');
  t.teardown(() => s.close());
  s.send(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), server.ports.udp!, '127.0.0.1');
  // the foreign-protocol guard closes the session at once (the old UDP path only skipped the bytes)
  await until('the session closed as junk', async () => (await metricValue(server, 'dipper_connections_refused_total', { reason: 'junk' })) === 1);
  t.equal(await metricValue(server, 'dipper_connections', { transport: 'udp' }), 0, 'and gone from the UDP sessions');
  t.ok((await metricValue(server, 'dipper_junk_bytes_total', {})) > 0, 'its bytes counted as junk');
});
