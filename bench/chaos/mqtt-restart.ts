/**
 * Chaos: the external MQTT broker (Mosquitto from scripts/mosquitto.sh, persistence on) is
 * restarted under load; the gateway runs durable with `delivery.required: ["mqtt"]`, so a
 * 0x8001 means Mosquitto has PUBACKed the position. A persistent QoS 1 subscriber reads every
 * position back. Pass: nothing acknowledged is missing, every terminal acknowledged again.
 *   npx tsx bench/chaos/mqtt-restart.ts
 */
import { script } from '../harness/servers.js';
import { mosquittoBackend } from './backends.js';
import { runChaos, sleep } from './scenario.js';

await runChaos('mqtt-restart', mosquittoBackend(11983), async (ctx) => {
  const env = { MOSQUITTO_PORT: String(ctx.backend.port) };
  ctx.note('stopping Mosquitto');
  await script('mosquitto', 'stop', env);
  await sleep(5000);
  await script('mosquitto', 'start', env);
  ctx.note('Mosquitto restarted');
});
