/**
 * Chaos: Kafka is SIGKILLed under load (50 terminals, durable mode) and started again 10 s
 * later. While it is down nothing is acknowledged; after, everything held is published and
 * acknowledged. Pass: nothing acknowledged is missing from Kafka, every terminal is
 * acknowledged again.   npx tsx bench/chaos/kafka-restart.ts
 */
import { readFileSync } from 'node:fs';
import { pidFile, script } from '../harness/servers.js';
import { kafkaBackend } from './backends.js';
import { runChaos, sleep } from './scenario.js';

await runChaos('kafka-restart', kafkaBackend(19692), async (ctx) => {
  const pid = Number(readFileSync(pidFile('kafka', ctx.backend.port), 'utf8'));
  ctx.note(`SIGKILL Kafka pid ${pid}`);
  process.kill(pid, 'SIGKILL');
  await sleep(10_000);
  const acksWhileDown = ctx.reporters.reduce((a, r) => a + r.ackTimes.filter((t) => t > Date.now() - 9000).length, 0);
  ctx.note(`acknowledgements in the last 9 s of the outage: ${acksWhileDown}`);
  await script('kafka', 'start', { KAFKA_PORT: String(ctx.backend.port) });
  ctx.note('Kafka restarted');
});
