/**
 * Metrics that exist before they happen: every metric a Grafana dashboard queries is on a fresh
 * gateway's /metrics, before any terminal has connected, so a panel shows 0 rather than
 * "No data" (Prometheus' instrumentation practice: initialise the labelled series you know).
 * The names are read out of the dashboards' JSON files themselves (every panel's PromQL and
 * every variable's query), not from the code that writes them; a histogram's _bucket, _sum and
 * _count are its base name's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import t from 'tap';
import { startTestServer } from '../gateway/helpers/server.js';

interface DashboardJson {
  panels?: { title?: string; targets?: { expr?: string }[] }[];
  templating?: { list?: { definition?: string; query?: unknown }[] };
}

/** Every dipper_* name in every query of dashboards/*.json, with where it was read. */
function dashboardMetrics(): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of readdirSync('dashboards').filter((f) => f.endsWith('.json'))) {
    const d = JSON.parse(readFileSync(`dashboards/${file}`, 'utf8')) as DashboardJson;
    const exprs: [string, string][] = [];
    for (const p of d.panels ?? []) for (const tg of p.targets ?? []) if (tg.expr) exprs.push([`${file} / ${p.title}`, tg.expr]);
    for (const v of d.templating?.list ?? []) {
      if (v.definition) exprs.push([`${file} / variable`, v.definition]);
      const q = v.query as { query?: string } | string | undefined;
      const text = typeof q === 'string' ? q : q?.query;
      if (text) exprs.push([`${file} / variable`, text]);
    }
    for (const [where, expr] of exprs) {
      // metric names in PromQL: an identifier not followed by "=", "!=", "=~" (a label) and not inside quotes
      const unquoted = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
      for (const m of unquoted.matchAll(/\b(dipper_[a-zA-Z0-9_]+)\b(?!\s*(?:=|!=|=~|!~))/g)) {
        const name = m[1]!.replace(/_(bucket|sum|count)$/, '');
        if (!out.has(name)) out.set(name, where);
      }
    }
  }
  return out;
}

/** The metric family names of a Prometheus text exposition that have at least one sample. */
function exposed(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0];
    names.add(name);
    names.add(name.replace(/_(bucket|sum|count)$/, ''));
  }
  return names;
}

t.test('every metric a dashboard queries is on a fresh gateway\'s /metrics', async (t) => {
  const wanted = dashboardMetrics();
  t.ok(wanted.size >= 40, `${wanted.size} metrics read out of the dashboards`);
  // as `npm start` runs it: with the process's default metrics (server/main.ts)
  const server = await startTestServer(t, {}, [], { processMetrics: true });
  const res = await fetch(`http://127.0.0.1:${server.ports.http}/metrics`);
  t.equal(res.status, 200);
  const have = exposed(await res.text());
  const missing = [...wanted].filter(([name]) => !have.has(name));
  t.same(
    missing.map(([name, where]) => `${name} (${where})`),
    [],
    'none missing before anything happened',
  );
});
