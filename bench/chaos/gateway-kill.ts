/**
 * Chaos: the gateway is SIGKILLed while 50 terminals report (durable mode, real Kafka), and
 * started again 3 s later on the same ports. Terminals reconnect with their stored auth codes
 * and send again what was not acknowledged. Pass: nothing acknowledged is missing from Kafka,
 * every terminal is acknowledged again.   npx tsx bench/chaos/gateway-kill.ts
 */
import { kafkaBackend } from './backends.js';
import { runChaos, sleep } from './scenario.js';

await runChaos('gateway-kill', kafkaBackend(19592), async (ctx) => {
  ctx.note(`SIGKILL gateway pid ${ctx.gateway.pid}`);
  await ctx.gateway.kill();
  await sleep(3000);
  ctx.gateway = await ctx.startGateway();
  ctx.note(`gateway restarted (pid ${ctx.gateway.pid})`);
});
