/**
 * A gateway as its own process (`server/main.ts` through tsx with `npm start`'s node flags, or with
 * DIPPER_BENCH_COMPILED=1 `dist/server/main.js` as `npm start` runs it: `npm run build` first), on loopback
 * ports chosen by the system, for the benchmarks, floods, chaos and soak scripts: they need
 * its CPU and RSS apart from the load's, and the chaos scripts SIGKILL it. Ports are read from
 * the gateway's own "listening" log line.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface GatewayPorts {
  jt808: number;
  http: number;
  mqtt: number | null;
}

export interface GatewayProcessOptions {
  /** Extra settings merged over the loopback defaults (the config file's shape). */
  config?: Record<string, unknown>;
  /** DIPPER_* variables (e.g. DIPPER_KAFKA_BROKERS). */
  env?: Record<string, string>;
  /** Fixed ports (a restarted gateway must come back where its terminals reconnect). */
  ports?: { jt808?: number; http?: number; mqtt?: number };
  /** Node flags, e.g. --max-semi-space-size. */
  nodeFlags?: string[];
  /** Reuse a data directory (restarts); otherwise a fresh temporary one, removed by stop(). */
  dataDir?: string;
  /** Where the gateway's log goes (default: discarded after the listening line). */
  logTo?: (line: string) => void;
}

export interface GatewayProcess {
  readonly pid: number;
  readonly ports: GatewayPorts;
  readonly dataDir: string;
  readonly child: ChildProcess;
  /** CPU seconds (user + system) used so far, from /proc. */
  cpuSeconds(): number;
  /** Resident set size in bytes, from /proc. */
  rssBytes(): number;
  /** Open file descriptors. */
  openFiles(): number;
  /** SIGTERM and wait (graceful); SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
  readonly exited: Promise<number | null>;
}

/** The benchmark gateways' auth.secret (32+ bytes); bench/blast.ts computes codes with it. */
export const BENCH_SECRET = 'dipper-bench-secret-not-for-production';

const ROOT = new URL('../..', import.meta.url).pathname;
/** Node flags of `npm start`, read from package.json so that benchmarks measure what operators run. */
const START_FLAGS = ((JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }).scripts.start.match(/--max-[\w-]+=\S+/g) ?? []);
const CLOCK_TICKS = 100;

export async function startGatewayProcess(options: GatewayProcessOptions = {}): Promise<GatewayProcess> {
  const ownDir = !options.dataDir;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'dipper-bench-'));
  const configFile = join(dataDir, 'bench-config.json');
  const config = {
    jt808: { host: '127.0.0.1', port: options.ports?.jt808 ?? 0, udp: false, ...((options.config?.jt808 as object) ?? {}) },
    http: { host: '127.0.0.1', port: options.ports?.http ?? 0 },
    mqtt: { host: '127.0.0.1', port: options.ports?.mqtt ?? 0, wsPort: 0 },
    dataDir,
    // every simulated terminal connects from loopback: no registration rate limit in benchmarks
    auth: { secret: BENCH_SECRET, registrationsPerMinute: 100_000_000 },
    log: { level: 'info' },
    ...Object.fromEntries(Object.entries(options.config ?? {}).filter(([k]) => k !== 'jt808')),
  };
  writeFileSync(configFile, JSON.stringify(config));
  // DIPPER_BENCH_NODE_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles any benchmark's gateway
  const extraFlags = process.env.DIPPER_BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  // the flags `npm start` runs the gateway with (package.json), then the benchmark's own
  // tsx applies esbuild's keepNames (a wrapper per function created per call); production's build does not
  const entry = process.env.DIPPER_BENCH_COMPILED === '1' ? ['dist/server/main.js'] : ['--import', 'tsx', 'server/main.ts'];
  const child = spawn(process.execPath, [...START_FLAGS, ...(options.nodeFlags ?? []), ...extraFlags, ...entry, '--config', configFile], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // DIPPER_BENCH_LOG=file keeps every gateway's output (and how it ended) for a post-mortem
  const keep = process.env.DIPPER_BENCH_LOG;
  if (keep) {
    const sink = (text: string) => appendFileSync(keep, text.endsWith('\n') ? text : `${text}\n`);
    const given = options.logTo;
    options = { ...options, logTo: (line) => (sink(`[${child.pid}] ${line}`), given?.(line)) };
    child.once('exit', (code, signal) => sink(`[${child.pid}] exited code ${code} signal ${signal}`));
  }
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
    options.logTo?.(d.toString());
  });
  const ports = await new Promise<GatewayPorts>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    let found = false;
    lines.on('line', (line) => {
      options.logTo?.(line);
      if (found) return;
      try {
        const entry = JSON.parse(line) as { msg?: string; ports?: GatewayPorts };
        if (entry.msg === 'dipper gateway listening' && entry.ports) {
          found = true;
          resolve(entry.ports);
        }
      } catch {
        // not JSON: ignore
      }
    });
    void exited.then((code) => found || reject(new Error(`gateway exited (${code}) before listening: ${stderr}`)));
  });
  const pid = child.pid!;
  const cleanup = () => {
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  };
  return {
    pid,
    ports,
    dataDir,
    child,
    exited,
    // the process and its children: with DIPPER_WORKERS the gateway runs in cluster workers
    cpuSeconds() {
      return sumOverTree(pid, (p) => {
        const f = statOf(p);
        return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
      });
    },
    rssBytes() {
      return sumOverTree(pid, (p) => {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
        return m ? Number(m[1]) * 1024 : 0;
      });
    },
    openFiles() {
      return sumOverTree(pid, (p) => readdirCount(`/proc/${p}/fd`));
    },
    async stop(graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) {
        cleanup();
        return child.exitCode;
      }
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      cleanup();
      return code;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

function statOf(pid: number): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** `read` summed over `pid` and its descendants; NaN once `pid` itself is gone (a child may end meanwhile). */
function sumOverTree(pid: number, read: (p: number) => number): number {
  let sum = 0;
  for (const p of processTree(pid)) {
    try {
      sum += read(p);
    } catch {
      if (p === pid) return NaN;
    }
  }
  return sum;
}

/** `pid` and its descendants, from /proc/PID/task/TID/children. */
function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const task of readdirSync(`/proc/${out[i]}/task`)) {
        const kids = readFileSync(`/proc/${out[i]}/task/${task}/children`, 'utf8').trim();
        if (kids) out.push(...kids.split(' ').map(Number));
      }
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function readdirCount(dir: string): number {
  return readdirSync(dir).length;
}
