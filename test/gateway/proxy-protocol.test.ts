/**
 * Behind a load balancer (issue 21): with jt808.proxyProtocol the TCP listener reads a PROXY
 * protocol header first, and the connection is the header's source address's from then on: the
 * session's remote, maxPerIp and the login all see the terminal, not the balancer (here: the
 * test's loopback socket stands for the balancer). LOCAL and UNKNOWN headers (a balancer's own
 * health checks) keep the socket's address. With proxyProtocol off a header is junk to the
 * framer, as it always was. Headers are built from the specification (test/helpers/proxy-header.ts).
 */
import t from 'tap';
import type { Test } from 'tap';
import { RESULT, encode } from '../../decoders/index.js';
import type { Message } from '../../decoders/index.js';
import { loadConfig } from '../../server/config.js';
import { startTestServer } from './helpers/server.js';
import { TestTerminal, locationBody, registrationBody } from './helpers/terminal.js';
import { tlv, v1, v1Unknown, v2, v2Local } from '../helpers/proxy-header.js';
import { rawSocket } from './helpers/raw-socket.js';

type Header = NonNullable<Parameters<typeof TestTerminal.tcp>[1]>['header'];

async function metric(port: number, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? NaN : Number(line.split(' ')[1]);
}

async function remoteOf(httpPort: number, terminal: string): Promise<string | undefined> {
  const body = (await (await fetch(`http://127.0.0.1:${httpPort}/api/terminals/${terminal}`)).json()) as { session: { remote: string } | null };
  return body.session?.remote;
}

/** A terminal through the "balancer": logs in, reports, is acknowledged; returns it (closed at the end). */
async function reporting(t: Test, port: number, phone: string, header: Header): Promise<TestTerminal> {
  const term = await TestTerminal.tcp(port, { phone, header });
  t.teardown(() => term.close());
  await term.login();
  t.equal((await term.ackOf(term.send(0x0200, locationBody()))).result, RESULT.ok, `${phone}: its report acknowledged`);
  return term;
}

t.test('v1: the header\'s source address and port are the session\'s', async (t) => {
  const server = await startTestServer(t, { jt808: { proxyProtocol: 'v1' } });
  await reporting(t, server.ports.jt808, '013800002101', (_, gw) => v1('203.0.113.7', gw.address, 40001, gw.port));
  t.equal(await remoteOf(server.ports.http, '13800002101'), '203.0.113.7:40001', 'session.remote from the header');
  // IPv6 in its text form: one address however it is written (the form Node gives a socket's)
  await reporting(t, server.ports.jt808, '013800002102', () => Buffer.from('PROXY TCP6 2001:DB8:0:0:0:0:0:7 2001:db8::1 40002 6808\r\n', 'latin1'));
  t.equal(await remoteOf(server.ports.http, '13800002102'), '2001:db8::7:40002', 'IPv6 source, in its canonical text');
  // the header and the first frame in one write (one read, most likely): the frame is still the terminal's
  const term = await TestTerminal.tcp(server.ports.jt808, {
    phone: '013800002103',
    header: (local) => Buffer.concat([v1('203.0.113.9', '192.0.2.100', local.port, 6808), encode({ msgId: 0x0100, version: '2013', phone: '013800002103', serial: 900, body: registrationBody() })]),
  });
  t.teardown(() => term.close());
  const registered = (await term.next(0x8100)) as Message<{ ackSerial: number; result: number; authCode: string }>;
  t.same([registered.body.ackSerial, registered.body.result], [900, 0], 'the registration sent with the header is answered');
  t.equal(await term.authenticate(registered.body.authCode), RESULT.ok, 'and the terminal logs in');
  t.equal(await remoteOf(server.ports.http, '13800002103'), `203.0.113.9:${term.localPort}`, 'from the header\'s address');
  t.equal(await metric(server.ports.http, 'dipper_proxy_protocol_refused_total', '{reason="missing"}'), 0, 'nothing refused');
});

t.test('v2: IPv4 and IPv6 sources, TLVs skipped', async (t) => {
  const server = await startTestServer(t, { jt808: { proxyProtocol: 'v2' } });
  await reporting(t, server.ports.jt808, '013800002201', (_, gw) => v2('198.51.100.23', gw.address, 50123, gw.port));
  t.equal(await remoteOf(server.ports.http, '13800002201'), '198.51.100.23:50123', 'session.remote from the v2 address block');
  // a NOOP and a unique-ID TLV after the addresses, as AWS and HAProxy add: skipped by their length
  const tlvs = Buffer.concat([tlv(0x04, Buffer.alloc(5)), tlv(0x05, Buffer.from('conn-0001'))]);
  await reporting(t, server.ports.jt808, '013800002202', () => v2('2001:db8::42', '2001:db8::1', 443, 6808, tlvs));
  t.equal(await remoteOf(server.ports.http, '13800002202'), '2001:db8::42:443', 'IPv6 source from the 36-byte block');
  // the IPv4-mapped form, written as Node writes a dual-stack socket's remote address
  await reporting(t, server.ports.jt808, '013800002203', () => v2('::ffff:c633:6417', '::ffff:7f00:1', 1, 6808));
  t.equal(await remoteOf(server.ports.http, '13800002203'), '::ffff:198.51.100.23:1', 'IPv4-mapped source with its dotted tail');
});

t.test('any: either version on one listener', async (t) => {
  const server = await startTestServer(t, { jt808: { proxyProtocol: 'any' } });
  await reporting(t, server.ports.jt808, '013800002301', () => v1('192.0.2.1', '192.0.2.100', 1111, 6808));
  await reporting(t, server.ports.jt808, '013800002302', () => v2('192.0.2.2', '192.0.2.100', 2222, 6808));
  t.equal(await remoteOf(server.ports.http, '13800002301'), '192.0.2.1:1111');
  t.equal(await remoteOf(server.ports.http, '13800002302'), '192.0.2.2:2222');
});

t.test('maxPerIp counts the header\'s address, not the balancer\'s', async (t) => {
  // a handshake timeout far longer than the test: nothing times out and frees a place meanwhile
  const server = await startTestServer(t, { jt808: { proxyProtocol: 'any', maxPerIp: 2, handshakeTimeoutMs: 60_000 } });
  const port = server.ports.jt808;
  // four terminals over one loopback "balancer": two behind each of two addresses, all served
  await reporting(t, port, '013800002401', () => v1('203.0.113.1', '192.0.2.100', 1001, 6808));
  await reporting(t, port, '013800002402', () => v2('203.0.113.1', '192.0.2.100', 1002, 6808));
  await reporting(t, port, '013800002403', () => v1('203.0.113.2', '192.0.2.100', 1003, 6808));
  await reporting(t, port, '013800002404', () => v2('203.0.113.2', '192.0.2.100', 1004, 6808));
  t.equal(await metric(server.ports.http, 'dipper_connections_refused_total', '{reason="per-ip"}'), 0, 'four connections from one socket address, none refused');

  // a third from 203.0.113.1 is one too many: refused once its header is read
  const third = await rawSocket(port);
  third.write(v2('203.0.113.1', '192.0.2.100', 1005, 6808));
  await third.closedP;
  t.pass('the third connection from one proxied address is closed');
  t.equal(await metric(server.ports.http, 'dipper_connections_refused_total', '{reason="per-ip"}'), 1, 'counted as per-ip');
  t.equal(await metric(server.ports.http, 'dipper_proxy_protocol_refused_total', '{reason="malformed"}'), 0, 'its header was fine');

  // ... while another address still gets in
  await reporting(t, port, '013800002405', () => v1('203.0.113.3', '192.0.2.100', 1006, 6808));
});

t.test('LOCAL and UNKNOWN (a balancer\'s own connections) keep the socket\'s address', async (t) => {
  const server = await startTestServer(t, { jt808: { proxyProtocol: 'any' } });
  const port = server.ports.jt808;
  const cases: [string, Header][] = [
    ['v2 LOCAL, no address block', () => v2Local()],
    // "Receivers MUST always consider this field to skip the appropriate number of bytes"
    ['v2 LOCAL with an IPv4 block to skip', () => v2Local(Buffer.from([203, 0, 113, 9, 192, 0, 2, 1, 0x1f, 0x90, 0x1a, 0xa0]), 0x11)],
    ['v2 PROXY with family UNSPEC', () => Buffer.concat([Buffer.from(v2Local().subarray(0, 12)), Buffer.from([0x21, 0x00, 0x00, 0x00])])],
    ['v1 UNKNOWN, short form', () => v1Unknown()],
    // the specification's worst case: 107 bytes with the CRLF, the most a receiver must take
    ['v1 UNKNOWN, 107 bytes', () => v1Unknown(` ${'ffff:'.repeat(7)}ffff ${'ffff:'.repeat(7)}ffff 65535 65535`)],
  ];
  let n = 0;
  for (const [what, header] of cases) {
    const phone = `01380000250${n++}`;
    if (what.endsWith('107 bytes')) t.equal(header!({ address: '', port: 0 }, { address: '', port: 0 }).length, 107, 'the worst case is 107 bytes long');
    const term = await reporting(t, port, phone, header);
    t.equal(await remoteOf(server.ports.http, phone.slice(1)), `127.0.0.1:${term.localPort}`, `${what}: the socket's own address and port`);
  }
  t.equal(await metric(server.ports.http, 'dipper_proxy_protocol_refused_total', '{reason="malformed"}'), 0, 'none refused');
});

t.test('proxyProtocol off: a header is junk to the framer, as before', async (t) => {
  const server = await startTestServer(t, { jt808: { proxyProtocol: 'off' } });
  const line = v1('203.0.113.7', '192.0.2.100', 40001, 6808);
  const term = await reporting(t, server.ports.jt808, '013800002601', () => line);
  t.equal(await remoteOf(server.ports.http, '13800002601'), `127.0.0.1:${term.localPort}`, 'the socket\'s address, not the header\'s');
  t.equal(await metric(server.ports.http, 'dipper_junk_bytes_total'), line.length, 'the header\'s bytes counted as junk');
  const binary = v2('203.0.113.8', '192.0.2.100', 40002, 6808);
  const term2 = await reporting(t, server.ports.jt808, '013800002602', () => binary);
  t.equal(await remoteOf(server.ports.http, '13800002602'), `127.0.0.1:${term2.localPort}`, 'a v2 header neither');
  t.equal(await metric(server.ports.http, 'dipper_junk_bytes_total'), line.length + binary.length, 'its bytes junk too');
  for (const reason of ['missing', 'malformed', 'timeout', 'too_long']) t.equal(await metric(server.ports.http, 'dipper_proxy_protocol_refused_total', `{reason="${reason}"}`), 0, `${reason}: 0, nothing read as a header`);
});

t.test('the setting: off by default, from DIPPER_JT808_PROXY_PROTOCOL, a closed set', async (t) => {
  const env = (v: string) => loadConfig({ defaultsFile: null, env: { DIPPER_JT808_PROXY_PROTOCOL: v, DIPPER_AUTH_SECRET: 'x'.repeat(32) } });
  t.equal(loadConfig({ defaultsFile: null }).jt808.proxyProtocol, 'off', 'off by default');
  for (const v of ['off', 'v1', 'v2', 'any']) t.equal(env(v).jt808.proxyProtocol, v, `${v} from the environment`);
  t.throws(() => env('v3'), /jt808\.proxyProtocol: .*allowed: one of "off", "v1", "v2", "any"/, 'anything else stops the start, naming the values');
});
