/**
 * The README's settings table is generated from the schema (scripts/config-docs.ts); this
 * fails when someone adds or changes a setting without regenerating it: `npm run docs:config`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ConfigSchema } from '../../server/config.js';
import { END, START, configRows, configTable, defaultsJson } from '../../scripts/config-docs.js';
import { run } from './helpers.js';

t.test('README settings table is current (regenerate: npm run docs:config)', async (t) => {
  const readme = readFileSync('README.md', 'utf8');
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  t.ok(from >= 0 && to > from, 'README has the config-table markers');
  t.equal(readme.slice(from, to + END.length), configTable(), 'README table matches gateway/config.ts: run `npm run docs:config`');
});

t.test('config/default.json shows every setting (complete it: npm run docs:config)', async (t) => {
  const text = readFileSync('config/default.json', 'utf8');
  t.equal(text, defaultsJson(text), 'config/default.json lists every setting of gateway/config.ts: run `npm run docs:config`');
  const filled = JSON.parse(defaultsJson('{ "http": { "port": 9 } }')) as { http: { host: string; port: number } };
  t.same([filled.http.host, filled.http.port], ['127.0.0.1', 9], 'values already there are kept, missing ones take the default');
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
  const defaults = join(dir, 'default.json');
  writeFileSync(file, `# x\n\n${START}\n| stale |\n${END}\n\nafter\n`);
  writeFileSync(defaults, '{ "jt808": { "port": 7000 } }');
  const first = await run(process.execPath, ['--import', 'tsx', 'scripts/config-docs.ts', file, defaults]);
  t.match(first.stdout, /configuration table rewritten/);
  t.match(first.stdout, /missing settings added/);
  t.equal(readFileSync(file, 'utf8'), `# x\n\n${configTable()}\n\nafter\n`, 'only the block between the markers changes');
  const filled = JSON.parse(readFileSync(defaults, 'utf8')) as { jt808: { port: number; host: string }; log: { level: string } };
  t.same([filled.jt808.port, filled.jt808.host, filled.log.level], [7000, '0.0.0.0', 'info'], 'defaults file completed, its own value kept');
  const second = await run(process.execPath, ['--import', 'tsx', 'scripts/config-docs.ts', file, defaults]);
  t.match(second.stdout, /already current/);
  t.match(second.stdout, /already lists every setting/);
  writeFileSync(file, 'no markers\n');
  await t.rejects(run(process.execPath, ['--import', 'tsx', 'scripts/config-docs.ts', file, defaults]), /markers not found/);
});
