/**
 * The README's settings table is generated from the schema (scripts/config-docs.ts); this
 * fails when someone adds or changes a setting without regenerating it: `npm run docs:config`.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { ConfigSchema } from '../../gateway/config.js';
import { END, START, configRows, configTable } from '../../scripts/config-docs.js';

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
