/**
 * Issue 21, PROXY protocol: every byte before the header is read is hostile. A connection that
 * should carry the header and does not is closed and counted (dipper_proxy_protocol_refused_total
 * {reason}); a legal header in any split is taken; at most one header's bytes are held per
 * connection, whatever the peer sends; a header that never completes is closed at
 * jt808.handshakeTimeoutMs; and the gateway keeps answering a well-behaved terminal throughout.
 *
 * Expected values come from HAProxy's proxy-protocol.txt, not from the parser: a v1 line is at
 * most 107 bytes with its CRLF (a line without CRLF by then is invalid); a v2 header is 16 bytes
 * plus its length, and the sender keeps it within the smallest TCP segment, 536 bytes (a v2
 * length of 65535 announces 65,551); only version 2 and commands 0 and 1 are valid; a single CR
 * or LF does not end a v1 line; ports and IPv4 numbers have no leading zeros.
 */
import { rmSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import t from 'tap';
import type { Test } from 'tap';
import { RESULT, encode } from '../../decoders/index.js';
import { RefusalLog, parseProxyHeader } from '../../gateway/transport/proxy-header.js';
import type { ProxyAccept } from '../../gateway/transport/proxy-header.js';
import { startServer } from '../../server/server.js';
import type { Server } from '../../server/server.js';
import { startTestServer, testConfig } from '../gateway/helpers/server.js';
import { TestTerminal, locationBody, registrationBody } from '../gateway/helpers/terminal.js';
import { pgliteTemplate } from '../helpers/pglite-template.js';
import { V2_SIGNATURE, tlv, v1, v2, v2Fixed } from '../helpers/proxy-header.js';
import { rawSocket } from '../gateway/helpers/raw-socket.js';
import type { RawSocket } from '../gateway/helpers/raw-socket.js';
import { sample, scrape } from '../ops/helpers.js';
import { until } from '../gateway/helpers/http.js';

const REASONS = ['missing', 'malformed', 'timeout', 'too_long'] as const;
type Reason = (typeof REASONS)[number];

async function refusedCounts(server: Server): Promise<Record<Reason, number>> {
  const text = await (await fetch(`http://127.0.0.1:${server.ports.http}/metrics`)).text();
  const out = {} as Record<Reason, number>;
  for (const r of REASONS) {
    const line = text.split('\n').find((l) => l.startsWith(`dipper_proxy_protocol_refused_total{reason="${r}"} `));
    out[r] = line === undefined ? NaN : Number(line.split(' ')[1]);
  }
  return out;
}

async function metricLine(server: Server, series: string): Promise<number> {
  return sample(await scrape(server.ports.http), series) ?? NaN;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A registration frame, as a terminal sends it first. */
function registration(phone: string): Buffer {
  return encode({ msgId: 0x0100, version: '2013', phone, serial: 0, body: registrationBody() });
}

/** A well-behaved terminal through the "balancer" (a v1 header): still logged in and answered. */
async function stillServed(t: Test, server: Server, phone: string, what: string): Promise<void> {
  const term = await TestTerminal.tcp(server.ports.jt808, { phone, header: (local) => v1('198.51.100.200', '192.0.2.1', local.port, 6808) });
  t.teardown(() => term.close());
  await term.login();
  t.equal((await term.ackOf(term.send(0x0200, locationBody()))).result, RESULT.ok, `a well-behaved terminal is answered ${what}`);
  term.close();
}

t.test('the parser against the specification (every byte a peer could send)', async (t) => {
  const done = (data: Buffer | string, accept: ProxyAccept = 'any') => parseProxyHeader(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, accept);
  const reason = (data: Buffer | string, accept: ProxyAccept = 'any') => {
    const p = done(data, accept);
    return p.state === 'refused' ? p.reason : p.state;
  };
  t.same(done('PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n'), { state: 'done', header: { version: 1, source: { address: '255.255.255.255', port: 65535 }, length: 56 } }, 'the longest TCP4 line: 56 bytes');
  const longest6 = `PROXY TCP6 ${'ffff:'.repeat(7)}ffff ${'ffff:'.repeat(7)}ffff 65535 65535\r\n`;
  t.equal(longest6.length, 104);
  t.same(done(longest6), { state: 'done', header: { version: 1, source: { address: `${'ffff:'.repeat(7)}ffff`, port: 65535 }, length: 104 } }, 'the longest TCP6 line: 104 bytes');
  t.equal(reason('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r'), 'incomplete', 'a CR at the end of what came: wait for its LF');
  t.equal(reason('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n'), 'malformed', 'a single LF does not end the line');
  t.equal(reason('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX'), 'malformed', 'a single CR does not either');
  t.equal(reason('PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n'), 'malformed', 'exactly one space between fields');
  t.equal(reason('PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n'), 'malformed', 'no leading zeros in IPv4 numbers');
  t.equal(reason('PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n'), 'malformed', 'no leading zeros in ports');
  t.equal(reason('PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n'), 'malformed', 'ports are 0..65535');
  t.equal(reason('PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n'), 'malformed', 'IPv4 numbers are 0..255');
  t.equal(reason('PROXY TCP4 ::1 ::1 1 2\r\n'), 'malformed', 'the family dictates the address format');
  t.equal(reason('PROXY TCP6 1::2::3 ::1 1 2\r\n'), 'malformed', 'one "::" at most');
  const source6 = (text: string) => {
    const p = done(`PROXY TCP6 ${text} ::1 1 2\r\n`);
    return p.state === 'done' ? p.header.source?.address : p.state;
  };
  t.equal(source6('::FFFF:192.0.2.1'), '::ffff:192.0.2.1', 'an IPv4-mapped address keeps its dotted tail (as Node writes it)');
  t.equal(source6('0:0:0:0:0:ffff:c000:201'), '::ffff:192.0.2.1', '... however the header wrote it');
  t.equal(source6('::192.0.2.1'), '::192.0.2.1', 'IPv4-compatible likewise');
  t.equal(source6('1:2:3:4:5:6:192.0.2.1'), '1:2:3:4:5:6:c000:201', 'any other dotted tail becomes hex groups');
  t.equal(source6('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1', 'the first of two equal zero runs is the one shortened');
  t.equal(source6('::ffff:192.0.2.256'), 'refused', 'a dotted tail is IPv4 or nothing');
  t.equal(source6('1:2:3:4:5:6:7:192.0.2.1'), 'refused', 'a dotted tail takes the place of two groups');
  t.equal(reason('PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n'), 'malformed', '128 bits exactly');
  t.equal(reason('PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n'), 'malformed', 'TCP4, TCP6 or UNKNOWN only');
  t.equal(reason('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\u0000\r\n'), 'malformed', 'US-ASCII text only');
  t.equal(reason(`PROXY UNKNOWN ${'x'.repeat(91)}\r\n`), 'done', '"UNKNOWN": the rest of the line is ignored, 107 bytes in all');
  t.equal(reason(`PROXY UNKNOWN ${'x'.repeat(92)}\r\n`), 'too_long', '... but 108 are too many');
  t.equal(reason(`PROXY UNKNOWN ${'x'.repeat(93)}`), 'too_long', 'no CRLF in the first 107 bytes');
  t.equal(reason(`PROXY UNKNOWN ${'x'.repeat(92)}`), 'incomplete', 'at 106 bytes the CRLF may still come');
  t.equal(reason(`PROXY UNKNOWN ${'x'.repeat(92)}\r`), 'too_long', 'a CR as the 107th byte leaves no room for the LF');
  t.equal(reason('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n', 'v2'), 'missing', 'v1 where only v2 is configured');
  t.equal(reason(v2('1.2.3.4', '5.6.7.8', 1, 2), 'v1'), 'missing', 'v2 where only v1 is configured');
  t.equal(reason('GET / HTTP/1.1\r\n'), 'missing', 'HTTP');
  t.equal(reason(registration('013800003001')), 'missing', 'a JT/T 808 frame: no header at all');
  t.equal(reason(Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0b])), 'missing', 'a signature off by its last bit');

  const fixed = (b12: number, b13: number, len: number) => Buffer.concat([V2_SIGNATURE, Buffer.from([b12, b13, len >> 8, len & 0xff])]);
  t.equal(reason(fixed(0x11, 0x11, 12)), 'malformed', 'version 1 in the binary form');
  t.equal(reason(fixed(0x22, 0x11, 12)), 'malformed', 'command 2 is unassigned');
  t.equal(reason(fixed(0x21, 0x41, 12)), 'malformed', 'family 4 is unassigned');
  t.equal(reason(fixed(0x21, 0x13, 12)), 'malformed', 'protocol 3 is unassigned');
  t.equal(reason(fixed(0x21, 0x11, 0xffff)), 'too_long', 'length 65535: 65,551 bytes announced, refused from the 16 fixed bytes');
  t.equal(reason(fixed(0x21, 0x11, 536 - 16)), 'incomplete', '536 bytes in all: taken (waits for them)');
  t.equal(reason(fixed(0x21, 0x11, 536 - 15)), 'too_long', '537 bytes: too long');
  t.equal(reason(Buffer.concat([fixed(0x21, 0x11, 8), Buffer.alloc(8)])), 'malformed', 'a PROXY over TCP4 needs 12 address bytes');
  t.equal(reason(Buffer.concat([fixed(0x21, 0x21, 12), Buffer.alloc(12)])), 'malformed', 'TCP6 needs 36');
  const withTlvs = v2('203.0.113.5', '192.0.2.1', 4321, 6808, tlv(0x04, Buffer.alloc(536 - 28 - 3)));
  t.equal(withTlvs.length, 536);
  t.same(done(withTlvs), { state: 'done', header: { version: 2, source: { address: '203.0.113.5', port: 4321 }, length: 536 } }, 'a 536-byte header with TLVs');
  t.same(done(Buffer.concat([v2('203.0.113.5', '192.0.2.1', 4321, 6808), Buffer.from('rest')])), { state: 'done', header: { version: 2, source: { address: '203.0.113.5', port: 4321 }, length: 28 } }, 'the header ends at 16 + length; what follows is the terminal\'s');
});

t.test('the refusal log remembers a bounded number of reasons and addresses', async (t) => {
  const log = new RefusalLog(60_000, 3);
  t.same(log.due('missing', '10.0.0.1', 0), { unlogged: 0 }, 'the first is logged');
  t.equal(log.due('missing', '10.0.0.1', 1), undefined, 'the second within the minute is not');
  t.equal(log.due('missing', '10.0.0.1', 2), undefined);
  t.same(log.due('timeout', '10.0.0.1', 3), { unlogged: 0 }, 'another reason is logged');
  t.same(log.due('missing', '10.0.0.1', 60_001), { unlogged: 2 }, 'a minute on: logged again, with the number left unlogged');
  for (let i = 2; i <= 5; i++) log.due('missing', `10.0.0.${i}`, 60_002);
  t.same(log.due('timeout', '10.0.0.1', 60_003), { unlogged: 0 }, 'past 3 pairs the oldest is forgotten (and logged again when it comes back)');
  t.equal(log.due('missing', '10.0.0.5', 60_004), undefined, 'recent pairs are kept');
});

t.test('connections awaiting a header at shutdown are closed, not counted', async (t) => {
  await pgliteTemplate();
  const config = testConfig({ jt808: { host: '127.0.0.1', port: 0, proxyProtocol: 'v1' } });
  const server = await startServer(config, pino({ level: 'silent' }));
  t.teardown(() => rmSync(config.dataDir, { recursive: true, force: true }));
  const waiting = await Promise.all([rawSocket(server.ports.jt808), rawSocket(server.ports.jt808)]);
  waiting.forEach((s) => s.write('PROXY TCP4 '));
  await until('both waiting for the rest of their header', async () => (await metricLine(server, 'dipper_sessions{state="handshake"}')) >= 2);
  await server.close();
  await Promise.all(waiting.map((s) => s.closedP));
  t.pass('both closed by the shutdown');
  const text = await server.gateway.metrics.registry.getSingleMetricAsString('dipper_proxy_protocol_refused_total');
  t.notMatch(text, /refused_total\{reason="[a-z_]+"\} [1-9]/, 'none counted as refused');
});

t.test('hostile headers on a live gateway: each closed and counted', async (t) => {
  const server = await startTestServer(t, { jt808: { proxyProtocol: 'any', handshakeTimeoutMs: 1500, penaltyStrikes: 0 } });
  const port = server.ports.jt808;
  const expected: Record<Reason, number> = { missing: 0, malformed: 0, timeout: 0, too_long: 0 };
  const counted = async (t: Test, reason: Reason, what: string) => {
    expected[reason]++;
    t.same(await refusedCounts(server), expected, `${what}: counted as ${reason}, nothing else`);
  };

  t.test('no header: a terminal straight to the port', async (t) => {
    const s = await rawSocket(port);
    s.write(registration('013800003101'));
    await s.closedP;
    t.pass('closed');
    await counted(t, 'missing', 'no header');
  });

  t.test('a header split byte by byte is legal, and taken', async (t) => {
    for (const [version, header] of [
      ['v1', v1('203.0.113.31', '192.0.2.1', 3131, 6808)],
      ['v2', v2('2001:db8::31', '2001:db8::1', 3132, 6808)],
    ] as const) {
      const s = await rawSocket(port);
      for (const byte of header) {
        s.write(Buffer.from([byte]));
        await sleep(2);
      }
      s.write(registration(`01380000320${version === 'v1' ? 1 : 2}`));
      const answer = await new Promise<Buffer>((resolve) => s.once('data', resolve));
      t.equal(answer[0], 0x7e, `${version}: the registration after it is answered`);
      t.notOk(s.closed, `${version}: still open`);
      s.destroy();
    }
    t.same(await refusedCounts(server), expected, 'nothing refused');
  });

  t.test('a v1 line without CRLF: closed at its 107th byte', async (t) => {
    const s = await rawSocket(port);
    const line = Buffer.from(`PROXY TCP4 ${'1'.repeat(200)}`, 'latin1');
    s.write(line.subarray(0, 106));
    await sleep(300);
    t.notOk(s.closed, 'open at 106 bytes: the CRLF may still come');
    s.write(line.subarray(106, 107));
    await s.closedP;
    t.pass('closed at 107 bytes without CRLF');
    await counted(t, 'too_long', 'a v1 line past 107 bytes');

    const flood = await rawSocket(port);
    flood.write(Buffer.concat([Buffer.from('PROXY ', 'latin1'), Buffer.alloc(64 * 1024, 'A')]));
    await flood.closedP;
    await counted(t, 'too_long', '"PROXY " and 64 KB of text in one read');
  });

  t.test('a v2 length of 65535: closed at its 16th byte', async (t) => {
    const s = await rawSocket(port);
    s.write(v2Fixed(1, 0x11, 0xffff));
    await s.closedP;
    t.pass('closed without waiting for 65,535 bytes');
    await counted(t, 'too_long', 'a v2 length of 65535');
  });

  t.test('garbage after the signature', async (t) => {
    const s = await rawSocket(port);
    s.write(Buffer.concat([V2_SIGNATURE, Buffer.alloc(200, 0xff)]));
    await s.closedP;
    t.pass('closed');
    await counted(t, 'malformed', 'garbage after the v2 signature');

    const s1 = await rawSocket(port);
    s1.write('PROXY \u0001\u0002\u0003\r\n');
    await s1.closedP;
    await counted(t, 'malformed', 'garbage after "PROXY "');
  });

  t.test('the peer ends inside the header', async (t) => {
    const s = await rawSocket(port);
    s.write(v2('203.0.113.40', '192.0.2.1', 4040, 6808).subarray(0, 20));
    await sleep(100);
    s.end();
    await s.closedP;
    await counted(t, 'malformed', 'a header cut short');
    // connected and gone without a byte: a balancer's plain TCP check, nothing to count
    const probe = await rawSocket(port);
    probe.end();
    await probe.closedP;
    await sleep(100);
    t.same(await refusedCounts(server), expected, 'a connection that sent nothing is not counted');
  });

  t.test('a header that never completes: closed at handshakeTimeoutMs', async (t) => {
    const s = await rawSocket(port);
    const started = Date.now();
    s.write('PROXY TCP4 203.0.113.50 ');
    await s.closedP;
    t.ok(Date.now() - started >= 1400, `closed after the timeout (${Date.now() - started} ms)`);
    await counted(t, 'timeout', 'an incomplete header');

    const silent = await rawSocket(port);
    await silent.closedP;
    await counted(t, 'timeout', 'no byte at all');
  });

  t.test('the gateway keeps serving', async (t) => stillServed(t, server, '013800003901', 'after every hostile case'));
});

t.test('refusals are logged once per reason and address, all counted', async (t) => {
  await pgliteTemplate();
  const config = testConfig({ jt808: { host: '127.0.0.1', port: 0, proxyProtocol: 'v2', penaltyStrikes: 0 }, log: { level: 'info' } });
  const lines: string[] = [];
  const server = await startServer(config, pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) }));
  t.teardown(async () => {
    await server.close();
    rmSync(config.dataDir, { recursive: true, force: true });
  });
  for (let i = 0; i < 5; i++) {
    const s = await rawSocket(server.ports.jt808);
    s.write(registration('013800004001'));
    await s.closedP;
  }
  for (let i = 0; i < 3; i++) {
    const s = await rawSocket(server.ports.jt808);
    s.write(Buffer.concat([V2_SIGNATURE, Buffer.alloc(8, 0xff)]));
    await s.closedP;
  }
  const refusals = lines.map((l) => JSON.parse(l) as { msg: string; reason?: string; address?: string; detail?: string }).filter((l) => l.msg.includes('PROXY protocol'));
  t.same(
    refusals.map((l) => [l.reason, l.address]),
    [
      ['missing', '127.0.0.1'],
      ['malformed', '127.0.0.1'],
    ],
    'one line for five frames without a header, one for three bad v2 headers: per reason and address, not per connection',
  );
  t.match(refusals[0]!.detail, /JT\/T 808 frame/, 'the first says what came instead');
  t.match(refusals[1]!.detail, /version other than 2/, 'the second, what was wrong');
  t.same(await refusedCounts(server), { missing: 5, malformed: 3, timeout: 0, too_long: 0 }, 'every one counted');
});

t.test('1,000 connections sending half a header: held within the bound, the gateway keeps answering', async (t) => {
  const CONNECTIONS = 1000;
  const server = await startTestServer(t, { jt808: { proxyProtocol: 'any', handshakeTimeoutMs: 10_000, penaltyStrikes: 0 } });
  const port = server.ports.jt808;
  // the largest header a sender may send (536 bytes: 28 of addresses and a 508-byte TLV), cut in half
  const whole = v2('203.0.113.60', '192.0.2.1', 6060, 6808, tlv(0x04, Buffer.alloc(536 - 28 - 3)));
  t.equal(whole.length, 536);
  const half = whole.subarray(0, 268);

  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const held = () => {
    gc();
    gc();
    return process.memoryUsage().arrayBuffers;
  };
  const before = held();
  const sockets: RawSocket[] = [];
  const started = Date.now();
  for (let i = 0; i < CONNECTIONS; i += 50) {
    const batch = await Promise.all(Array.from({ length: 50 }, () => rawSocket(port)));
    for (const s of batch) s.write(half);
    sockets.push(...batch);
  }
  t.teardown(() => sockets.forEach((s) => s.destroy()));
  // every half header read: each connection waits for the rest
  await until('every connection waiting for its header', async () => (await metricLine(server, 'dipper_sessions{state="handshake"}')) >= CONNECTIONS);
  const grown = held() - before;
  // our half headers are 268 KB; the bound is 536 B a connection (536 KB); both sides' sockets live in this process
  t.ok(grown < CONNECTIONS * 536 + 2 * 1024 * 1024, `received bytes held: ${Math.round(grown / 1024)} KB for ${CONNECTIONS} half headers (bound ${Math.round((CONNECTIONS * 536) / 1024)} KB + 2 MB slack)`);
  const waiting = await metricLine(server, 'dipper_sessions{state="handshake"}');
  t.ok(waiting >= CONNECTIONS - sockets.filter((s) => s.closed).length, `${waiting} connections waiting for their header`);
  t.equal(sockets.filter((s) => s.closed).length, 0, `none closed early (${Date.now() - started} ms into a 10 s timeout)`);

  await stillServed(t, server, '013800005001', 'beside 1,000 half headers');

  await Promise.all(sockets.map((s) => s.closedP));
  t.pass('every half header closed by the timeout');
  t.equal((await refusedCounts(server)).timeout, CONNECTIONS, 'each counted as timeout');
  t.equal(await metricLine(server, 'dipper_sessions{state="handshake"}'), 0, 'none left waiting');
});
