/**
 * The Grafana dashboards: current with dashboards/build.ts, every query parses as PromQL
 * (promtool check rules, after substituting Grafana's variables), and every dipper_* metric a
 * query names is registered by a running gateway (the catalogue registry). Provisioning files
 * point at what docker/compose.yaml mounts.
 */
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { dump, load } from 'js-yaml';
import { BOARDS, fileOf, render } from '../../dashboards/build.js';
import { catalogueRegistry } from '../../scripts/metrics-docs.js';
import { run } from './helpers.js';

interface DashboardJson {
  uid: string;
  title: string;
  templating: { list: { definition?: string }[] };
  panels: { title: string; targets: { expr: string }[] }[];
}

const dashboards = BOARDS.map((b) => ({ file: `dashboards/${fileOf(b)}`, json: JSON.parse(readFileSync(`dashboards/${fileOf(b)}`, 'utf8')) as DashboardJson, board: b }));

function queries(d: DashboardJson): { where: string; expr: string }[] {
  const out = d.panels.flatMap((p) => p.targets.map((tg) => ({ where: `${d.uid} / ${p.title}`, expr: tg.expr })));
  for (const v of d.templating.list) if (v.definition) out.push({ where: `${d.uid} / variable`, expr: v.definition });
  return out;
}

t.test('the four dashboards exist and are current (regenerate: npm run dashboards)', async (t) => {
  t.same(
    dashboards.map((d) => d.json.uid),
    ['dipper-gateway', 'dipper-sinks', 'dipper-map', 'dipper-fleet'],
  );
  for (const d of dashboards) t.equal(readFileSync(d.file, 'utf8'), render(d.board), `${d.file} matches dashboards/build.ts`);
});

t.test('every metric a dashboard queries is registered by the gateway', async (t) => {
  const registry = await catalogueRegistry();
  const names = new Set<string>();
  for (const m of registry.getMetricsAsArray()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(m.name + suffix);
  }
  let checked = 0;
  for (const d of dashboards) {
    for (const { where, expr } of queries(d.json)) {
      const used = expr.match(/\bdipper_[a-z0-9_]+/g) ?? [];
      t.ok(used.length > 0, `${where}: queries a dipper_ metric`);
      for (const name of used) {
        checked++;
        if (!names.has(name)) t.fail(`${where}: ${name} is not in the registry`);
      }
    }
  }
  t.ok(checked > 50, `${checked} metric references checked`);
});

t.test('every query parses as PromQL (promtool check rules)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dipper-dash-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // Grafana's variables become what they stand for, then each query becomes a recording rule
  const rules = dashboards.flatMap((d) =>
    queries(d.json).map(({ expr }, i) => ({ record: `dashboard:${d.json.uid.replace(/-/g, '_')}:${i}`, expr: expr.replace(/\$__rate_interval/g, '1m').replace(/\$instance/g, '.*').replace(/^label_values\((\w+), \w+\)$/, '$1') })),
  );
  const file = join(dir, 'rules.yaml');
  writeFileSync(file, dump({ groups: [{ name: 'dashboards', rules }] }));
  try {
    const { stdout } = await run('scripts/prometheus.sh', ['promtool', 'check', 'rules', file], { timeout: 180_000 });
    t.match(stdout, new RegExp(`SUCCESS: ${rules.length} rules found`), `${rules.length} queries parse`);
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    t.fail(`promtool check rules: ${err.stdout ?? ''}${err.stderr ?? err.message}`);
  }
});

t.test('provisioning points Grafana at the dashboards and Prometheus of the compose stack', async (t) => {
  const providers = load(readFileSync('dashboards/provisioning/dashboards/dipper.yaml', 'utf8')) as { apiVersion: number; providers: { type: string; options: { path: string } }[] };
  t.equal(providers.apiVersion, 1);
  t.equal(providers.providers[0]?.type, 'file');
  const path = providers.providers[0]?.options.path;
  const sources = load(readFileSync('dashboards/provisioning/datasources/prometheus.yaml', 'utf8')) as { datasources: { type: string; url: string }[] };
  t.equal(sources.datasources[0]?.type, 'prometheus');
  t.equal(sources.datasources[0]?.url, 'http://prometheus:9090');
  const compose = readFileSync('docker/compose.yaml', 'utf8');
  t.ok(compose.includes(`../dashboards:${path}`), `compose mounts dashboards/ at ${path}`);
});
