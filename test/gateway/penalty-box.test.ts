/**
 * The per-address penalty box: an address whose connections keep being closed for junk or
 * malformed frames has its new connections refused for a cooldown, while the sessions already
 * open from it (NAT neighbours) and other addresses are served as before. Real sockets
 * against a real gateway; the box's own bookkeeping is checked with explicit clocks.
 */
import t from 'tap';
import { RESULT } from '../../decoders/index.js';
import { authCodeFor } from '../../gateway/session/auth-code.js';
import { PenaltyBox } from '../../gateway/transport/penalty-box.js';
import { startTestServer } from './helpers/server.js';
import { TestTerminal, authBody, registrationBody } from './helpers/terminal.js';
import { rawSocket } from './helpers/raw-socket.js';

/** Bytes that are never a flag: junk from the first byte. */
const JUNK = Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 131 + 7) % 0x7e));

async function refusedCount(httpPort: number, reason: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`dipper_connections_refused_total{reason="${reason}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

t.test('the box itself', async (t) => {
  const box = new PenaltyBox({ strikes: 3, windowMs: 1000, cooldownMs: 5000 });
  t.notOk(box.strike('10.0.0.1', 0), 'first strike');
  t.notOk(box.strike('10.0.0.1', 10), 'second strike');
  t.notOk(box.holds('10.0.0.1', 20), 'not boxed below the strikes');
  t.ok(box.strike('10.0.0.1', 20), 'the third strike within the window boxes the address');
  t.ok(box.holds('10.0.0.1', 30), 'boxed');
  t.notOk(box.holds('10.0.0.2', 30), 'another address is not');
  t.notOk(box.strike('10.0.0.1', 40), 'strikes while boxed do not box it again (logged once per cooldown)');
  t.ok(box.holds('10.0.0.1', 5019), 'still boxed before the cooldown ends');
  t.notOk(box.holds('10.0.0.1', 5020), 'released when the cooldown ends');
  t.equal(box.size, 0);

  t.notOk(box.strike('10.0.0.3', 0));
  t.notOk(box.strike('10.0.0.3', 500));
  t.notOk(box.strike('10.0.0.3', 1501), 'strikes spread wider than the window do not add up');
  t.notOk(box.holds('10.0.0.3', 1600));

  const off = new PenaltyBox({ strikes: 0, windowMs: 1000, cooldownMs: 5000 });
  t.notOk(Array.from({ length: 100 }, (_, i) => off.strike('10.0.0.4', i)).some(Boolean), 'strikes 0: never boxed');

  const small = new PenaltyBox({ strikes: 2, windowMs: 1000, cooldownMs: 5000, maxTracked: 10 });
  for (let i = 0; i < 1000; i++) small.strike(`10.1.${i >> 8}.${i & 255}`, 0);
  t.notOk(small.strike('10.1.0.0', 1), 'a spray of addresses pushes out the oldest records instead of growing');
  t.ok(small.strike('10.1.3.231', 1), 'recent records are kept');
});

t.test('an address that keeps sending junk is refused for the cooldown; its open sessions and other addresses are not', async (t) => {
  const server = await startTestServer(t, { jt808: { penaltyStrikes: 3, penaltyWindowMs: 60_000, penaltyCooldownMs: 60_000 } });
  const port = server.ports.jt808;

  // a well-behaved terminal behind the same address (a NAT neighbour), logged in before the abuse
  const neighbour = await TestTerminal.tcp(port, { phone: '013800000021' });
  t.teardown(() => neighbour.close());
  await neighbour.login();

  for (let i = 0; i < 3; i++) {
    const s = await rawSocket(port);
    s.write(JUNK);
    await s.closedP;
  }
  t.equal(await refusedCount(server.ports.http, 'junk'), 3, 'three connections closed for junk');

  const refused = await rawSocket(port);
  await refused.closedP;
  t.pass('the next connection from the address is closed without sending anything');
  t.equal(await refusedCount(server.ports.http, 'penalty-box'), 1, 'counted as refused by the penalty box');

  const late = await TestTerminal.tcp(port, { phone: '013800000022' });
  t.teardown(() => late.close());
  await new Promise<void>((r) => (late.closed ? r() : setTimeout(r, 200)));
  await t.rejects(late.register(), 'a terminal connecting from the boxed address during the cooldown is refused too');

  t.equal((await neighbour.ackOf(neighbour.send(0x0002, {}))).result, RESULT.ok, 'the session already open from the address is still served');

  const other = await rawSocket(port, '127.0.0.2');
  t.teardown(() => other.destroy());
  other.write(neighbour.frame(0x0100, registrationBody()));
  t.ok((await other.firstData).length > 0, 'another address is answered');
  t.equal(await refusedCount(server.ports.http, 'penalty-box'), 2, 'only the boxed address was refused');
});

t.test('the box lets the address back in after the cooldown', async (t) => {
  const server = await startTestServer(t, { jt808: { penaltyStrikes: 2, penaltyWindowMs: 60_000, penaltyCooldownMs: 300 } });
  const port = server.ports.jt808;
  for (let i = 0; i < 2; i++) {
    const s = await rawSocket(port, '127.0.0.3');
    s.write(JUNK);
    await s.closedP;
  }
  const refused = await rawSocket(port, '127.0.0.3');
  await refused.closedP;
  t.equal(await refusedCount(server.ports.http, 'penalty-box'), 1, 'refused while boxed');
  await new Promise((r) => setTimeout(r, 400));
  const back = await TestTerminal.tcp(port, { phone: '013800000023' });
  t.teardown(() => back.close());
  await back.login();
  t.pass('after the cooldown the address is served again');
});

t.test('penaltyStrikes 0 turns the box off', async (t) => {
  const server = await startTestServer(t, { jt808: { penaltyStrikes: 0 } });
  const port = server.ports.jt808;
  for (let i = 0; i < 5; i++) {
    const s = await rawSocket(port, '127.0.0.4');
    s.write(JUNK);
    await s.closedP;
  }
  const term = await TestTerminal.tcp(port, { phone: '013800000024' });
  t.teardown(() => term.close());
  await term.login();
  t.equal(await refusedCount(server.ports.http, 'penalty-box'), 0, 'nothing refused');
});

t.test('bad frames before the first good one close the connection sooner than the configured threshold', async (t) => {
  const server = await startTestServer(t, { jt808: { malformedThreshold: 1000, penaltyStrikes: 0 } });
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: '013800000025' });
  t.teardown(() => term.close());
  const bad = term.frame(0x0002, {});
  bad[bad.length - 2] = bad[bad.length - 2]! ^ 0x55; // break the check byte
  const s = await rawSocket(server.ports.jt808, '127.0.0.5');
  s.write(Buffer.concat(Array.from({ length: 50 }, () => bad)));
  await s.closedP;
  t.equal(await refusedCount(server.ports.http, 'malformed'), 1, 'a stranger sending only bad frames is closed as malformed');
});

t.test('a stranger\'s first read, bad frames then a login and reports, is split in slices and every good frame answered', async (t) => {
  const server = await startTestServer(t, { auth: { secret: 'slice-secret-of-at-least-32-bytes!' } });
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: '013800000026' });
  t.teardown(() => term.close());
  // six bad registrations (about 360 bytes: the fifth straddles the first 256-byte slice),
  // then registration, authentication and 40 heartbeats, all in one write
  const bad = term.frame(0x0100, registrationBody(), 0x7000);
  bad[bad.length - 2] = bad[bad.length - 2]! ^ 0x55;
  const frames = Array.from({ length: 6 }, () => bad);
  frames.push(term.frame(0x0100, registrationBody()));
  const authSerial = term.serial;
  frames.push(term.frame(0x0102, authBody(term.version, authCodeFor('slice-secret-of-at-least-32-bytes!', '13800000026', { terminalId: 'T000001', epoch: 0 }))));
  const serials: number[] = [];
  for (let i = 0; i < 40; i++) {
    serials.push(term.serial);
    frames.push(term.frame(0x0002, {}));
  }
  t.ok(frames.slice(0, 6).reduce((n, f) => n + f.length, 0) > 256, 'the bad frames outrun the first slice');
  term.writeRaw(Buffer.concat(frames));
  t.equal((await term.ackOf(authSerial)).result, RESULT.ok, 'authenticated');
  for (const s of serials) t.equal((await term.ackOf(s)).result, RESULT.ok);
  t.notOk(term.closed, 'still connected');
});
