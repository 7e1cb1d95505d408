/**
 * Real servers for the sink tests (and HAProxy for the gateway's PROXY protocol test), through the project's own scripts (which install them on
 * first use). Each test file starts its own instance on its own ports and stops it at the end;
 * a script that fails fails the test with its output, never a skip.
 *
 * Ports in use (Kafka takes port+1 for its controller, InfluxDB port+2 for its RPC), so that files
 * running in parallel never share a server another one stops:
 *   Kafka 19292 sinks/kafka, 19492 sinks/gateway-sinks, 19592 map/standalone, 19692 bench:sinks,
 *         19792 sinks/kafka-outage (stops and starts its broker), 19392 bench:e2e, 19892 sinks/kafka-start-log (restarts it)
 *   Mosquitto 11893 sinks/mqtt-external (restarts it), 11903 sinks/gateway-sinks, 11913 bench:sinks,
 *             11983 gateway/command-relay, 11993 security/command-relay
 *   InfluxDB 18096 sinks/influx (restarts it), 18106 sinks/gateway-sinks, 18116 bench:sinks
 *   HAProxy 16808 (v1) and 16809 (v2) gateway/proxy-protocol-haproxy
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPTS = resolve(import.meta.dirname, '../../../scripts');

interface Teardown {
  teardown(fn: () => unknown): void;
}

export async function script(name: string, command: string, env: Record<string, string>): Promise<string> {
  try {
    const { stdout } = await run('bash', [`${SCRIPTS}/${name}`, command], { env: { ...process.env, ...env }, timeout: 900_000 });
    return stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`scripts/${name} ${command} failed (run it by hand to see why): ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`, { cause: e });
  }
}

export interface ServerControl {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function control(t: Teardown, name: string, env: Record<string, string>, url: string): Promise<ServerControl> {
  const c: ServerControl = {
    url,
    start: async () => void (await script(name, 'start', env)),
    stop: async () => void (await script(name, 'stop', env)),
  };
  t.teardown(() => c.stop());
  return c.start().then(() => c);
}

/** A Kafka broker on 127.0.0.1:port (controller on port+1). `url` is the broker list. */
export function kafka(t: Teardown, port: number): Promise<ServerControl> {
  return control(t, 'kafka.sh', { KAFKA_PORT: String(port) }, `127.0.0.1:${port}`);
}

export function mosquitto(t: Teardown, port: number): Promise<ServerControl> {
  return control(t, 'mosquitto.sh', { MOSQUITTO_PORT: String(port) }, `mqtt://127.0.0.1:${port}`);
}

export function influx(t: Teardown, port: number): Promise<ServerControl> {
  return control(t, 'influx.sh', { INFLUX_PORT: String(port) }, `http://127.0.0.1:${port}`);
}

/**
 * HAProxy in `mode tcp` before the JT/T 808 port `backend` (host:port): `url` is 127.0.0.1:port,
 * which forwards with a v1 header (`send-proxy`); port + 1 forwards with a v2 header (`send-proxy-v2`).
 */
export function haproxy(t: Teardown, port: number, backend: string): Promise<ServerControl> {
  return control(t, 'haproxy.sh', { HAPROXY_PORT: String(port), HAPROXY_BACKEND: backend }, `127.0.0.1:${port}`);
}
