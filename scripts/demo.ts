/**
 * `npm run demo`: the README's city in one command. The gateway as `npm start` runs it
 * (dist/server/main.js, built by predemo: embedded defaults, then `DIPPER_*` variables as ever),
 * then the simulated Wuhan fleet registered through the gateway's registry API first
 * (`simulate --register`), so the map shows vehicles, body cameras and handhelds, not terminals
 * of unknown category. Arguments go to the simulator (`npm run demo -- --vehicles 50 --walkers 100`),
 * the scenario config/scenarios/wuhan.yaml unless one is named; host, port and API are the
 * gateway's own, read from its "listening" line. With api.tokens configured the import needs
 * one of them with the admin right in DIPPER_TOKEN; there is no default token.
 *
 * Both children run in process groups of their own, so a Ctrl-C reaches them once, through
 * here: the fleet logs out and prints its summary, then the gateway stops. A second Ctrl-C
 * ends the fleet at once, as it does `npm run simulate`. A fleet that ends by itself (--ticks,
 * --duration) leaves the gateway serving the map until Ctrl-C.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { prettyFactory } from 'pino-pretty';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEFAULT_SCENARIO = 'config/scenarios/wuhan.yaml';
/** a wildcard listener is reached on loopback */
const WILDCARD = new Set(['', '0.0.0.0', '::', '[::]']);

type Stop = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

interface Listening {
  ports: { jt808: number; http: number };
}

function say(line: string): void {
  process.stderr.write(`demo: ${line}\n`);
}

const hostOf = (h: unknown) => (typeof h !== 'string' || WILDCARD.has(h) ? '127.0.0.1' : h.includes(':') ? `[${h}]` : h);

function main(): void {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(
      `usage: npm run demo -- [simulate options]\n\nStarts the gateway (npm start's, configured as ever by DIPPER_* variables), registers the fleet\nthrough its API and runs it (default --scenario ${DEFAULT_SCENARIO}). Ctrl-C stops both.\nSimulator options: npm run simulate -- --help (--host, --port, --api and --register are set here).\n`,
    );
    return;
  }
  const pretty = process.stdout.isTTY ? prettyFactory({ translateTime: 'SYS:HH:MM:ss.l' }) : undefined;
  const gateway = spawn(process.execPath, ['--max-semi-space-size=32', 'dist/server/main.js'], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  let fleet: ChildProcess | undefined;
  let fleetDone = false;
  /** the fleet's exit code (1 for a signal): this process's, unless the gateway fails */
  let fleetCode = 0;
  let stopping: Stop | undefined;
  let gatewayAsked = false;
  let hosts: { http?: unknown; jt808?: unknown } = {};

  // whatever ends this process, its children do not outlive it
  process.on('exit', () => {
    for (const c of [fleet, gateway]) if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
  const stopGateway = () => {
    gatewayAsked = true;
    if (gateway.exitCode === null && gateway.signalCode === null) gateway.kill('SIGTERM');
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      stopping = signal;
      if (fleet && !fleetDone) fleet.kill(signal);
      else stopGateway();
    });
  }

  const startFleet = (listening: Listening) => {
    const host = hostOf(hosts.jt808);
    const api = `http://${hostOf(hosts.http)}:${listening.ports.http}`;
    say(`the map: ${api}/ (gateway pid ${gateway.pid})`);
    const scenario = args.some((a) => a === '--scenario' || a.startsWith('--scenario=')) ? [] : ['--scenario', DEFAULT_SCENARIO];
    fleet = spawn(process.execPath, ['--import', 'tsx', 'simulators/simulate.ts', ...scenario, ...args, '--host', host.replace(/^\[|\]$/g, ''), '--port', String(listening.ports.jt808), '--register', '--api', api], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    fleet.on('exit', (code, signal) => {
      fleetDone = true;
      fleetCode = code ?? 1;
      if (stopping || code !== 0) {
        if (!stopping) say(`the fleet ended with ${code ?? signal}: stopping the gateway`);
        stopGateway();
      } else {
        say(`the fleet has stopped; the map stays at ${api}/ until Ctrl-C`);
      }
    });
  };

  const lines = createInterface({ input: gateway.stdout! });
  lines.on('line', (line) => {
    let entry: { msg?: string; ports?: Listening['ports']; http?: unknown; jt808?: unknown } | undefined;
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      entry = undefined;
    }
    process.stdout.write(pretty && entry ? pretty(entry) : `${line}\n`);
    if (!entry) return;
    // the exposure notice names the listeners' hosts; the next line, their ports
    if (typeof entry.msg === 'string' && entry.msg.startsWith('listening:')) hosts = { http: entry.http, jt808: entry.jt808 };
    if (entry.ports && !fleet && !stopping) startFleet({ ports: entry.ports });
  });
  gateway.on('exit', (code, signal) => {
    if (!gatewayAsked) say(`the gateway ended with ${code ?? signal}`);
    const end = () => process.exit(gatewayAsked && code === 0 ? fleetCode : code || 1);
    // the fleet (if any) is told, and this process ends when it has
    if (!fleet || fleetDone) return end();
    fleet.on('exit', end);
    fleet.kill('SIGTERM');
  });
}

main();
