/**
 * JT/T 1078 media packets against bytes written out by hand from the layout (JT/T 1078-2016
 * table 19: magic, V/P/X/CC, M/PT, sequence, SIM, channel, data type + mark, timestamp,
 * intervals for video only, body length, body) and two captures from Traccar's test suite
 * (Jt1078FrameDecoderTest: a BCD[10] SIM and a BCD[6] one), whose fields were read off the hex
 * by hand. The splitter must give the same packets over any chunking.
 */
import t from 'tap';
import fc from 'fast-check';
import { MediaPacketSplitter, decodeMediaPacket, encodeMediaPacket, simMatchKey } from '../../decoders/index.js';
import type { MediaPacket } from '../../decoders/index.js';
import { hex } from '../helpers/frames.js';

/** 6-byte SIM 013800138000, channel 2, I-frame atomic, PT 98 with M, ts 1,700,000,000,000 ms, intervals 0 and 40, body aa bb cc */
const VIDEO6 = hex('30316364 81 e2 0007 013800138000 02 00 0000018bcfe56800 0000 0028 0003 aabbcc');
/** 10-byte SIM, channel 1, audio first part, PT 6 (G.711A) without M, ts 40, no intervals, body 55 d5 */
const AUDIO10 = hex('30316364 81 06 1234 00000000013800138000 01 31 0000000000000028 0002 55d5');
/** passthrough: no timestamp, no intervals; PT 91, CC 0 */
const PASS6 = hex('30316364 80 5b 0001 013800138000 03 40 0001 ff');

const TRACCAR_10 = hex(
  '3031636481e200760000086649607758216401100000000001c71cd5074a0021006700000001219a02f02f0fff000003000003008f6b47bab6659524c5f8fc61ed7c40a50a5c39629c000003016243bc0006e6de480021a5c4574cef0d7024c5e1f815212d007eac5e114b3c000003000003000004b0000003028574d2009ea480003e1bee06cf81e9',
);
/** Traccar's second capture: header as captured, its 829-byte body (seen in the test) stood in by zeros after the first 4 bytes */
const TRACCAR_6_HEADER = hex('3031636481e20492001901305037031000000174922cb80f00a00050033d');

function fields(p: MediaPacket) {
  return { ...p, body: p.body.toString('hex') };
}

t.test('hand-written packets decode to their fields and encode back to the same bytes', async (t) => {
  const v = decodeMediaPacket(VIDEO6);
  t.ok(v.ok);
  if (!v.ok) return;
  t.same(fields(v.packet), {
    padding: false, extension: false, csrcCount: 1, marker: true, payloadType: 98, sequence: 7,
    sim: '013800138000', simWidth: 6, channel: 2, dataType: 0, mark: 0,
    timestamp: 1_700_000_000_000, lastIFrameInterval: 0, lastFrameInterval: 40, body: 'aabbcc',
  });
  t.equal(v.length, VIDEO6.length);
  t.same(encodeMediaPacket(v.packet), VIDEO6, 'video, BCD[6]');

  const a = decodeMediaPacket(AUDIO10);
  t.ok(a.ok);
  if (!a.ok) return;
  t.same(fields(a.packet), {
    padding: false, extension: false, csrcCount: 1, marker: false, payloadType: 6, sequence: 0x1234,
    sim: '00000000013800138000', simWidth: 10, channel: 1, dataType: 3, mark: 1,
    timestamp: 40, lastIFrameInterval: null, lastFrameInterval: null, body: '55d5',
  });
  t.same(encodeMediaPacket(a.packet), AUDIO10, 'audio, BCD[10]');

  const p = decodeMediaPacket(PASS6);
  t.ok(p.ok);
  if (!p.ok) return;
  t.same(fields(p.packet), {
    padding: false, extension: false, csrcCount: 0, marker: false, payloadType: 91, sequence: 1,
    sim: '013800138000', simWidth: 6, channel: 3, dataType: 4, mark: 0,
    timestamp: null, lastIFrameInterval: null, lastFrameInterval: null, body: 'ff',
  });
  t.same(encodeMediaPacket(p.packet), PASS6, 'passthrough');
  t.equal(simMatchKey(a.packet.sim), simMatchKey(v.packet.sim), 'both widths name the same terminal');
});

t.test("Traccar's captures", async (t) => {
  const ten = decodeMediaPacket(TRACCAR_10);
  t.ok(ten.ok);
  if (!ten.ok) return;
  t.match(ten.packet, { marker: true, payloadType: 98, sequence: 0x76, sim: '00000866496077582164', simWidth: 10, channel: 1, dataType: 1, mark: 0, timestamp: 0x01c71cd5, lastIFrameInterval: 0x074a, lastFrameInterval: 0x21 });
  t.equal(ten.packet.body.length, 0x67);
  t.equal(ten.packet.body.subarray(0, 5).toString('hex'), '0000000121', 'the body is an Annex-B P slice (NAL type 1)');
  t.equal(ten.length, TRACCAR_10.length, 'the packet is the whole capture');

  const six = decodeMediaPacket(Buffer.concat([TRACCAR_6_HEADER, hex('00000001'), Buffer.alloc(825)]));
  t.ok(six.ok);
  if (!six.ok) return;
  t.match(six.packet, { sequence: 0x492, sim: '001901305037', simWidth: 6, channel: 3, dataType: 1, mark: 0, timestamp: 0x174922cb80f, lastIFrameInterval: 0xa0, lastFrameInterval: 0x50 });
  t.equal(six.length, 30 + 829);
});

t.test('a 12-digit SIM that starts 0000 needs simWidth: the rule alone reads BCD[10]', async (t) => {
  const odd = hex('30316364 81 e2 0001 000012345678 01 00 0000018bcfe56800 0000 0028 0001 aa');
  const guessed = decodeMediaPacket(odd);
  t.notOk(guessed.ok && guessed.packet.sim === '000012345678', "Traccar's rule takes the long form");
  const forced = decodeMediaPacket(odd, { simWidth: 6 });
  t.ok(forced.ok && forced.packet.sim === '000012345678' && forced.packet.body.toString('hex') === 'aa', 'simWidth: 6 reads it');
});

t.test('refusals carry codes', async (t) => {
  const code = (b: Buffer) => {
    const r = decodeMediaPacket(b);
    return r.ok ? 'ok' : r.error.code;
  };
  const v0 = Buffer.from(VIDEO6);
  v0[4] = 0x01;
  t.equal(code(v0), 'malformed', 'RTP version 0');
  const type5 = Buffer.from(VIDEO6);
  type5[15] = 0x50;
  t.equal(code(type5), 'malformed', 'data type 5');
  const mark4 = Buffer.from(VIDEO6);
  mark4[15] = 0x04;
  t.equal(code(mark4), 'malformed', 'subpackage mark 4');
  const long = Buffer.from(VIDEO6);
  long.writeUInt16BE(951, 28);
  t.equal(code(long), 'too_long', 'body length 951');
  t.equal(code(VIDEO6.subarray(0, VIDEO6.length - 1)), 'length', 'a byte short of its length');
  t.equal(code(VIDEO6.subarray(0, 12)), 'truncated', 'the header cut');
  const bcd = Buffer.from(VIDEO6);
  bcd[9] = 0xab;
  t.equal(code(bcd), 'malformed', 'a SIM digit over 9');
  t.equal(code(Buffer.from('GET / HTTP/1.1\r\n\r\n')), 'malformed', 'not 1078');
  t.throws(() => encodeMediaPacket({ marker: false, payloadType: 98, sequence: 0, sim: '1', channel: 1, dataType: 0, mark: 0, body: Buffer.alloc(951) }), { code: 'encode' });
  t.throws(() => encodeMediaPacket({ marker: false, payloadType: 128, sequence: 0, sim: '1', channel: 1, dataType: 0, mark: 0, body: Buffer.alloc(1) }), { code: 'encode' });
});

t.test('the splitter gives the same packets over any chunking, junk between them counted', async (t) => {
  const junk = hex('00 11 30 31 63 7e');
  const traccar6 = Buffer.concat([TRACCAR_6_HEADER, Buffer.alloc(829, 0x30)]); // a body full of '0' bytes
  const stream = Buffer.concat([junk, VIDEO6, AUDIO10, junk, PASS6, traccar6, TRACCAR_10, junk]);
  const expected = [VIDEO6, AUDIO10, PASS6, traccar6, TRACCAR_10].map((b) => {
    const r = decodeMediaPacket(b);
    return r.ok ? `${r.packet.sim}/${r.packet.sequence}/${r.packet.body.toString('hex')}` : 'x';
  });
  const run = (chunks: Buffer[]) => {
    const s = new MediaPacketSplitter();
    const got: string[] = [];
    for (const c of chunks) s.push(c, { packet: (p) => got.push(`${p.sim}/${p.sequence}/${p.body.toString('hex')}`), error: (e) => got.push(e.code) });
    return { got, s };
  };
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 40 }), (cuts) => {
      const at = [...new Set(cuts)].sort((a, b) => a - b);
      const { got, s } = run([0, ...at].map((from, i) => stream.subarray(from, at[i] ?? stream.length)));
      return JSON.stringify(got) === JSON.stringify(expected) && s.junkBytes === 3 * junk.length && s.buffered === 0 && s.packets === 5;
    }),
    { numRuns: 300 },
  );
  t.pass('300 chunkings');
  const bytewise = run([...stream].map((b) => Buffer.from([b])));
  t.same(bytewise.got, expected, 'byte by byte');
});
