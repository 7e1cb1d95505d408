/**
 * Issue 20's proof for the relay's core: a clip made now with Debian's ffmpeg (2 s of testsrc,
 * 320x240 at 25 fps, a key frame every 25, G.711A audio beside it) is cut into access units by
 * this test's own Annex-B reader, packetized as a terminal would (the simulator's packetizer:
 * 950-byte bodies, subpackage marks, audio packets between video frames), sent through the
 * stream splitter in random chunks, rebuilt into frames and muxed into fMP4; ffprobe must decode
 * the file to the clip's 50 frames at 320x240. The audio must come out byte for byte.
 * H.264 with both SIM widths; H.265 (libx265, no B-frames) with the 2019 width.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FFMPEG_INSTALL_MS, ffmpegTools } from '../helpers/ffmpeg.js';
import { MEDIA_DATA_TYPE, MediaPacketSplitter, PAYLOAD_TYPE } from '../../decoders/index.js';
import type { SimWidth } from '../../decoders/index.js';
import { FrameAssembler } from '../../gateway/video/frame-assembler.js';
import { Fmp4VideoMuxer } from '../../gateway/video/fmp4-muxer.js';
import type { VideoCodec } from '../../gateway/video/fmp4-muxer.js';
import { MediaPacketizer } from '../../simulators/video-packets.js';

const exec = promisify(execFile);
// the first use may install Debian's ffmpeg (scripts/ffmpeg.sh)
t.setTimeout(FFMPEG_INSTALL_MS + 120_000);

/** Runs Debian's ffmpeg or ffprobe; stdout and stderr as text. */
async function run(tool: 'ffmpeg' | 'ffprobe', args: string[]): Promise<{ stdout: string; stderr: string }> {
  return exec((await ffmpegTools())[tool], args, { maxBuffer: 16 << 20 });
}
const FRAMES = 50;

/** Start offsets of NAL units (after the start code) in an Annex-B stream. */
function nalUnits(stream: Buffer): Buffer[] {
  const starts: number[] = [];
  for (let i = 0; i + 2 < stream.length; i++) {
    if (stream[i] === 0 && stream[i + 1] === 0 && stream[i + 2] === 1) {
      starts.push(i + 3);
      i += 2;
    }
  }
  return starts.map((s, k) => {
    let end = k + 1 < starts.length ? starts[k + 1]! - 3 : stream.length;
    if (end > s && stream[end - 1] === 0) end--; // the 4-byte start code's leading zero
    return stream.subarray(s, end);
  });
}

/**
 * Access units by the standards' rules (H.264 §7.4.1.2.3, H.265 §7.4.2.4.4): one begins at a
 * parameter set, delimiter or prefix SEI after a picture's slices, or at a slice that starts a
 * picture (first_mb_in_slice 0 / first_slice_segment_in_pic_flag, the first bit after the header).
 */
function accessUnits(stream: Buffer, codec: VideoCodec): { data: Buffer; key: boolean }[] {
  const units: { nals: Buffer[]; vcl: boolean; key: boolean }[] = [];
  let cur = { nals: [] as Buffer[], vcl: false, key: false };
  for (const nal of nalUnits(stream)) {
    const type = codec === 'h264' ? nal[0]! & 0x1f : (nal[0]! >> 1) & 0x3f;
    const vcl = codec === 'h264' ? type >= 1 && type <= 5 : type < 32;
    const firstBit = (nal[codec === 'h264' ? 1 : 2]! & 0x80) !== 0;
    const opensAu = codec === 'h264' ? [6, 7, 8, 9].includes(type) : [32, 33, 34, 35, 39].includes(type);
    if (cur.vcl && ((vcl && firstBit) || opensAu)) {
      units.push(cur);
      cur = { nals: [], vcl: false, key: false };
    }
    cur.nals.push(nal);
    if (vcl) cur.vcl = true;
    if (codec === 'h264' ? type === 5 : type >= 16 && type <= 23) cur.key = true;
  }
  if (cur.nals.length) units.push(cur);
  const sc = Buffer.from([0, 0, 0, 1]);
  return units.map((u) => ({ data: Buffer.concat(u.nals.flatMap((n) => [sc, n])), key: u.key }));
}

/** A seeded generator (mulberry32), so a failing chunking can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

interface Probe {
  codec_name: string;
  width: number;
  height: number;
  nb_read_frames: string;
  duration: string;
}

async function probe(file: string): Promise<Probe> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-of', 'json', file]);
  return (JSON.parse(stdout) as { streams: Probe[] }).streams[0]!;
}

let dir = '';
let alaw = Buffer.alloc(0);

t.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dipper-video-'));
  await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000:duration=2', '-ac', '1', '-c:a', 'pcm_alaw', '-f', 'alaw', join(dir, 'clip.alaw')]);
  alaw = await readFile(join(dir, 'clip.alaw'));
});
t.teardown(() => rm(dir, { recursive: true, force: true }));

const CASES: { codec: VideoCodec; sim: string; simWidth: SimWidth; args: string[] }[] = [
  { codec: 'h264', sim: '013800138000', simWidth: 6, args: ['-c:v', 'libx264', '-profile:v', 'baseline', '-g', '25', '-bsf:v', 'h264_mp4toannexb', '-f', 'h264'] },
  { codec: 'h264', sim: '00000000013800138000', simWidth: 10, args: ['-c:v', 'libx264', '-profile:v', 'baseline', '-g', '25', '-bsf:v', 'h264_mp4toannexb', '-f', 'h264'] },
  { codec: 'h265', sim: '00000000013912345678', simWidth: 10, args: ['-c:v', 'libx265', '-x265-params', 'bframes=0:keyint=25:min-keyint=25:log-level=error', '-f', 'hevc'] },
];

for (const c of CASES) {
  t.test(`${c.codec}, SIM BCD[${c.simWidth}]: packets -> splitter -> frames -> fMP4 that ffprobe decodes`, async (t) => {
    const clip = join(dir, `clip-${c.codec}-${c.simWidth}.es`);
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=25`, '-t', '2', '-pix_fmt', 'yuv420p', ...c.args, clip]);
    const aus = accessUnits(await readFile(clip), c.codec);
    t.equal(aus.length, FRAMES, 'the test itself finds 50 access units in the clip');
    t.ok(aus[0]!.key, 'the first is a key frame');

    // a terminal's stream: each video frame, then the 40 ms of audio that goes with it
    const terminal = new MediaPacketizer({ sim: c.sim, simWidth: c.simWidth, channel: 1 });
    const base = 1_700_000_000_000;
    const wire: Buffer[] = [];
    let split = 0;
    aus.forEach((au, i) => {
      const ts = base + i * 40;
      const packets = terminal.packetize(au.data, au.key ? MEDIA_DATA_TYPE.iFrame : MEDIA_DATA_TYPE.pFrame, c.codec === 'h264' ? PAYLOAD_TYPE.h264 : PAYLOAD_TYPE.h265, ts);
      if (packets.length > 1) split++;
      wire.push(...packets, ...terminal.packetize(alaw.subarray(i * 320, (i + 1) * 320), MEDIA_DATA_TYPE.audio, PAYLOAD_TYPE.g711a, ts));
    });
    t.ok(split > 0, `${split} frames needed more than one packet`);
    t.ok(wire.every((p) => p.length <= 950 + 34), 'no packet over the bound (950-byte body, 34-byte header at most)');

    // the relay's side, fed in random chunks of 1..4096 bytes
    const stream = Buffer.concat(wire);
    const next = rng(c.simWidth * 1000 + c.codec.length);
    const splitter = new MediaPacketSplitter();
    const assembler = new FrameAssembler();
    const muxer = new Fmp4VideoMuxer(c.codec);
    const out: Buffer[] = [];
    const audio: Buffer[] = [];
    const sims = new Set<string>();
    for (let at = 0; at < stream.length; ) {
      const n = 1 + Math.floor(next() * 4096);
      splitter.push(stream.subarray(at, at + n), {
        packet: (p) => {
          sims.add(p.sim);
          const unit = assembler.push(p);
          if (!unit) return;
          if (unit.kind === 'audio') audio.push(unit.data);
          else {
            const r = muxer.push(unit.data, unit.timestamp, unit.lastFrameInterval);
            if (r.init) out.push(r.init);
            if (r.fragment) out.push(r.fragment);
          }
        },
        error: (e) => t.fail(`splitter refused: ${e.message}`),
      });
      at += n;
    }
    t.equal(splitter.junkBytes, 0);
    t.equal(splitter.buffered, 0, 'nothing left held');
    t.same([...sims], [c.sim], 'the SIM read back at its width');
    t.same(assembler.drops, { orphan: 0, incomplete: 0, gap: 0, mixed: 0, too_large: 0, too_many_streams: 0 });
    t.equal(muxer.fragments, FRAMES, 'one fragment per frame');
    t.same(muxer.size, { width: 320, height: 240 }, 'size from the SPS');
    t.match(muxer.codecString, c.codec === 'h264' ? /^avc1\.42C0/ : /^hvc1\.1\.6\.L\d+/);
    t.equal(muxer.timestampRepairs, 0);
    t.ok(Buffer.concat(audio).equals(alaw.subarray(0, FRAMES * 320)), 'the audio came through byte for byte');

    const mp4 = join(dir, `out-${c.codec}-${c.simWidth}.mp4`);
    await writeFile(mp4, Buffer.concat(out));
    const s = await probe(mp4);
    t.equal(s.codec_name, c.codec === 'h264' ? 'h264' : 'hevc');
    t.equal(s.width, 320);
    t.equal(s.height, 240);
    t.equal(Number(s.nb_read_frames), FRAMES, 'ffprobe decodes every frame');
    t.ok(Math.abs(Number(s.duration) - 2) < 0.05, `lasts the clip's 2 s (${s.duration})`);
    const decode = await run('ffmpeg', ['-v', 'error', '-i', mp4, '-f', 'null', '-']);
    t.equal(decode.stderr, '', 'ffmpeg decodes it without a complaint');
  });
}
