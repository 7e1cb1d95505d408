/**
 * Debian's ffmpeg and ffprobe for the tests that make clips and check what the relay writes
 * (scripts/ffmpeg.sh installs the package on first use, waiting for another apt-get if one runs,
 * and prints ffmpeg's path; ffprobe comes in the same package, beside it).
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** The first call may install the package: a test file using this allows minutes for it. */
export const FFMPEG_INSTALL_MS = 800_000;

let tools: Promise<{ ffmpeg: string; ffprobe: string }> | undefined;

export function ffmpegTools(): Promise<{ ffmpeg: string; ffprobe: string }> {
  tools ??= run(join(root, 'scripts/ffmpeg.sh'), { timeout: FFMPEG_INSTALL_MS }).then(
    ({ stdout }) => {
      const ffmpeg = stdout.trim().split('\n').pop()!;
      return { ffmpeg, ffprobe: join(dirname(ffmpeg), 'ffprobe') };
    },
    (e: Error) => {
      throw new Error(`no ffmpeg for the video tests: run scripts/ffmpeg.sh as root (it installs Debian's ffmpeg with apt-get): ${e.message}`, { cause: e });
    },
  );
  return tools;
}
