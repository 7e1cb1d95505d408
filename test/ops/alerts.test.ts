/**
 * docker/alerts.yml: the runbook's symptoms as Prometheus alerts. promtool unit-tests them
 * (docker/alerts.test.yml: they fire on trouble, stay quiet otherwise), and every dipper_*
 * metric they use is registered by the gateway.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { load } from 'js-yaml';
import { catalogueRegistry } from '../../scripts/metrics-docs.js';
import { run } from './helpers.js';

const rules = (load(readFileSync('docker/alerts.yml', 'utf8')) as { groups: { rules: { alert: string; expr: string; annotations: { runbook?: string } }[] }[] }).groups.flatMap((g) => g.rules);

t.test('promtool test rules: the alerts fire when they should', async (t) => {
  try {
    const { stdout } = await run('scripts/prometheus.sh', ['promtool', 'test', 'rules', 'docker/alerts.test.yml'], { timeout: 180_000 });
    t.match(stdout, /SUCCESS/);
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    t.fail(`promtool test rules: ${err.stdout ?? ''}${err.stderr ?? err.message}`);
  }
});

t.test('every alert uses registered metrics and points at the runbook', async (t) => {
  const names = new Set<string>();
  for (const m of (await catalogueRegistry()).getMetricsAsArray()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  t.ok(rules.length >= 8, `${rules.length} alerts`);
  for (const r of rules) {
    for (const name of r.expr.match(/\bdipper_[a-z0-9_]+/g) ?? []) t.ok(names.has(name), `${r.alert}: ${name} is registered`);
    t.ok(r.annotations.runbook, `${r.alert}: runbook annotation`);
  }
});
