/**
 * What metrics cost per frame: the codec's hot path (FrameSplitter + decodeFrame over 0x0200
 * frames in 64 KB chunks) run bare, then with exactly the metric updates the gateway makes for
 * each 0x0200 it takes (bytes received per chunk; per frame: frame counted by message ID, one
 * event by kind, queue depth set twice, one 0x8001 reply and its bytes). The ratio is the share
 * of throughput left once metrics are on. A scrape is timed too (it runs off the hot path).
 *
 *   npm run bench:metrics [-- --seconds 3]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { FrameSplitter, decodeFrame, encode } from '../decoders/index.js';
import { Metrics } from '../gateway/metrics.js';
import { typicalLocation } from './fixtures.js';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 3;

const FRAMES_PER_CHUNK = 1000;
const wire = Buffer.concat(
  Array.from({ length: FRAMES_PER_CHUNK }, (_, i) =>
    encode(typicalLocation(i, i)),
  ),
);
const REPLY_BYTES = 20; // an escaped 2013 0x8001

const metrics = new Metrics();
let decoded = 0;
let depth = 0;

const bare = (data: Buffer) => {
  const r = decodeFrame(data);
  if (r.ok) decoded++;
};
const counted = (data: Buffer) => {
  const r = decodeFrame(data);
  if (!r.ok) return;
  decoded++;
  // the calls session.ts and gateway.ts make for one 0x0200 (see their metrics lines)
  metrics.frameIn(r.message.msgId);
  metrics.eventOut('position');
  metrics.queueDepth.set(++depth);
  metrics.queueDepth.set(--depth);
  metrics.replied('tcp', 0x8001, 1, REPLY_BYTES);
};
const onError = () => {
  throw new Error('unexpected frame error');
};

function rate(name: string, chunk: () => void): number {
  for (let i = 0; i < 20; i++) chunk(); // warm up
  let frames = 0;
  const started = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() - started < budget) {
    chunk();
    frames += FRAMES_PER_CHUNK;
  }
  const r = Math.round(frames / (Number(process.hrtime.bigint() - started) / 1e9));
  console.log(`${name.padEnd(40)} ${r.toLocaleString('en-US').padStart(12)} frames/s`);
  return r;
}

const splitter = new FrameSplitter();
const feed = (onFrame: (data: Buffer) => void, withBytes: boolean) => () => {
  for (let p = 0; p < wire.length; p += 65536) {
    const chunk = wire.subarray(p, p + 65536);
    if (withBytes) metrics.received('tcp', chunk.length);
    splitter.push(chunk, onFrame, onError);
  }
};

console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}, ${seconds}s per case`);
// alternate the two cases so a neighbour's load on the shared core hits both alike
const without: number[] = [];
const withMetrics: number[] = [];
for (let round = 0; round < 3; round++) {
  without.push(rate('decode 0x0200, no metrics', feed(bare, false)));
  withMetrics.push(rate('decode 0x0200, gateway metric updates', feed(counted, true)));
}
const best = (xs: number[]) => Math.max(...xs);
const ratio = best(withMetrics) / best(without);
const nsPerFrame = 1e9 / best(withMetrics) - 1e9 / best(without);
console.log(`ratio with/without: ${ratio.toFixed(3)} (metrics cost ~${nsPerFrame.toFixed(0)} ns per frame)`);

const scrapeStarted = process.hrtime.bigint();
const text = await metrics.registry.metrics();
const scrapeMs = Number(process.hrtime.bigint() - scrapeStarted) / 1e6;
console.log(`one scrape: ${scrapeMs.toFixed(2)} ms, ${text.length} bytes`);
if (decoded === 0) console.log('nothing decoded');

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/metrics.json', import.meta.url),
  JSON.stringify(
    { date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, cores: os.cpus().length, withoutMetrics: best(without), withMetrics: best(withMetrics), ratio: Number(ratio.toFixed(3)), nsPerFrame: Math.round(nsPerFrame), scrapeMs: Number(scrapeMs.toFixed(2)) },
    null,
    2,
  ) + '\n',
);
