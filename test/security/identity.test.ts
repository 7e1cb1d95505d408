/**
 * Issue 14, section 6: "one identity per connection". A connection that authenticated as
 * terminal A speaks for A only: a frame whose header carries another phone B is refused with
 * 0x8001 result 1 (2013 §8.2 "失败") addressed to B's header, counted as
 * dipper_refusals_total{reason="phone-mismatch"}, and nothing of it is kept: no position for B
 * (nor for A: the old code filed B's report under A), no login as B, no subpackage held.
 * Over TCP and over UDP (same source address and port).
 */
import t from 'tap';
import { encode, encodeParts } from '../../decoders/index.js';
import type { Message } from '../../decoders/index.js';
import { sample, scrape } from '../ops/helpers.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { TestTerminal, authBody, locationBody } from '../gateway/helpers/terminal.js';
import type { Downlink } from '../gateway/helpers/terminal.js';

const A = { phone: '013900000501', terminal: '13900000501' };
const B = { phone: '013900000502', terminal: '13900000502' };

type Ack = Message<{ ackSerial: number; ackMsgId: number; result: number }>;

/** The 0x8001 answering `serial` (refusals go to the header they refuse: the test checks its phone). */
async function ackTo(term: TestTerminal, serial: number): Promise<Ack> {
  return (await term.next((d: Downlink) => d.msgId === 0x8001 && (d as Ack).body.ackSerial === serial)) as Ack;
}

for (const transport of ['tcp', 'udp'] as const) {
  t.test(`${transport}: after logging in as A, frames carrying B's phone are refused and counted`, async (t) => {
    const server = await startTestServer(t);
    const port = transport === 'tcp' ? server.ports.jt808 : server.ports.udp!;
    const open = (phone: string) => (transport === 'tcp' ? TestTerminal.tcp(port, { phone }) : TestTerminal.udp(port, { phone }));
    // B's real code, from B's own registration elsewhere: the attacker may well own both terminals
    const b = await open(B.phone);
    t.teardown(() => b.close());
    const { authCode: codeB } = await b.register();
    b.close();

    const a = await open(A.phone);
    t.teardown(() => a.close());
    await a.login();
    t.equal((await a.ackOf(a.send(0x0200, locationBody({ lat: 30.583 })))).result, 0);
    const session = server.gateway.sessions.get(A.terminal);
    t.ok(session, 'A is logged in');

    // a report under B's header
    const report = a.nextSerial();
    a.writeRaw(encode({ msgId: 0x0200, version: '2013', phone: B.phone, serial: report, body: locationBody({ lat: 31.5, lng: 114.5 }) }));
    const refused = await ackTo(a, report);
    t.equal(refused.phone, B.phone, "answered to B's header");
    t.same(refused.body, { ackSerial: report, ackMsgId: 0x0200, result: 1 }, 'result 1');
    t.equal(server.map.index.position(B.terminal), undefined, "B's position is not stored");
    t.equal(server.map.index.get(B.terminal), undefined, 'nor on the map');
    t.equal(server.map.index.position(A.terminal)?.lat, 30.583, "nor filed under A's");

    // a login as B on A's connection, with B's valid code
    const login = a.nextSerial();
    a.writeRaw(encode({ msgId: 0x0102, version: '2013', phone: B.phone, serial: login, body: authBody('2013', codeB) }));
    t.equal((await ackTo(a, login)).body.result, 1, "logging in as B on A's connection is refused");
    t.notOk(server.gateway.sessions.has(B.terminal), 'B is not logged in');
    t.ok(server.gateway.sessions.get(A.terminal) === session, 'A keeps its session');

    // the first part of a subpackaged report under B's header: nothing held for it
    const partSerial = a.serial;
    const [first] = encodeParts({ msgId: 0x0200, version: '2013', phone: B.phone, serial: partSerial, body: locationBody() }, 10);
    a.serial = (a.serial + 10) & 0xffff;
    a.writeRaw(first!);
    t.equal((await ackTo(a, partSerial)).body.result, 1, "a part under B's header is refused");

    const text = await scrape(server.ports.http);
    t.equal(sample(text, 'dipper_reassemblies_in_flight'), 0, 'no reassembly held for B');
    t.equal(sample(text, 'dipper_refusals_total{reason="phone-mismatch"}'), 3, 'each refusal counted');
    // A itself is still served on the same connection
    t.equal((await a.ackOf(a.send(0x0200, locationBody({ lat: 30.6 })))).result, 0, 'A is still served');
    t.equal(server.map.index.position(A.terminal)?.lat, 30.6);
  });
}

t.test('anonymous terminals allowed: a connection is the terminal its first report names, then that one only', async (t) => {
  const server = await startTestServer(t, { auth: { allowAnonymous: true } });
  const conn = await TestTerminal.tcp(server.ports.jt808, { phone: A.phone });
  t.teardown(() => conn.close());
  // a registration names A but logs nobody in
  t.equal((await conn.register()).result, 0);
  // the first report carries B's header: the connection becomes B's, and the report is B's (the old code filed it under A)
  const first = conn.nextSerial();
  conn.writeRaw(encode({ msgId: 0x0200, version: '2013', phone: B.phone, serial: first, body: locationBody({ lat: 31.5 }) }));
  t.equal((await ackTo(conn, first)).body.result, 0);
  t.equal(server.map.index.position(B.terminal)?.lat, 31.5, "the report is B's");
  t.equal(server.map.index.position(A.terminal), undefined, 'nothing filed under A');
  // from now on A's header is refused on it
  const second = conn.send(0x0200, locationBody({ lat: 30 }));
  t.equal((await conn.ackOf(second)).result, 1, "A's report on B's connection is refused");
  t.equal(server.map.index.position(A.terminal), undefined);
  t.equal(sample(await scrape(server.ports.http), 'dipper_refusals_total{reason="phone-mismatch"}'), 1);
});
