/**
 * `npm run chaos`: every chaos script in turn (each starts and stops its own servers), then one
 * line per fault with its verdict. Exit 1 when any failed.
 */
import { spawnSync } from 'node:child_process';

const SCRIPTS = ['gateway-kill', 'kafka-restart', 'mqtt-restart', 'influx-down', 'slow-consumer'];
const only = process.argv.slice(2);
const verdicts: string[] = [];
for (const name of only.length ? only : SCRIPTS) {
  console.log(`\n== chaos: ${name}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/chaos/${name}.ts`], { stdio: 'inherit', timeout: 10 * 60_000 });
  verdicts.push(`${r.status === 0 ? 'PASS' : 'FAIL'} ${name}`);
}
console.log(`\n${verdicts.join('\n')}`);
process.exit(verdicts.every((v) => v.startsWith('PASS')) ? 0 : 1);
