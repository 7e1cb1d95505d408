/** Real servers through the project's own scripts/ (installed on first use, started on loopback). */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;

export async function script(name: 'kafka' | 'mosquitto' | 'influx', action: 'start' | 'stop' | 'reset', env: Record<string, string>): Promise<void> {
  await run('bash', [`scripts/${name}.sh`, action], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 20 * 60_000 });
}

/** The pid a script recorded for its instance (to SIGKILL it in the chaos scripts). */
export function pidFile(name: 'kafka' | 'mosquitto' | 'influx', port: number): string {
  const file = { kafka: 'broker.pid', mosquitto: 'mosquitto.pid', influx: 'server.pid' }[name];
  return `${ROOT}.servers/${name}-${port}/${file}`;
}
