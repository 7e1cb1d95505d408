/**
 * Issue 20, "Bad input": what a hostile or broken terminal can send on the media port, through the
 * pieces the relay is built from (splitter -> frame assembler -> fMP4 muxer). Each attack must be
 * counted, cost bounded memory, and never stop the next good packet or frame:
 * - bytes that are not 1078 (HTTP, random noise) and a flood of them;
 * - bad headers (RTP version, data type, mark) and wrong body lengths;
 * - subpackage marks out of order, a lost middle, a frame that changes type mid-way;
 * - a frame larger than the bound, and more streams than the bound on one connection;
 * - access units with no, or garbage, parameter sets, and timestamps that run backwards.
 * Packets are written here byte by byte from JT/T 1078 table 19, not with the codec's encoder.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { MAX_MEDIA_PACKET, MediaPacketSplitter } from '../../decoders/index.js';
import type { MediaPacket } from '../../decoders/index.js';
import { FrameAssembler } from '../../gateway/video/frame-assembler.js';
import type { AccessUnit } from '../../gateway/video/frame-assembler.js';
import { Fmp4VideoMuxer } from '../../gateway/video/fmp4-muxer.js';

interface Spec {
  seq: number;
  /** high nibble data type, low nibble mark */
  type: number;
  body: Buffer;
  channel?: number;
  sim?: string;
  pt?: number;
}

/** magic, 0x81, PT, seq, BCD[6] SIM, channel, type, ts 8 bytes (= seq * 40), [intervals], length, body */
function pkt({ seq, type, body, channel = 1, sim = '013800138000', pt = 98 }: Spec): Buffer {
  const video = type >> 4 <= 2;
  const head = Buffer.alloc(16 + 8 + (video ? 4 : 0) + 2);
  head.writeUInt32BE(0x30316364, 0);
  head[4] = 0x81;
  head[5] = pt;
  head.writeUInt16BE(seq, 6);
  Buffer.from(sim, 'hex').copy(head, 8);
  head[14] = channel;
  head[15] = type;
  head.writeUInt32BE(seq * 40, 20);
  head.writeUInt16BE(body.length, head.length - 2);
  return Buffer.concat([head, body]);
}

function pipeline(opts: { maxFrameBytes?: number; maxStreams?: number } = {}) {
  const splitter = new MediaPacketSplitter();
  const assembler = new FrameAssembler(opts);
  const frames: AccessUnit[] = [];
  const errors: string[] = [];
  const push = (...bufs: Buffer[]) => {
    for (const b of bufs)
      splitter.push(b, {
        packet: (p: MediaPacket) => {
          const u = assembler.push(p);
          if (u) frames.push(u);
        },
        error: (e) => errors.push(e.code),
      });
  };
  return { splitter, assembler, frames, errors, push };
}

const body = (n: number, fill: number) => Buffer.alloc(n, fill);
const GOOD = pkt({ seq: 900, type: 0x10, body: body(3, 0xee) });

t.test('bytes that are not 1078 are junk; the next packet still decodes', async (t) => {
  const p = pipeline();
  p.push(Buffer.from('GET /live HTTP/1.1\r\nHost: x\r\n\r\n'), Buffer.from('\x16\x03\x01\x02\x00'), GOOD);
  t.equal(p.frames.length, 1);
  t.same(p.errors, []);
  t.equal(p.splitter.junkBytes, 36);
  // a megabyte of noise (with no 0x30, so no magic by chance) holds at most a magic's first bytes
  let most = 0;
  for (let i = 0; i < 256; i++) {
    const noise = randomBytes(4096).map((b) => (b === 0x30 ? 0x2f : b));
    noise[4095] = 0x30; // each read ends as a magic might begin
    p.push(Buffer.from(noise));
    most = Math.max(most, p.splitter.buffered);
  }
  t.ok(most <= 3, `at most 3 bytes held (${most})`);
  t.equal(p.splitter.junkBytes, 36 + 256 * 4096 - 1, 'all of it counted as junk');
  p.push(GOOD);
  t.equal(p.frames.length, 2, 'and the stream goes on');
});

t.test('bad headers and wrong lengths are refused with a code, each costing itself only', async (t) => {
  const p = pipeline();
  const v0 = Buffer.from(GOOD);
  v0[4] = 0x01; // RTP version 0
  const type7 = pkt({ seq: 1, type: 0x70, body: body(2, 1) }); // data type 7
  const mark9 = pkt({ seq: 2, type: 0x09, body: body(2, 1) }); // mark 9
  const long = Buffer.from(GOOD);
  long.writeUInt16BE(0xffff, 28); // a body length of 65535 (the bound is 950)
  p.push(v0, GOOD, type7, GOOD, mark9, GOOD, long, GOOD);
  t.same(p.errors, ['malformed', 'malformed', 'malformed', 'too_long']);
  t.equal(p.frames.length, 4, 'every good packet between them came through');
  t.equal(p.splitter.buffered, 0);
  const short = Buffer.from(GOOD);
  short.writeUInt16BE(950, 28); // says 950, sends 3: waits for the rest, holding one packet at most
  p.push(short);
  t.ok(p.splitter.buffered <= MAX_MEDIA_PACKET);
});

t.test('subpackage marks out of order, a lost middle, a type change: dropped, the next frame whole', async (t) => {
  const p = pipeline();
  const FIRST = 0x01;
  const LAST = 0x02;
  const MIDDLE = 0x03;
  p.push(
    pkt({ seq: 10, type: MIDDLE, body: body(4, 1) }), // middle with no first
    pkt({ seq: 11, type: LAST, body: body(4, 1) }), // last with no first
    pkt({ seq: 12, type: FIRST, body: body(4, 2) }),
    pkt({ seq: 14, type: MIDDLE, body: body(4, 2) }), // 13 lost
    pkt({ seq: 15, type: LAST, body: body(4, 2) }),
    pkt({ seq: 16, type: FIRST, body: body(4, 3) }),
    pkt({ seq: 17, type: 0x10 | LAST, body: body(4, 3) }), // a P-frame part ends an I-frame
    pkt({ seq: 18, type: FIRST, body: body(4, 4) }),
    pkt({ seq: 19, type: FIRST, body: body(4, 5) }), // a first while one is open
    pkt({ seq: 20, type: MIDDLE, body: body(4, 5) }),
    pkt({ seq: 21, type: LAST, body: body(4, 5) }),
  );
  t.same(p.assembler.drops, { orphan: 2, incomplete: 1, gap: 1, mixed: 1, too_large: 0, too_many_streams: 0 });
  t.equal(p.frames.length, 1);
  t.same(p.frames[0]!.data, body(12, 5), 'the last frame came out whole');
  t.equal(p.assembler.buffered, 0);
});

t.test('a per-connection sequence with audio between a frame’s parts is not a gap', async (t) => {
  const p = pipeline();
  p.push(
    pkt({ seq: 1, type: 0x01, body: body(2, 7) }),
    pkt({ seq: 2, type: 0x30, body: body(2, 9), pt: 6 }), // audio between
    pkt({ seq: 3, type: 0x02, body: body(2, 7) }),
  );
  t.same(p.frames.map((f) => [f.kind, f.data.toString('hex')]), [['audio', '0909'], ['video', '07070707']]);
  t.equal(p.assembler.drops.gap, 0);
});

t.test('a frame over the bound is freed at once and skipped; the next one is whole', async (t) => {
  const p = pipeline({ maxFrameBytes: 2000 });
  const parts = [pkt({ seq: 1, type: 0x01, body: body(950, 1) }), pkt({ seq: 2, type: 0x03, body: body(950, 1) })];
  for (let i = 3; i < 50; i++) parts.push(pkt({ seq: i, type: 0x03, body: body(950, 1) }));
  parts.push(pkt({ seq: 50, type: 0x02, body: body(950, 1) }));
  p.push(...parts);
  t.equal(p.assembler.drops.too_large, 1, 'counted once, not once per part');
  t.equal(p.assembler.drops.orphan, 0, 'its other parts skipped quietly');
  t.equal(p.assembler.buffered, 0, 'nothing of it held');
  p.push(pkt({ seq: 51, type: 0x01, body: body(900, 2) }), pkt({ seq: 52, type: 0x02, body: body(900, 2) }));
  t.equal(p.frames.length, 1);
  t.equal(p.frames[0]!.data.length, 1800);
});

t.test('more streams than the bound: the new one is refused, those there go on', async (t) => {
  const p = pipeline({ maxStreams: 2 });
  p.push(pkt({ seq: 1, type: 0x00, body: body(1, 1), channel: 1 }), pkt({ seq: 2, type: 0x00, body: body(1, 2), channel: 2 }));
  for (let ch = 3; ch < 200; ch++) p.push(pkt({ seq: ch, type: 0x00, body: body(1, 3), channel: ch }));
  p.push(pkt({ seq: 300, type: 0x00, body: body(1, 4), channel: 1 }));
  t.equal(p.assembler.drops.too_many_streams, 197);
  t.equal(p.assembler.streamCount, 2);
  t.same(p.frames.map((f) => f.channel), [1, 2, 1]);
});

t.test('the muxer refuses frames without usable parameter sets and repairs timestamps, never throwing', async (t) => {
  const m = new Fmp4VideoMuxer('h264');
  const sc = (...nals: string[]) => Buffer.concat(nals.flatMap((n) => [Buffer.from([0, 0, 0, 1]), Buffer.from(n, 'hex')]));
  t.same(m.push(sc('41e0'), 0), { init: null, fragment: null, keyframe: false }, 'a P slice before any key frame');
  t.equal(m.drops.waiting, 1);
  // an SPS whose Exp-Golomb code runs past 32 bits, then one that ends early
  m.push(sc('6742c01e00000000ff', '68ce3880', '6588'), 0);
  m.push(sc('6742', '68ce3880', '6588'), 0);
  t.equal(m.drops.bad_parameters, 2);
  t.equal(m.push(Buffer.alloc(0), 0).fragment, null);
  t.equal(m.drops.empty, 1);
  for (const junk of [randomBytes(64), randomBytes(1000), Buffer.from('000001', 'hex')]) m.push(junk, 1);
  t.pass('junk access units did not throw');
  // the SPS and PPS x264 wrote for 320x240 baseline (ffmpeg testsrc), and an IDR slice's first
  // bytes; then timestamps that go back and jump
  const r = m.push(sc('6742c00dd90141fb011000000300100000030320f142a480', '68cb83cb20', '6588840a'), 1000);
  t.ok(r.init && r.fragment && r.keyframe, 'the first key frame with its parameter sets starts the stream');
  t.same(m.size, { width: 320, height: 240 });
  m.push(sc('419a'), 1040);
  m.push(sc('419a'), 500);
  m.push(sc('419a'), 9_000_000);
  t.equal(m.timestampRepairs, 2, 'backwards and a 2.5-hour jump repaired');
});
