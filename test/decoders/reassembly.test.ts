import t from 'tap';
import { Reassembler, ReassemblyBudget, decodeWire, encodeParts } from '../../decoders/index.js';
import type { MessagePart } from '../../decoders/index.js';

/** A 0x0900 passthrough (type 0xf0 + bytes) large enough to need several packets. */
function parts(serial: number, size: number, maxBody: number): MessagePart[] {
  const raw = Buffer.alloc(size, 0).map((_, i) => i % 251);
  // 0x0900 may not be registered yet in this branch of work: an unknown ID round-trips raw
  const frames = encodeParts({ msgId: 0x0f01, version: '2013', phone: '013912345678', serial, body: { raw } }, maxBody);
  return frames.map((f) => {
    const r = decodeWire(f);
    if (!r.ok || !('part' in r.message)) throw new Error('expected a part');
    return r.message;
  });
}

t.test('parts out of order and duplicated complete into one message', async (t) => {
  const ps = parts(100, 2500, 1000);
  t.equal(ps.length, 3);
  t.same(ps.map((p) => [p.serial, p.packet.index, p.packet.total]), [[100, 1, 3], [101, 2, 3], [102, 3, 3]]);
  const r = new Reassembler();
  t.same(r.add(ps[2]!, 0), { state: 'pending' });
  t.same(r.add(ps[0]!, 1), { state: 'pending' });
  t.same(r.add(ps[0]!, 2), { state: 'duplicate' });
  const done = r.add(ps[1]!, 3);
  t.equal(done.state, 'complete');
  if (done.state === 'complete' && done.result.ok && !('part' in done.result.message)) {
    const body = done.result.message.body as { raw: Buffer };
    t.equal(body.raw.length, 2500);
    t.equal(body.raw[2499], 2499 % 251);
    t.equal(done.result.message.serial, 100, 'the message carries its first serial');
  } else t.fail('should decode');
  t.equal(r.pending, 0);
  t.equal(r.bytes, 0);
});

t.test('a deadline yields the missing indexes, then a retransmitted part completes it', async (t) => {
  const ps = parts(7, 4000, 1000); // 4 parts, serials 7..10
  const r = new Reassembler({ timeoutMs: 1000 });
  r.add(ps[0]!, 0);
  r.add(ps[2]!, 0);
  t.same(r.expire(999), [], 'nothing before the deadline');
  const [inc] = r.expire(1000);
  t.same(inc && { missing: inc.missing, firstSerial: inc.firstSerial, total: inc.total, dropped: inc.dropped }, { missing: [2, 4], firstSerial: 7, total: 4, dropped: false });
  // the terminal resends packets 2 and 4 under new serials (200, 201)
  t.same(r.add({ ...ps[1]!, serial: 200 }, 1100), { state: 'pending' });
  const done = r.add({ ...ps[3]!, serial: 201 }, 1200);
  t.equal(done.state, 'complete');
});

t.test('an entry is given up after maxRequests expiries', async (t) => {
  const ps = parts(1, 2000, 1000);
  const r = new Reassembler({ timeoutMs: 10, maxRequests: 2 });
  r.add(ps[0]!, 0);
  t.equal(r.expire(10)[0]?.dropped, false);
  t.equal(r.expire(20)[0]?.dropped, false);
  const last = r.expire(30)[0];
  t.equal(last?.dropped, true);
  t.same(last?.missing, [2]);
  t.equal(r.pending, 0);
});

t.test('memory is bounded: the oldest incomplete message is evicted', async (t) => {
  const r = new Reassembler({ maxBytes: 2500 });
  const a = parts(1, 3000, 1000);
  const b = parts(50, 3000, 1000);
  r.add(a[0]!, 0);
  r.add(a[1]!, 0);
  r.add(b[0]!, 0); // 3000 held > 2500: a goes
  t.equal(r.evicted, 1);
  t.equal(r.pending, 1);
  t.ok(r.bytes <= 2500);
});

t.test('inconsistent packet numbers are refused', async (t) => {
  const r = new Reassembler();
  const p = parts(1, 2000, 1000)[0]!;
  t.equal(r.add({ ...p, packet: { total: 2, index: 3 } }, 0).state, 'invalid');
  t.equal(r.add({ ...p, packet: { total: 0, index: 0 } }, 0).state, 'invalid');
  r.add(p, 0);
  t.equal(r.add({ ...p, serial: 2, packet: { total: 5, index: 2 } }, 0).state, 'invalid', 'same first serial, another total');
  r.clear('013912345678');
  t.equal(r.pending, 0);
});

t.test('a total above maxPackets is refused; state is sparse: a part announcing the cap holds one part', async (t) => {
  const r = new Reassembler({ maxPackets: 10 });
  const p = parts(1, 2000, 1000)[0]!;
  t.same(r.add({ ...p, packet: { total: 11, index: 1 } }, 0), { state: 'refused', reason: 'too-many-packets' });
  t.equal(r.pending, 0, 'nothing held for it');
  t.same(r.add({ ...p, packet: { total: 10, index: 1 } }, 0), { state: 'pending' });
  const [inc] = r.expire(Infinity);
  t.same(inc?.missing, [2, 3, 4, 5, 6, 7, 8, 9, 10]);
  t.equal(inc?.firstPart?.length, 1000, 'packet 1 comes back with the list (a media ID is there)');
});

t.test('a shared budget: when it is spent new state is refused, never another reassembler\'s evicted', async (t) => {
  const budget = new ReassemblyBudget(2, 1024 * 1024);
  const a = new Reassembler({ budget });
  const b = new Reassembler({ budget });
  a.add(parts(1, 2000, 1000)[0]!, 0);
  a.add(parts(10, 2000, 1000)[0]!, 0);
  t.same(b.add(parts(20, 2000, 1000)[0]!, 0), { state: 'refused', reason: 'no-room' });
  t.equal(a.pending, 2, "a's entries kept");
  t.equal(a.evicted + b.evicted, 0);
  t.equal(budget.entries, 2);
  a.clear();
  t.equal(budget.entries, 0, 'released with the entries');
  t.equal(budget.bytes, 0);
  t.same(b.add(parts(20, 2000, 1000)[0]!, 0), { state: 'pending' }, 'room again');
});

t.test('a message that alone outgrows maxBytes is dropped and its part refused', async (t) => {
  let evictions = 0;
  const r = new Reassembler({ maxBytes: 4000, onEvict: () => evictions++ });
  // 5,000 bytes of payload (plus overhead) against 4,000: some part cannot fit
  const states: string[] = [];
  for (const p of parts(1, 5000, 1000)) if (states.push(r.add(p, 0).state) && states.at(-1) === 'refused') break;
  const refused = states.indexOf('refused');
  t.ok(refused > 0 && refused < 5, `part ${refused + 1} refused`);
  t.ok(states.slice(0, refused).every((s) => s === 'pending'), 'the ones before held');
  t.equal(r.pending, 0, 'the message can never complete: dropped');
  t.equal(evictions, 1);
  t.equal(r.bytes, 0);
});
