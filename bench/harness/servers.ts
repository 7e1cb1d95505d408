/** Real servers through the project's own scripts/ (installed on first use, started on loopback). */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;

export async function script(name: 'kafka' | 'mosquitto' | 'influx' | 'postgres', action: 'start' | 'stop' | 'reset' | 'url', env: Record<string, string>): Promise<string> {
  const { stdout } = await run('bash', [`scripts/${name}.sh`, action], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 20 * 60_000 });
  return stdout;
}

/** The pid a script recorded for its instance (to SIGKILL it in the chaos scripts). */
export function pidFile(name: 'kafka' | 'mosquitto' | 'influx', port: number): string {
  const file = { kafka: 'broker.pid', mosquitto: 'mosquitto.pid', influx: 'server.pid' }[name];
  return `${ROOT}.servers/${name}-${port}/${file}`;
}
