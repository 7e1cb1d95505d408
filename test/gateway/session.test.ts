/**
 * End to end over real loopback sockets: a codec-built terminal registers, authenticates and
 * reports; every answer is checked for its message ID, serial and result.
 */
import t from 'tap';
import { RESULT, encode } from '../../decoders/index.js';
import type { Message } from '../../decoders/index.js';
import { authCodeFor } from '../../gateway/session/auth-code.js';
import { TEST_SECRET, startTestServer } from './helpers/server.js';
import { TestTerminal, locationBody } from './helpers/terminal.js';

t.test('register, authenticate, heartbeat, time, location, logout over TCP', async (t) => {
  const server = await startTestServer(t);
  const term = await TestTerminal.tcp(server.ports.jt808);
  t.teardown(() => term.close());

  const reg = await term.register();
  t.equal(reg.serial, 0, '0x8100 answers the 0x0100 serial');
  t.equal(reg.result, 0, 'registered');
  t.equal(reg.authCode, authCodeFor(TEST_SECRET, '13912345678', { terminalId: 'T000001', epoch: 0 }), 'auth code is bound to the terminal, its terminal ID and epoch 0');

  t.equal(await term.authenticate(reg.authCode), RESULT.ok, '0x0102 accepted');
  t.equal(server.gateway.sessions.size, 1);

  const hb = term.send(0x0002, {});
  t.same(await term.ackOf(hb), { ackSerial: hb, ackMsgId: 0x0002, result: 0 }, 'heartbeat answered 0x8001');

  term.send(0x0004, {});
  const time = (await term.next(0x8004)) as Message<{ utc: string }>;
  t.match(time.body.utc, /^\d{12}$/, '0x8004 carries a UTC time');
  const now = new Date().toISOString().replace(/\D/g, '').slice(2, 8);
  t.equal(time.body.utc.slice(0, 6), now, 'UTC date of today');

  const loc = term.send(0x0200, locationBody());
  t.same(await term.ackOf(loc), { ackSerial: loc, ackMsgId: 0x0200, result: 0 }, 'location answered after publishing');
  const pos = server.map.index.position('13912345678');
  t.ok(pos, 'live index has the position');
  t.equal(pos?.valid, true);
  t.equal(pos?.category, 'unknown', 'not in the registry');
  t.match(pos?.h3, /^89/, 'resolution 9 cell');
  t.same(Object.keys(pos?.h3Parents ?? {}).sort(), ['5', '7']);

  const info = (await (await fetch(`http://127.0.0.1:${server.ports.http}/api/terminals/013912345678`)).json()) as { online: boolean; position: { lat: number } };
  t.equal(info.online, true, 'API: online');
  t.equal(info.position.lat, 30.583, 'API: last position');
  t.equal((await fetch(`http://127.0.0.1:${server.ports.http}/api/terminals/13000000000`)).status, 404, 'API: unknown terminal');

  const bye = term.send(0x0003, {});
  t.equal((await term.ackOf(bye)).result, 0, 'logout answered');
  await new Promise<void>((r) => (term.closed ? r() : setTimeout(r, 50)));
  t.equal(server.gateway.sessions.has('13912345678'), false, 'session gone after logout');
});

t.test('platform serials count up per session', async (t) => {
  const server = await startTestServer(t);
  const term = await TestTerminal.tcp(server.ports.jt808);
  t.teardown(() => term.close());
  await term.login();
  const a = term.send(0x0002, {});
  const b = term.send(0x0002, {});
  await term.ackOf(a);
  await term.ackOf(b);
  // register answer, auth answer, two heartbeat answers: platform serials 0..3 in order
  const serials = [...term.received].map((m) => m.serial);
  t.same(serials, [], 'everything was consumed');
  t.equal(server.gateway.sessions.get('13912345678')?.nextSerial(0), 4, 'four frames sent from serial 0');
});

t.test('refusals', async (t) => {
  const server = await startTestServer(t, { auth: { unknownTerminals: 'refuse' } });

  t.test('a message before authentication gets 0x8001 result 1', async (t) => {
    const term = await TestTerminal.tcp(server.ports.jt808);
    t.teardown(() => term.close());
    const s = term.send(0x0200, locationBody());
    t.same(await term.ackOf(s), { ackSerial: s, ackMsgId: 0x0200, result: RESULT.fail });
    t.equal(server.map.index.size, 0, 'nothing published');
  });

  t.test('an unknown terminal is refused registration with 0x8100 result 4', async (t) => {
    const term = await TestTerminal.tcp(server.ports.jt808);
    t.teardown(() => term.close());
    const reg = await term.register();
    t.equal(reg.result, 4);
    t.equal(reg.authCode, '', 'no auth code on refusal');
  });

  t.test('a wrong auth code gets 0x8001 result 1', async (t) => {
    const term = await TestTerminal.tcp(server.ports.jt808, { phone: '013900000001' });
    t.teardown(() => term.close());
    t.equal(await term.authenticate('0000000000000000'), RESULT.fail);
    t.equal(server.gateway.sessions.size, 0);
  });
});

t.test('a second login with the same phone replaces the first session', async (t) => {
  const server = await startTestServer(t);
  const first = await TestTerminal.tcp(server.ports.jt808);
  t.teardown(() => first.close());
  await first.login();
  const old = server.gateway.sessions.get('13912345678');
  const second = await TestTerminal.tcp(server.ports.jt808);
  t.teardown(() => second.close());
  await second.login();
  t.equal(old?.closed, true, 'old session closed');
  t.equal(old?.closeReason, 'replaced');
  t.not(server.gateway.sessions.get('13912345678'), old, 'the new session is the one on record');
  const hb = second.send(0x0002, {});
  t.equal((await second.ackOf(hb)).result, 0, 'new session works');
});

t.test('a 2019 terminal is answered in 2019 frames with its 20-digit phone', async (t) => {
  const server = await startTestServer(t);
  const term = await TestTerminal.tcp(server.ports.jt808, { version: '2019', phone: '00000000013912345678' });
  t.teardown(() => term.close());
  await term.login();
  const s = term.send(0x0002, {});
  const ack = await term.next((m) => m.msgId === 0x8001 && (m as Message<{ ackSerial: number }>).body.ackSerial === s);
  t.equal(ack.version, '2019');
  t.equal(ack.phone, '00000000013912345678');
  t.ok(server.gateway.sessions.has('13912345678'), 'same identity as the 2013 phone');
});

t.test('UDP: several frames in one datagram, replies to the sender', async (t) => {
  const server = await startTestServer(t);
  t.equal(server.ports.udp, server.ports.jt808, 'UDP on the TCP port');
  const term = await TestTerminal.udp(server.ports.udp!);
  t.teardown(() => term.close());
  await term.login();
  const a = term.nextSerial();
  const b = term.nextSerial();
  term.writeRaw(Buffer.concat([term.frame(0x0002, {}, a), term.frame(0x0200, locationBody(), b)]));
  t.equal((await term.ackOf(a)).ackMsgId, 0x0002);
  t.equal((await term.ackOf(b)).ackMsgId, 0x0200);
  t.ok(server.map.index.position('13912345678'), 'position published');
});

t.test('a 2011 terminal: the edition is learnt from its registration', async (t) => {
  const server = await startTestServer(t);
  const term = await TestTerminal.tcp(server.ports.jt808, { version: '2011', phone: '013600000011' });
  t.teardown(() => term.close());
  await term.login();
  const session = server.gateway.sessions.get('13600000011');
  t.equal(session?.edition, '2011', 'short 0x0100 body read as 2011');
  const s = term.send(0x0200, locationBody());
  t.equal((await term.ackOf(s)).result, 0);
});

t.test('a device with a hex ID in the phone field is served and addressable', async (t) => {
  const server = await startTestServer(t);
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: '4e5de66fba22' });
  t.teardown(() => term.close());
  await term.login();
  t.ok(server.gateway.sessions.has('4e5de66fba22'));
  const res = fetch(`http://127.0.0.1:${server.ports.http}/api/terminals/4E5DE66FBA22/commands`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ command: 'textMessage', body: { flag: 0, text: 'hi' }, timeoutMs: 5000 }),
  });
  const cmd = await term.next(0x8300);
  term.send(0x0001, { ackSerial: cmd.serial, ackMsgId: 0x8300, result: 0 });
  t.equal((await res).status, 200);
});

t.test('a connection logged in as one terminal cannot log in as another (one identity per connection)', async (t) => {
  const server = await startTestServer(t);
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: '013900000001' });
  t.teardown(() => term.close());
  await term.login();
  const session = server.gateway.sessions.get('13900000001');
  t.ok(session);
  // the same connection now claims to be another terminal
  const other = encode({ msgId: 0x0102, version: '2013', phone: '013900000002', serial: term.nextSerial(), body: { authCode: 'not-the-code' } });
  term.writeRaw(other);
  const answer = await term.next((d) => d.msgId === 0x8001 && 'body' in d && (d.body as { ackMsgId: number }).ackMsgId === 0x0102);
  t.equal(('body' in answer ? (answer.body as { result: number }) : { result: -1 }).result, RESULT.fail);
  t.ok(server.gateway.sessions.get('13900000001') === session, 'the first identity keeps its session');
  t.notOk(server.gateway.sessions.has('13900000002'), 'the other one is not logged in');
  const s = term.send(0x0200, locationBody());
  t.equal((await term.ackOf(s)).result, RESULT.ok, 'the connection still serves its own terminal');
});
