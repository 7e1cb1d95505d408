/**
 * Codec throughput on one core: escaped wire bytes in, typed object out (FrameSplitter +
 * decodeFrame), for a typical 0x0200 and for 0x0704 batches; and encoding. Prints a table
 * and writes bench/results/codec.json.
 *
 *   npm run bench:codec [-- --seconds 3]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { FrameSplitter, decodeFrame, encode } from '../decoders/index.js';
import { typicalLocation } from './fixtures.js';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 3;

const location = typicalLocation;

/**
 * Each case reports two rates: per wall-clock second, and per CPU-second of this process
 * (user + system). The second is what "on one core" means, and it holds even when other work
 * shares the machine; the first equals it on an idle core.
 */
function run(name: string, unit: string, perOp: number, op: () => void): { name: string; unit: string; rate: number; ratePerCpuSecond: number } {
  // warm up, then time whole batches until `seconds` pass
  for (let i = 0; i < 200; i++) op();
  let ops = 0;
  const cpu0 = process.cpuUsage();
  const started = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < 50; i++) op();
    ops += 50;
    elapsed = process.hrtime.bigint() - started;
  }
  const cpu = process.cpuUsage(cpu0);
  const rate = Math.round((ops * perOp) / (Number(elapsed) / 1e9));
  const ratePerCpuSecond = Math.round((ops * perOp) / ((cpu.user + cpu.system) / 1e6));
  console.log(`${name.padEnd(46)} ${rate.toLocaleString('en-US').padStart(12)} ${unit}/s ${ratePerCpuSecond.toLocaleString('en-US').padStart(12)} ${unit}/CPU-s`);
  return { name, unit, rate, ratePerCpuSecond };
}

const FRAMES_PER_CHUNK = 1000;
const locWire = Buffer.concat(Array.from({ length: FRAMES_PER_CHUNK }, (_, i) => encode(location(i, i))));
const batchWire = Buffer.concat(
  Array.from({ length: 100 }, (_, i) =>
    encode({
      msgId: 0x0704,
      version: '2013',
      phone: '013912345678',
      serial: i,
      body: { type: 1, locations: Array.from({ length: 10 }, (_, k) => (location(0, k).body as object)) },
    }),
  ),
);

let sink = 0;
const splitter = new FrameSplitter();
const onFrame = (data: Buffer) => {
  const r = decodeFrame(data);
  if (r.ok) sink++;
};
const onError = () => {
  throw new Error('unexpected frame error');
};

console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}, ${seconds}s per case, load average ${os.loadavg()[0]!.toFixed(1)}`);
const results = [
  run(`decode 0x0200 (${locWire.length / FRAMES_PER_CHUNK} B frames, 64 KB chunks)`, 'frames', FRAMES_PER_CHUNK, () => {
    for (let p = 0; p < locWire.length; p += 65536) splitter.push(locWire.subarray(p, p + 65536), onFrame, onError);
  }),
  run('decode 0x0704 (10 locations per frame)', 'locations', 1000, () => splitter.push(batchWire, onFrame, onError)),
  run('encode 0x0200', 'frames', 1, () => {
    sink += encode(location(7, 1)).length;
  }),
  run('encode 0x8001', 'frames', 1, () => {
    sink += encode({ msgId: 0x8001, version: '2013', phone: '013912345678', serial: 9, body: { ackSerial: 7, ackMsgId: 0x0200, result: 0 } }).length;
  }),
];
if (sink === 0) console.log('');

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/codec.json', import.meta.url),
  JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, cores: os.cpus().length, loadAverage: os.loadavg()[0], results }, null, 2) + '\n',
);
