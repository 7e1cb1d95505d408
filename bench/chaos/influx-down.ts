/**
 * Chaos: InfluxDB is SIGKILLed for 10 s under load. It is not a required sink (fast mode),
 * so acknowledgements must go on while it is down, and its backlog must be written when it
 * returns. Pass: every acknowledged position is in InfluxDB afterwards, every terminal
 * acknowledged throughout.   npx tsx bench/chaos/influx-down.ts
 */
import { readFileSync } from 'node:fs';
import { pidFile, script } from '../harness/servers.js';
import { influxBackend } from './backends.js';
import { runChaos, sleep } from './scenario.js';

await runChaos('influx-down', influxBackend(18186), async (ctx) => {
  const pid = Number(readFileSync(pidFile('influx', ctx.backend.port), 'utf8'));
  ctx.note(`SIGKILL InfluxDB pid ${pid}`);
  process.kill(pid, 'SIGKILL');
  const down = Date.now();
  await sleep(10_000);
  const acks = ctx.reporters.reduce((a, r) => a + r.ackTimes.filter((t) => t > down).length, 0);
  ctx.note(`acknowledgements while InfluxDB was down: ${acks} (must go on)`);
  if (acks === 0) throw new Error('acknowledgements stopped while a non-required sink was down');
  await script('influx', 'start', { INFLUX_PORT: String(ctx.backend.port) });
  ctx.note('InfluxDB restarted');
});
