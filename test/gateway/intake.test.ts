/**
 * The intake: received data within a budget per event-loop turn. Unit tests drive it with an
 * in-memory reader and a zero budget (everything past the first chunk of a turn waits);
 * the last test sends 400 reports in one write through a real gateway with a tiny budget.
 */
import { connect } from 'node:net';
import t from 'tap';
import { FrameSplitter, decodeFrame, encode } from '../../decoders/index.js';
import { Intake } from '../../gateway/transport/intake.js';
import type { IntakeReader } from '../../gateway/transport/intake.js';
import { until } from './helpers/http.js';
import { TEST_SECRET, startTestServer } from './helpers/server.js';
import { registrationBody } from './helpers/terminal.js';
import { authCodeFor } from '../../gateway/session/auth-code.js';

class Reader implements IntakeReader {
  closed = false;
  authenticated = true;
  fed: string[] = [];
  holds: boolean[] = [];
  constructor(readonly name: string) {}
  feed(chunk: Buffer): void {
    this.fed.push(chunk.toString('latin1'));
  }
  holdReading(held: boolean): void {
    this.holds.push(held);
  }
}

const turn = () => new Promise((r) => setImmediate(r));
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await turn();
};

t.test('within the budget a chunk is fed at once', async (t) => {
  const intake = new Intake(1000);
  const a = new Reader('a');
  intake.push(a, Buffer.from('one'));
  t.same(a.fed, ['one']);
  t.equal(intake.waiting, 0);
});

t.test('past the budget chunks wait, then are fed in arrival order per connection', async (t) => {
  const intake = new Intake(0); // no budget: everything waits, and one slice a turn is fed
  const a = new Reader('a');
  const b = new Reader('b');
  intake.push(a, Buffer.from('a1'));
  intake.push(b, Buffer.from('b1'));
  intake.push(a, Buffer.from('a2'));
  t.same(a.fed, [], 'held');
  t.equal(intake.waiting, 2);
  await turns(10);
  t.same(a.fed.join(''), 'a1a2', 'a in order');
  t.same(b.fed, ['b1']);
  t.equal(intake.waiting, 0);
  t.same(a.holds, [], 'small amounts held without pausing the socket');
});

t.test('while anything waits, new data queues behind it (no overtaking)', async (t) => {
  const intake = new Intake(0);
  const order: string[] = [];
  const reader = (name: string): IntakeReader => ({ closed: false, authenticated: true, feed: (c) => void order.push(`${name}:${c.toString()}`), holdReading: () => undefined });
  const a = reader('a');
  const b = reader('b');
  intake.push(a, Buffer.from('1'));
  intake.push(b, Buffer.from('2'));
  await turns(10);
  t.same(order, ['a:1', 'b:2']);
});

t.test('a terminal still logging in is fed ahead of held data, for its first kilobyte only', async (t) => {
  const intake = new Intake(0);
  const busy = new Reader('busy');
  const fresh = new Reader('fresh');
  fresh.authenticated = false;
  intake.push(busy, Buffer.from('report'));
  intake.push(fresh, Buffer.from('register'));
  t.same(fresh.fed, ['register'], 'not queued behind the busy connection');
  t.same(busy.fed, [], 'the busy one waits');
  intake.push(fresh, Buffer.alloc(1100, 0x41));
  t.same(fresh.fed, ['register'], 'past 1 KB it queues like everyone else');
  intake.push(fresh, Buffer.from('x'));
  await turns(10);
  t.same(fresh.fed.slice(1).join('').length, 1101, 'then fed in order once its turn comes');
  t.same(busy.fed, ['report']);
});

t.test('once logged in, a connection gets no head start', async (t) => {
  const intake = new Intake(0);
  const busy = new Reader('busy');
  const other = new Reader('other');
  intake.push(busy, Buffer.from('a'));
  intake.push(other, Buffer.from('b'));
  t.same(other.fed, []);
  await turns(10);
  t.same(other.fed, ['b']);
});

t.test('more than 16 KB held pauses the socket until it is worked off; big chunks go in slices', async (t) => {
  const intake = new Intake(0);
  const a = new Reader('a');
  const big = Buffer.alloc(40_000, 0x41);
  intake.push(a, big);
  t.same(a.holds, [true], 'paused');
  await turns(40);
  t.equal(a.fed.join('').length, 40_000, 'every byte fed');
  t.ok(a.fed.length >= 10 && a.fed.every((c) => c.length <= 4096), `in ${a.fed.length} slices of at most 4 KB`);
  t.same(a.holds, [true, false], 'resumed once empty');
});

t.test('past the total held over all connections, each further one is paused too', async (t) => {
  const intake = new Intake(0, { perConnection: 1000, total: 100 });
  const a = new Reader('a');
  const b = new Reader('b');
  intake.push(a, Buffer.alloc(60));
  intake.push(b, Buffer.alloc(60));
  t.same(a.holds, [], 'under both limits: held, reading on');
  t.same(b.holds, [true], 'the total passed: paused');
  t.equal(intake.bytes, 120);
  await turns(5);
  t.equal(intake.bytes, 0);
  t.same(b.holds, [true, false]);
});

t.test('a connection closed while data waits is dropped without being fed or resumed', async (t) => {
  const intake = new Intake(0);
  const a = new Reader('a');
  intake.push(a, Buffer.alloc(20_000));
  a.closed = true;
  await turns(5);
  t.same(a.fed, []);
  t.same(a.holds, [true]);
  t.equal(intake.waiting, 0);
  t.equal(intake.bytes, 0, 'its bytes no longer counted');
});

t.test('what waits is fed before the connection is let go (whenFed)', async (t) => {
  const intake = new Intake(0);
  const a = new Reader('a');
  const b = new Reader('b');
  const done: string[] = [];
  intake.whenFed(b, () => done.push(`b after ${b.fed.length} fed`));
  t.same(done, ['b after 0 fed'], 'nothing held: at once');
  intake.push(a, Buffer.from('a1'));
  intake.push(a, Buffer.from('a2'));
  intake.whenFed(a, () => done.push(`a after ${a.fed.join('')}`));
  intake.whenFed(a, () => done.push('a again'));
  t.same(a.fed, [], 'held');
  await turns(10);
  t.same(done, ['b after 0 fed', 'a after a1a2'], 'once everything held was fed, once');
});

t.test('a terminal that writes its reports and closes at once has every report read', async (t) => {
  // a tiny budget: most of the 3,000 reports (135 KB) wait in the intake when the terminal's FIN arrives
  const server = await startTestServer(t, { jt808: { turnBudgetMs: 0.1 } });
  const phone = '013912340078';
  const s = connect(server.ports.jt808, '127.0.0.1');
  t.teardown(() => s.destroy());
  await new Promise((r) => s.once('connect', r));
  const time = '2026-03-01T08:00:00.000Z';
  const answered = new Promise<void>((resolve) => s.on('data', () => resolve()));
  s.write(encode({ msgId: 0x0100, version: '2013', phone, serial: 0, body: registrationBody() }));
  await answered;
  const login = encode({ msgId: 0x0102, version: '2013', phone, serial: 1, body: { authCode: authCodeFor(TEST_SECRET, phone.replace(/^0+/, ''), { terminalId: 'T000001', epoch: 0 }) } });
  const reports = Array.from({ length: 3000 }, (_, k) => encode({ msgId: 0x0200, version: '2013', phone, serial: 2 + k, body: { alarm: 0, status: 3, lat: 30.5, lng: 114.3 + k * 1e-5, altitude: 20, speed: 40, heading: 90, time, alarms: [], flags: [], extras: {} } }));
  s.end(Buffer.concat([login, ...reports]));
  const counted = async () => {
    const text = await (await fetch(`http://127.0.0.1:${server.ports.http}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('dipper_frames_in_total{msg_id="0x0200"}'));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  // the session ends once what it was sent is read: then the count is final
  await new Promise((r) => s.once('close', r));
  while (!(await (await fetch(`http://127.0.0.1:${server.ports.http}/metrics`)).text()).includes('dipper_connections{transport="tcp"} 0')) await new Promise((r) => setTimeout(r, 20));
  t.equal(await counted(), 3000, 'every report sent before the FIN was read');
});

t.test('a real gateway with a tiny budget answers 400 reports sent in one write, in order', async (t) => {
  const server = await startTestServer(t, { jt808: { turnBudgetMs: 0.1 } });
  const phone = '013912340077';
  const s = connect(server.ports.jt808, '127.0.0.1');
  t.teardown(() => s.destroy());
  await new Promise((r) => s.once('connect', r));
  const time = '2026-03-01T08:00:00.000Z';
  const frames = [
    encode({ msgId: 0x0100, version: '2013', phone, serial: 0, body: registrationBody() }),
    encode({ msgId: 0x0102, version: '2013', phone, serial: 1, body: { authCode: authCodeFor(TEST_SECRET, phone.replace(/^0+/, ''), { terminalId: 'T000001', epoch: 0 }) } }),
    ...Array.from({ length: 400 }, (_, k) => encode({ msgId: 0x0200, version: '2013', phone, serial: 2 + k, body: { alarm: 0, status: 3, lat: 30.5, lng: 114.3 + k * 1e-5, altitude: 20, speed: 40, heading: 90, time, alarms: [], flags: [], extras: {} } })),
  ];
  const answered: number[] = [];
  const splitter = new FrameSplitter();
  s.on('data', (d: Buffer) =>
    splitter.push(
      d,
      (frame) => {
        const r = decodeFrame(frame);
        if (r.ok && r.message.msgId === 0x8001 && 'body' in r.message) answered.push((r.message.body as { ackSerial: number }).ackSerial);
      },
      () => undefined,
    ),
  );
  s.write(Buffer.concat(frames));
  const serials = () => answered;
  await until('401 answers', () => serials().length >= 401);
  t.same(serials(), Array.from({ length: 401 }, (_, k) => 1 + k), 'the login and 400 reports answered, in order');
});
