/**
 * G.711 to 16-bit PCM, sample-exact against Debian's ffmpeg decoding the same bytes
 * (`ffmpeg -f alaw|mulaw -ar 8000 -ac 1 -i x -f s16le -`): every one of the 256 codes of each law,
 * and a sine encoded by ffmpeg. Plus the ends of the range from ITU-T G.711's tables, by hand:
 * A-law's largest magnitude is 4032 in 13-bit steps (32256 as 16-bit), µ-law's 8031 in 14-bit
 * (32124); A-law 0xD5 / 0x55 are the smallest (+8 / -8), µ-law 0xFF and 0x7F are zero.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FFMPEG_INSTALL_MS, ffmpegTools } from '../helpers/ffmpeg.js';
import { ALAW_TO_PCM, ULAW_TO_PCM, g711ToS16le } from '../../gateway/video/g711.js';

const exec = promisify(execFile);
// the first use may install Debian's ffmpeg (scripts/ffmpeg.sh)
t.setTimeout(FFMPEG_INSTALL_MS + 120_000);

/** Runs Debian's ffmpeg or ffprobe; stdout and stderr as text. */
async function run(tool: 'ffmpeg' | 'ffprobe', args: string[]): Promise<{ stdout: string; stderr: string }> {
  return exec((await ffmpegTools())[tool], args, { maxBuffer: 16 << 20 });
}

/** The same, stdout as bytes. */
async function runBytes(tool: 'ffmpeg' | 'ffprobe', args: string[]): Promise<Buffer> {
  return (await exec((await ffmpegTools())[tool], args, { encoding: 'buffer', maxBuffer: 16 << 20 })).stdout;
}

async function ffmpegDecode(format: 'alaw' | 'mulaw', file: string): Promise<Buffer> {
  return runBytes('ffmpeg', ['-v', 'error', '-f', format, '-ar', '8000', '-ac', '1', '-i', file, '-f', 's16le', '-']);
}

let dir = '';
t.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dipper-g711-'));
});
t.teardown(() => rm(dir, { recursive: true, force: true }));

t.test('the ends of the range, from the standard', async (t) => {
  t.same([ALAW_TO_PCM[0xd5], ALAW_TO_PCM[0x55], ALAW_TO_PCM[0xaa], ALAW_TO_PCM[0x2a]], [8, -8, 32256, -32256]);
  t.same([ULAW_TO_PCM[0xff], ULAW_TO_PCM[0x7f], ULAW_TO_PCM[0x80], ULAW_TO_PCM[0x00]], [0, 0, 32124, -32124]);
});

for (const [law, format] of [['alaw', 'alaw'], ['ulaw', 'mulaw']] as const) {
  t.test(`${law}: all 256 codes as ffmpeg decodes them`, async (t) => {
    const codes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const file = join(dir, `codes.${format}`);
    await writeFile(file, codes);
    const expected = await ffmpegDecode(format, file);
    t.equal(expected.length, 512);
    t.ok(g711ToS16le(law, codes).equals(expected), 'sample-exact');
  });

  t.test(`${law}: a 440 Hz sine encoded by ffmpeg`, async (t) => {
    const file = join(dir, `sine.${format}`);
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000:duration=1', '-ac', '1', '-c:a', `pcm_${format}`, '-f', format, file]);
    const bytes = await readFile(file);
    t.equal(bytes.length, 8000);
    t.ok(g711ToS16le(law, bytes).equals(await ffmpegDecode(format, file)), 'sample-exact');
  });
}
