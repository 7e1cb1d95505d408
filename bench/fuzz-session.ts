/**
 * `npm run fuzz`: the long fuzz run. First the codec fuzzer (bench/fuzz-codec.ts: splitter +
 * decoder), then the session fuzzer (bench/session-fuzzer.ts: a real Gateway's handle(stream))
 * in worker processes, each with its own seed, under a watchdog: a worker that reports no
 * progress for 60 s is a hang (killed and counted), a worker that dies or records an exception
 * is a crash. Prints and writes bench/results/fuzz.json; exits 1 on any crash, hang or
 * unanswered probe.
 *
 *   npm run fuzz -- [--frames 10000000] [--codec-frames 2000000] [--workers 3] [--seed 1]
 */
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fuzzCodec } from './fuzz-codec.js';
import { fuzzSessions } from './session-fuzzer.js';
import type { SessionFuzzStats } from './session-fuzzer.js';

type FromWorker = { type: 'progress'; inputs: number } | { type: 'done'; stats: SessionFuzzStats };

const HANG_MS = 60_000;

if (process.env.DIPPER_FUZZ_WORKER) {
  const { count, seed } = JSON.parse(process.env.DIPPER_FUZZ_WORKER) as { count: number; seed: number };
  let last = 0;
  const stats = await fuzzSessions(count, {
    seed,
    onProgress: (inputs) => {
      if (inputs - last >= 20_000) {
        last = inputs;
        process.send!({ type: 'progress', inputs } satisfies FromWorker);
      }
    },
  });
  process.send!({ type: 'done', stats } satisfies FromWorker, () => process.exit(0));
} else {
  const { values } = parseArgs({ options: { frames: { type: 'string', default: '10000000' }, 'codec-frames': { type: 'string', default: '2000000' }, workers: { type: 'string', default: '3' }, seed: { type: 'string', default: '1' } } });
  const frames = Number(values.frames);
  const workers = Number(values.workers);
  const seed = Number(values.seed);
  const started = Date.now();

  const codecStarted = Date.now();
  const codec = fuzzCodec(Number(values['codec-frames']), seed);
  const codecSeconds = (Date.now() - codecStarted) / 1000;
  process.stderr.write(`codec: ${codec.inputs.toLocaleString('en-US')} inputs in ${codecSeconds.toFixed(1)} s, errors ${JSON.stringify(codec.errors)}\n`);

  const progress = new Array<number>(workers).fill(0);
  const hangs: number[] = [];
  const deaths: string[] = [];
  const results = await Promise.all(
    Array.from({ length: workers }, (_, w) =>
      new Promise<SessionFuzzStats | undefined>((resolve) => {
        const count = Math.ceil(frames / workers);
        const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, DIPPER_FUZZ_WORKER: JSON.stringify({ count, seed: seed * 1000 + w }) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        let lastProgress = Date.now();
        let result: SessionFuzzStats | undefined;
        const watchdog = setInterval(() => {
          if (Date.now() - lastProgress > HANG_MS) {
            hangs.push(w);
            child.kill('SIGKILL');
          }
        }, 1000);
        child.on('message', (m: FromWorker) => {
          lastProgress = Date.now();
          if (m.type === 'progress') progress[w] = m.inputs;
          else result = m.stats;
        });
        child.on('exit', (code, signal) => {
          clearInterval(watchdog);
          if (!result && !hangs.includes(w)) deaths.push(`worker ${w} exited ${code ?? signal} without a result`);
          resolve(result);
        });
      }),
    ),
  );

  const merged: SessionFuzzStats = { inputs: 0, bytes: 0, sessions: 0, closedBy: {}, decodeErrors: {}, refusals: {}, replies: {}, probes: 0, probeFailures: 0, crashes: [], leakedSessions: 0 };
  const add = (into: Record<string, number>, from: Record<string, number>) => Object.entries(from).forEach(([k, v]) => (into[k] = (into[k] ?? 0) + v));
  for (const r of results) {
    if (!r) continue;
    merged.inputs += r.inputs;
    merged.bytes += r.bytes;
    merged.sessions += r.sessions;
    merged.probes += r.probes;
    merged.probeFailures += r.probeFailures;
    merged.leakedSessions += r.leakedSessions;
    merged.crashes.push(...r.crashes);
    add(merged.closedBy, r.closedBy);
    add(merged.decodeErrors, r.decodeErrors);
    add(merged.refusals, r.refusals);
    add(merged.replies, r.replies);
  }
  const seconds = (Date.now() - started) / 1000;
  const verdict = merged.crashes.length === 0 && hangs.length === 0 && deaths.length === 0 && merged.probeFailures === 0 && merged.inputs >= frames ? 'pass' : 'fail';
  const out = { verdict, seed, seconds: Math.round(seconds), codec: { ...codec, seconds: Number(codecSeconds.toFixed(1)) }, session: { workers, ...merged, inputsPerSecond: Math.round(merged.inputs / (seconds - codecSeconds)) }, hangs: hangs.length, deaths };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/fuzz.json', JSON.stringify(out, null, 2) + '\n');
  console.log(JSON.stringify(out, null, 2));
  process.exit(verdict === 'pass' ? 0 : 1);
}
