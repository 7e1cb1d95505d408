/**
 * Runs benchmark suites on two sides, alternating A/B/A/B so that whatever else the machine
 * does falls on both alike, and reports the median of each figure per side with their ratio.
 * A side is a Node binary and a directory (bench:node: two runtimes on this tree;
 * bench:trees: this runtime on two trees). The suites write their usual result files; those are
 * put back as they were.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
/** One figure of one benchmark run: a name and a rate (higher is better) or a latency (lower is better). */
export interface Figure {
  name: string;
  value: number;
  better: 'higher' | 'lower';
}

interface Suite {
  args: string[];
  result: string;
  figures: (json: Json) => Figure[];
}

export const SUITES: Record<string, Suite> = {
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


export interface Side {
  label: string;
  node: string;
  cwd: string;
}

export interface Row {
  name: string;
  a: number;
  b: number;
  /** how many times better side b is than side a, whichever way better points */
  bVsA: number;
}

export function alternate(suiteNames: string[], rounds: number, sides: [Side, Side]): Row[] {
  // result files are written in the side's tree: keep each tree's as it was
  const kept = new Map<string, string>();
  for (const side of sides)
    for (const s of Object.values(SUITES)) {
      const file = resolve(side.cwd, s.result);
      if (existsSync(file)) kept.set(file, readFileSync(file, 'utf8'));
    }
  const restore = () => {
    for (const [file, text] of kept) writeFileSync(file, text);
  };
  process.on('exit', restore);
  const samples = new Map<string, { better: Figure['better']; a: number[]; b: number[] }>();
  for (const name of suiteNames) {
    const suite = SUITES[name];
    if (!suite) throw new Error(`unknown suite ${name}: one of ${Object.keys(SUITES).join(', ')}`);
    for (let round = 0; round < rounds; round++) {
      for (const [i, side] of sides.entries()) {
        console.log(`\n== ${name}, round ${round + 1}, ${side.label}`);
        const r = spawnSync(side.node, suite.args, { stdio: 'inherit', cwd: side.cwd });
        if (r.status !== 0) throw new Error(`${name} on ${side.label} exited ${r.status}`);
        for (const f of suite.figures(JSON.parse(readFileSync(resolve(side.cwd, suite.result), 'utf8')) as Json)) {
          const s = samples.get(f.name) ?? { better: f.better, a: [], b: [] };
          (i === 0 ? s.a : s.b).push(f.value);
          samples.set(f.name, s);
        }
      }
    }
  }
  restore();
  process.off('exit', restore);
  return [...samples].map(([name, s]) => {
    const a = median(s.a);
    const b = median(s.b);
    return { name, a, b, bVsA: Math.round((s.better === 'higher' ? b / a : a / b) * 100) / 100 };
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export function machine(): { cpus: number; model: string | undefined; loadAverage: number | undefined } {
  return { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadAverage: os.loadavg()[0] };
}
