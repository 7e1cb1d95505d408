/**
 * Framing: escapes, check byte, the stream splitter over arbitrary chunks, junk, resync and
 * bounds. Fixtures are real frames (Traccar's test frames) or the standard's own example.
 */
import t from 'tap';
import { FrameSplitter, Jt808Error, enframe, unescape, unframe, MAX_ESCAPED } from '../../decoders/index.js';
import { decodeFrame } from '../../decoders/index.js';
import { hex } from '../helpers/frames.js';

// traccar HuabaoProtocolDecoderTest: a heartbeat and a 0x0200 (see location.test.ts)
const HEARTBEAT = hex('7e0002000004304832546500b7ca7e');
const LOCATION = hex('7E0200002A013833501744001900000000000000C201597FA806CC01580080000000081508180721210104000002F502020000030200009F7E');

function collect(splitter: FrameSplitter, chunks: Buffer[]) {
  const frames: Buffer[] = [];
  const errors: Jt808Error[] = [];
  for (const c of chunks) splitter.push(c, (f) => frames.push(Buffer.from(f)), (e) => errors.push(e));
  return { frames, errors };
}

t.test("the standard's escape example: 30 7e 08 7d 55 <-> 7e 30 7d 02 08 7d 01 55 7e", async (t) => {
  // JT/T 808-2013 §4.4.2. enframe appends the check byte: 30^7e = 4e, ^08 = 46, ^7d = 3b,
  // ^55 = 6e; so compare the escaped bytes before it, then unescape back.
  const wire = enframe(hex('30 7e 08 7d 55'));
  t.same(wire.subarray(0, 8), hex('7e 30 7d 02 08 7d 01 55'));
  t.same(wire.subarray(8), hex('6e 7e'));
  t.same(unescape(hex('30 7d 02 08 7d 01 55')), hex('30 7e 08 7d 55'));
});

t.test('a check byte that needs escaping is escaped', async (t) => {
  // 01 7f: XOR = 0x7e -> 7d 02
  t.same(enframe(hex('01 7f')), hex('7e 01 7f 7d 02 7e'));
});

t.test('bad escape, short frame and bad check byte are typed errors', async (t) => {
  const e1 = unframe(hex('0002 7d 03'));
  t.equal(e1 instanceof Jt808Error && e1.code, 'escape');
  const e2 = unframe(hex('0002 0000 7d'));
  t.equal(e2 instanceof Jt808Error && e2.code, 'escape', 'a 7d at the end');
  const e3 = unframe(hex('0002 0000 01'));
  t.equal(e3 instanceof Jt808Error && e3.code, 'truncated');
  const altered = Buffer.from(LOCATION.subarray(1, -1));
  altered[altered.length - 1] = altered[altered.length - 1]! ^ 0x01;
  const e4 = unframe(altered);
  t.equal(e4 instanceof Jt808Error && e4.code, 'checksum');
});

t.test('a frame split at every byte boundary comes out whole, once', async (t) => {
  const wire = Buffer.concat([LOCATION, HEARTBEAT]);
  for (let cut = 1; cut < wire.length; cut++) {
    const s = new FrameSplitter();
    const { frames, errors } = collect(s, [wire.subarray(0, cut), wire.subarray(cut)]);
    if (frames.length !== 2 || errors.length !== 0) {
      t.fail(`cut at ${cut}: ${frames.length} frames, ${errors.length} errors`);
      return;
    }
    t.equal(s.buffered, 0);
  }
  t.pass('every cut point');
});

t.test('one byte at a time, with an escape split across chunks', async (t) => {
  // a heartbeat whose serial is 0x7e7d: escaped on the wire as 7d 02 7d 01
  const data = hex('0002 0000 043048325465 7e7d');
  const wire = enframe(data);
  t.ok(wire.includes(hex('7d027d01')), 'escaped');
  const s = new FrameSplitter();
  const { frames } = collect(s, [...wire].map((b) => Buffer.from([b])));
  t.equal(frames.length, 1);
  const r = decodeFrame(frames[0]!);
  t.equal(r.ok && r.message.serial, 0x7e7d);
});

t.test('many frames in one chunk; junk and an HTTP request between frames are skipped and counted', async (t) => {
  const http = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const s = new FrameSplitter();
  const chunk = Buffer.concat([http, HEARTBEAT, LOCATION, hex('0102030405'), HEARTBEAT, HEARTBEAT]);
  const { frames, errors } = collect(s, [chunk]);
  t.equal(frames.length, 4);
  t.equal(errors.length, 0);
  t.equal(s.junkBytes, http.length + 5);
});

t.test('after a broken frame the splitter resynchronises on the next flag', async (t) => {
  const broken = hex('7e 0002 0000 04304832546500b7 00 7e'); // wrong check byte
  const s = new FrameSplitter();
  // a lost opening flag: junk, then its closing flag, then a good frame
  const { frames, errors } = collect(s, [Buffer.concat([broken, hex('aabbcc7e'), HEARTBEAT.subarray(1)])]);
  t.equal(frames.length, 1);
  t.same(errors.map((e) => e.code), ['checksum', 'truncated']);
});

t.test('oversized frames are rejected, inside one chunk and across chunks, then resync', async (t) => {
  const s = new FrameSplitter();
  const big = Buffer.alloc(MAX_ESCAPED + 10, 0x11);
  const one = collect(s, [Buffer.concat([hex('7e'), big, hex('7e'), HEARTBEAT])]);
  t.same(one.errors.map((e) => e.code), ['too_long']);
  t.equal(one.frames.length, 1);

  const s2 = new FrameSplitter();
  const chunks = [hex('7e'), ...Array.from({ length: 10 }, () => Buffer.alloc(500, 0x22)), hex('7e'), HEARTBEAT];
  const two = collect(s2, chunks);
  t.same(two.errors.map((e) => e.code), ['too_long']);
  t.equal(two.frames.length, 1);
  t.ok(s2.buffered < MAX_ESCAPED, 'held bytes bounded');
});

t.test('a partial frame is copied out of its chunk (no socket read retained)', async (t) => {
  const s = new FrameSplitter();
  const chunk = Buffer.alloc(65536, 0x33);
  chunk[65530] = 0x7e; // a frame starts near the end of a large read
  collect(s, [chunk]);
  t.equal(s.buffered, 5);
  const held = (s as unknown as { partial: Buffer[] }).partial[0]!;
  t.not(held.buffer, chunk.buffer, 'the held bytes live in their own allocation');
  t.equal(held.byteLength, 5);
});

t.test('7e7e: the second flag opens the frame', async (t) => {
  const s = new FrameSplitter();
  const { frames } = collect(s, [Buffer.concat([hex('7e'), HEARTBEAT])]);
  t.equal(frames.length, 1);
});

t.test('a UDP datagram carrying two frames yields both', async (t) => {
  const s = new FrameSplitter();
  const { frames } = collect(s, [Buffer.concat([HEARTBEAT, LOCATION])]);
  t.equal(frames.length, 2);
  s.reset();
  t.equal(s.buffered, 0);
});

t.test('header errors: length mismatch and short 2019 header', async (t) => {
  const r1 = decodeFrame(hex('0002 0005 043048325465 00b7'));
  t.equal(!r1.ok && r1.error.code, 'length');
  const r2 = decodeFrame(hex('0002 4000 01 0000000000 0430483254'));
  t.equal(!r2.ok && r2.error.code, 'truncated');
  // a hex nibble in the BCD phone (Huabao-family devices use hex IDs): kept, not refused
  const r3 = decodeFrame(hex('0002 0000 0430483254a5 00b7'));
  t.equal(r3.ok && r3.message.phone, '0430483254a5');
});

t.test('an encrypted body and an unknown message ID are kept raw', async (t) => {
  // attrs 0x0402: RSA bit, 2 body bytes
  const r = decodeFrame(hex('0200 0402 013912345678 0001 abcd'));
  t.ok(r.ok);
  if (r.ok && !('part' in r.message)) {
    t.equal(r.message.encryption, 1);
    t.same(r.message.body, { raw: hex('abcd') });
  }
  const u = decodeFrame(hex('0f0f 0001 013912345678 0001 ee'));
  t.ok(u.ok && !('part' in u.message) && (u.message.body as { raw: Buffer }).raw.equals(hex('ee')));
});
