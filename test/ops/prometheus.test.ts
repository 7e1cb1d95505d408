/**
 * A real Prometheus (scripts/prometheus.sh: Debian's package, loopback, installed on first use)
 * scrapes a real gateway every second; the test queries a series back through Prometheus's
 * HTTP API. Fails, saying how to fix it, when the script cannot install or start Prometheus.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';
import { freePort, run, startOpsServer } from './helpers.js';

interface QueryAnswer {
  status: string;
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

t.test('Prometheus scrapes the gateway and answers a query for its series', async (t) => {
  const server = await startOpsServer(t);
  const term = await TestTerminal.tcp(server.ports.jt808);
  t.teardown(() => term.close());
  await term.login();
  for (let i = 0; i < 5; i++) await term.ackOf(term.send(0x0200, locationBody()));

  const dir = mkdtempSync(join(tmpdir(), 'dipper-prom-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'scrape_configs:',
      '  - job_name: dipper-gateway',
      `    static_configs: [ { targets: ['127.0.0.1:${server.ports.http}'] } ]`,
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

  const query = async (q: string): Promise<QueryAnswer> => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`);
    return (await res.json()) as QueryAnswer;
  };
  // the first scrape lands within a scrape interval or two; allow 20 s on a busy machine
  let answer: QueryAnswer | undefined;
  for (let i = 0; i < 100; i++) {
    answer = await query('dipper_frames_in_total{msg_id="0x0200"}');
    if (answer.data.result.length > 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  t.equal(answer?.status, 'success');
  const series = answer?.data.result[0];
  t.ok(series, 'the series came back from Prometheus');
  t.equal(series?.metric.job, 'dipper-gateway');
  t.equal(series?.metric.instance, `127.0.0.1:${server.ports.http}`);
  t.equal(Number(series?.value[1]), 5, 'five 0x0200 frames, as the gateway counted them');

  const up = await query('up{job="dipper-gateway"}');
  t.equal(up.data.result[0]?.value[1], '1', 'target is up');
});
