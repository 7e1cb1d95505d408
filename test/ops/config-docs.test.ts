/**
 * The README's settings table is generated from the schema (scripts/config-docs.ts); this
 * fails when someone adds or changes a setting without regenerating it: `npm run docs:config`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ConfigSchema } from '../../gateway/config.js';
import { END, START, configRows, configTable } from '../../scripts/config-docs.js';
import { run } from './helpers.js';

t.test('README settings table is current (regenerate: npm run docs:config)', async (t) => {
  const readme = readFileSync('README.md', 'utf8');
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  t.ok(from >= 0 && to > from, 'README has the config-table markers');
  t.equal(readme.slice(from, to + END.length), configTable(), 'README table matches gateway/config.ts: run `npm run docs:config`');
});

t.test('the table has a row for every leaf setting of the schema', async (t) => {
  const keys = configRows().map((r) => r.key);
  t.ok(keys.includes('jt808.port') && keys.includes('log.level'));
  for (const section of Object.keys(ConfigSchema.properties)) t.ok(keys.some((k) => k === section || k.startsWith(`${section}.`)), `${section} documented`);
  t.equal(new Set(keys).size, keys.length, 'no key twice');
});

t.test('npm run docs:config rewrites a stale table and leaves a current one alone', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dipper-docs-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'README.md');
  writeFileSync(file, `# x\n\n${START}\n| stale |\n${END}\n\nafter\n`);
  const first = await run(process.execPath, ['--import', 'tsx', 'scripts/config-docs.ts', file]);
  t.match(first.stdout, /configuration table rewritten/);
  t.equal(readFileSync(file, 'utf8'), `# x\n\n${configTable()}\n\nafter\n`, 'only the block between the markers changes');
  const second = await run(process.execPath, ['--import', 'tsx', 'scripts/config-docs.ts', file]);
  t.match(second.stdout, /already current/);
  writeFileSync(file, 'no markers\n');
  await t.rejects(run(process.execPath, ['--import', 'tsx', 'scripts/config-docs.ts', file]), /markers not found/);
});
