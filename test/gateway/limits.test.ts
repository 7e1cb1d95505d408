/**
 * Nothing a connection sends disturbs the others: an HTTP request, random bytes, bad frames
 * and floods are counted and their connection closed, while a well-behaved terminal on the
 * same gateway keeps getting its answers.
 */
import t from 'tap';
import type { Test } from 'tap';
import { RESULT, enframe } from '../../decoders/index.js';
import { startTestServer } from './helpers/server.js';
import { TestTerminal } from './helpers/terminal.js';
import { rawSocket } from './helpers/raw-socket.js';

async function metric(port: number, name: string): Promise<string[]> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(name));
}

t.test('junk and floods', async (t) => {
  const server = await startTestServer(t, { jt808: { malformedThreshold: 10, junkThreshold: 512 } });
  const good = await TestTerminal.tcp(server.ports.jt808);
  t.teardown(() => good.close());
  await good.login();
  const stillFine = async (tt: Test, what: string) => tt.equal((await good.ackOf(good.send(0x0002, {}))).result, 0, `well-behaved terminal answered after ${what}`);

  t.test('an HTTP request on the port is closed', async (t) => {
    const s = await rawSocket(server.ports.jt808);
    s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await s.closedP;
    t.pass('closed');
    await stillFine(t, 'HTTP');
  });

  t.test('random bytes are closed', async (t) => {
    const s = await rawSocket(server.ports.jt808);
    const junk = Buffer.alloc(4096);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 131 + 7) % 0x7e; // never a flag
    s.write(junk);
    await s.closedP;
    t.pass('closed');
    await stillFine(t, 'random bytes');
  });

  t.test('a flood of bad-checksum frames is closed past the threshold', async (t) => {
    const s = await rawSocket(server.ports.jt808);
    const frame = good.frame(0x0002, {});
    frame[frame.length - 2] = frame[frame.length - 2]! ^ 0x55; // break the check byte
    s.write(Buffer.concat(Array.from({ length: 200 }, () => frame)));
    await s.closedP;
    t.pass('closed');
    await stillFine(t, 'a bad-frame flood');
  });

  t.test('a header that parses with a bad body is answered 0x8001 result 2', async (t) => {
    // 0x0200 with a 3-byte body (the basic block needs 28): built by hand, header per 2013 §4.4.3
    const data = Buffer.from([
      0x02, 0x00, // message ID 0x0200
      0x00, 0x03, // body attributes: length 3
      0x01, 0x39, 0x12, 0x34, 0x56, 0x78, // phone 013912345678
      0x12, 0x34, // serial 0x1234
      0x00, 0x00, 0x00, // truncated body
    ]);
    good.writeRaw(enframe(data));
    t.same(await good.ackOf(0x1234), { ackSerial: 0x1234, ackMsgId: 0x0200, result: RESULT.malformed });
    await stillFine(t, 'a malformed body');
  });

  t.test('the metrics count it all', async (t) => {
    t.match((await metric(server.ports.http, 'dipper_connections_refused_total')).join('\n'), /reason="junk"/);
    t.match((await metric(server.ports.http, 'dipper_connections_refused_total')).join('\n'), /reason="malformed"/);
    t.match((await metric(server.ports.http, 'dipper_decode_errors_total')).join('\n'), /reason="checksum"/);
    t.match((await metric(server.ports.http, 'dipper_decode_errors_total')).join('\n'), /reason="truncated"/);
    t.match((await metric(server.ports.http, 'dipper_frames_in_total')).join('\n'), /msg_id="0x0002"/);
  });
});

t.test('the per-IP cap refuses a third connection from one address', async (t) => {
  // a handshake timeout far longer than the test: a and b stay open while c arrives, however
  // slow the machine (with a short one they could time out first and free their places)
  const server = await startTestServer(t, { jt808: { maxPerIp: 2, handshakeTimeoutMs: 60_000 } });
  const a = await rawSocket(server.ports.jt808);
  const b = await rawSocket(server.ports.jt808);
  const c = await rawSocket(server.ports.jt808);
  t.teardown(() => [a, b, c].forEach((s) => s.destroy()));
  await c.closedP;
  t.pass('the third connection from one address is refused');
  t.match((await metric(server.ports.http, 'dipper_connections_refused_total')).join('\n'), /reason="per-ip"/);
});

t.test('the handshake timeout closes connections that never authenticate', async (t) => {
  const server = await startTestServer(t, { jt808: { handshakeTimeoutMs: 20 } });
  const a = await rawSocket(server.ports.jt808);
  const b = await rawSocket(server.ports.jt808);
  t.teardown(() => [a, b].forEach((s) => s.destroy()));
  await a.closedP;
  await b.closedP;
  t.pass('unauthenticated connections closed by the handshake timeout');
  t.match((await metric(server.ports.http, 'dipper_connections_refused_total')).join('\n'), /reason="handshake-timeout"/);
});

t.test('the idle timeout closes a silent connection', async (t) => {
  // anonymous terminals allowed: no handshake timer, so only the idle timer can close it
  const server = await startTestServer(t, { jt808: { idleTimeoutMs: 20 }, auth: { allowAnonymous: true } });
  const s = await rawSocket(server.ports.jt808);
  t.teardown(() => s.destroy());
  await s.closedP;
  t.pass('closed');
});

t.test('anonymous terminals are served without logging in when allowed', async (t) => {
  const server = await startTestServer(t, { auth: { allowAnonymous: true } });
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: '013700000009' });
  t.teardown(() => term.close());
  const s = term.send(0x0002, {});
  t.equal((await term.ackOf(s)).result, RESULT.ok);
  t.ok(server.gateway.sessions.has('13700000009'), 'known by its phone, so commands can reach it');
});
