/**
 * The README's metrics catalogue is generated from the registry a running gateway has
 * (scripts/metrics-docs.ts); this fails when a metric is added or changed without
 * regenerating it: `npm run docs:metrics`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { END, START, catalogueRegistry, metricsTable } from '../../scripts/metrics-docs.js';
import { run } from './helpers.js';

t.test('README metrics catalogue is current (regenerate: npm run docs:metrics)', async (t) => {
  const readme = readFileSync('README.md', 'utf8');
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  t.ok(from >= 0 && to > from, 'README has the metrics-table markers');
  t.equal(readme.slice(from, to + END.length), await metricsTable(), 'README table matches the registry: run `npm run docs:metrics`');
});

t.test('the catalogue follows the naming rules', async (t) => {
  for (const m of (await catalogueRegistry()).getMetricsAsArray()) {
    t.match(m.name, /^dipper_[a-z0-9_]+$/, `${m.name}: dipper_ prefix, snake case`);
    const type = String(m.type);
    if (type === 'counter') t.match(m.name, /_total$/, `${m.name}: a counter ends in _total`);
    else t.notMatch(m.name, /_total$/, `${m.name}: only counters end in _total`);
    t.notMatch(m.name, /_(ms|milliseconds|kb|mb|percent)(_|$)/, `${m.name}: base units`);
    if (type === 'histogram') t.match(m.name, /_(seconds|bytes)$/, `${m.name}: a histogram names its unit`);
  }
});

t.test('npm run docs:metrics rewrites a stale table', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dipper-docs-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'README.md');
  writeFileSync(file, `${START}\n${END}\n`);
  t.match((await run(process.execPath, ['--import', 'tsx', 'scripts/metrics-docs.ts', file])).stdout, /metrics table rewritten/);
  t.equal(readFileSync(file, 'utf8'), `${await metricsTable()}\n`);
  t.match((await run(process.execPath, ['--import', 'tsx', 'scripts/metrics-docs.ts', file])).stdout, /already current/);
});

t.test('every metric README Operations names (runbook, dashboards, scaling) is registered', async (t) => {
  const readme = readFileSync('README.md', 'utf8');
  const from = readme.indexOf('## Operations');
  const section = readme.slice(from, readme.indexOf('\n## ', from + 1));
  const names = new Set<string>();
  for (const m of (await catalogueRegistry()).getMetricsAsArray()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  const used = new Set((section.match(/\bdipper_[a-z0-9_]+/g) ?? []).filter((n) => !n.endsWith('_')));
  t.ok(used.size > 30, `${used.size} names mentioned`);
  for (const n of used) t.ok(names.has(n), `${n} is registered`);
});
