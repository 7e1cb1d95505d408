/**
 * `npm run bench:trees -- --base <commit>`: the codec, blast and tiles benchmarks on an earlier
 * commit and on this tree, with this Node, alternating base/this/base/this in one run, so a
 * change's cost is a ratio measured side by side (machines here differ by 2x between sessions).
 * The base is checked out into a temporary git worktree that shares this tree's node_modules.
 * Writes bench/results/trees.json and prints the table the README quotes.
 *
 *   npm run bench:trees -- --base e125fdd [--rounds 2] [--only codec,blast,tiles]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { alternate, machine } from './harness/alternate.js';

const { values } = parseArgs({ options: { base: { type: 'string' }, rounds: { type: 'string', default: '2' }, only: { type: 'string', default: 'codec,blast,tiles' } } });
if (!values.base) throw new Error('--base <commit> is required');
const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
const base = git('rev-parse', '--short', values.base);
const head = git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain', '--untracked-files=no') ? '+changes' : '');
const dir = join(mkdtempSync(join(os.tmpdir(), 'dipper-base-')), 'tree');
git('worktree', 'add', '--detach', dir, base);
symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
const cleanup = () => {
  try {
    git('worktree', 'remove', '--force', dir);
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
};
process.on('exit', cleanup);

const rows = alternate(values.only.split(','), Number(values.rounds), [
  { label: base, node: process.execPath, cwd: dir },
  { label: head, node: process.execPath, cwd: process.cwd() },
]).map((r) => ({ name: r.name, [base]: r.a, [head]: r.b, ratio: r.bVsA }));
console.table(rows);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/trees.json', JSON.stringify({ at: new Date().toISOString(), node: process.version, machine: machine(), rounds: Number(values.rounds), base, head, rows }, null, 2) + '\n');
