/**
 * A real Prometheus (scripts/prometheus.sh: Debian's package, loopback, installed on first use)
 * scrapes two real gateways every second, as it would a scaled-out fleet; the test queries
 * series back through Prometheus's HTTP API, per instance and summed as the dashboards do.
 * Fails, saying how to fix it, when the script cannot install or start Prometheus.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { until } from '../gateway/helpers/http.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';
import { freePort, run, startOpsServer } from './helpers.js';

interface QueryAnswer {
  status: string;
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

t.test('Prometheus scrapes the gateways and answers queries for their series', async (t) => {
  const server = await startOpsServer(t);
  const second = await startOpsServer(t);
  const term = await TestTerminal.tcp(server.ports.jt808);
  t.teardown(() => term.close());
  await term.login();
  for (let i = 0; i < 5; i++) await term.ackOf(term.send(0x0200, locationBody()));
  const term2 = await TestTerminal.tcp(second.ports.jt808, { phone: '013900000202' });
  t.teardown(() => term2.close());
  await term2.login();
  for (let i = 0; i < 3; i++) await term2.ackOf(term2.send(0x0200, locationBody()));

  const dir = mkdtempSync(join(tmpdir(), 'dipper-prom-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'scrape_configs:',
      '  - job_name: dipper-gateway',
      `    static_configs: [ { targets: ['127.0.0.1:${server.ports.http}', '127.0.0.1:${second.ports.http}'] } ]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  try {
    await run('scripts/prometheus.sh', ['start', config, String(port)], { timeout: 180_000 });
  } catch (e) {
    t.fail(`scripts/prometheus.sh could not start Prometheus (needs root for apt-get install prometheus, or the package installed): ${(e as Error).message}`);
    return;
  }
  t.teardown(() => run('scripts/prometheus.sh', ['stop', String(port)]));
  // idempotent: a second start on the same port reloads the same server
  const again = await run('scripts/prometheus.sh', ['start', config, String(port)], { timeout: 60_000 });
  const pid = readFileSync(`.servers/prometheus-${port}/prometheus.pid`, 'utf8').trim();
  t.equal(again.stdout.trim(), pid, 'start again: the same process, reloaded');

  const query = async (q: string): Promise<QueryAnswer> => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`);
    return (await res.json()) as QueryAnswer;
  };
  // the first scrapes land within a scrape interval or two (later on a busy machine)
  const answer: QueryAnswer | undefined = await until('both gateways scraped', async () => {
    const a = await query('dipper_frames_in_total{msg_id="0x0200"}');
    return a.data.result.length === 2 && a;
  });
  t.equal(answer?.status, 'success');
  const byInstance = new Map(answer?.data.result.map((r) => [r.metric.instance, Number(r.value[1])]));
  t.equal(byInstance.get(`127.0.0.1:${server.ports.http}`), 5, 'five 0x0200 frames on the first gateway, as it counted them');
  t.equal(byInstance.get(`127.0.0.1:${second.ports.http}`), 3, 'three on the second');
  t.ok(answer?.data.result.every((r) => r.metric.job === 'dipper-gateway'), 'job label from the scrape config');

  const total = await query('sum(dipper_frames_in_total{msg_id="0x0200"})');
  t.equal(Number(total.data.result[0]?.value[1]), 8, 'summed over the fleet, as the dashboards do');
  const online = await query('sum(dipper_terminals_online)');
  t.equal(Number(online.data.result[0]?.value[1]), 2, 'fleet: two terminals online');
  const up = await query('count(up{job="dipper-gateway"} == 1)');
  t.equal(up.data.result[0]?.value[1], '2', 'both targets are up');
});
