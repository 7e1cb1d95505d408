/**
 * The frame of every chaos script: a real sink from scripts/ (backends.ts), a gateway process
 * (durable mode for Kafka and Mosquitto: a 0x8001 only once the sink has the position), 50 reporting terminals;
 * a warm-up, the fault, a recovery period, then the verdict: every acknowledged report must be
 * in the sink (read back), and every terminal must be acknowledged again after
 * the fault. Prints the verdict and writes bench/results/chaos-<name>.json; exit 0 = pass.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayProcess } from '../harness/gateway-process.js';
import type { GatewayProcess } from '../harness/gateway-process.js';
import type { Backend } from './backends.js';
import { Reporter, recoveryMs } from './reporters.js';

export interface ChaosContext {
  backend: Backend;
  /** the gateway now running (the fault may replace it) */
  gateway: GatewayProcess;
  startGateway(): Promise<GatewayProcess>;
  reporters: Reporter[];
  note(what: string): void;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** `fault` does the damage and returns when it has been undone (the moment recovery is timed from). */
export async function runChaos(name: string, backend: Backend, fault: (ctx: ChaosContext) => Promise<void>, options: { terminals?: number; everyMs?: number; warmupMs?: number; afterMs?: number } = {}): Promise<never> {
  const terminals = options.terminals ?? 50;
  const notes: string[] = [];
  const note = (what: string) => {
    notes.push(`${new Date().toISOString()} ${what}`);
    console.log(`[${name}] ${what}`);
  };
  await backend.start();
  await backend.open();
  const dataDir = mkdtempSync(join(tmpdir(), `dipper-chaos-${name}-`));
  const ports = { jt808: await freePort(), http: await freePort(), mqtt: await freePort() };
  const startGateway = () => startGatewayProcess({ env: backend.env, config: backend.config, ports, dataDir });
  const ctx: ChaosContext = { backend, gateway: await startGateway(), startGateway, reporters: [], note };
  let verdict = 'fail';
  let result: Record<string, unknown> = {};
  try {
    const base = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
    ctx.reporters = Array.from({ length: terminals }, (_, i) => new Reporter(`0137${String(i).padStart(8, '0')}`, () => ports.jt808, base, options.everyMs ?? 100));
    ctx.reporters.forEach((r) => r.start());
    note(`${terminals} terminals reporting every ${options.everyMs ?? 100} ms`);
    await sleep(options.warmupMs ?? 8000);
    const before = ctx.reporters.reduce((a, r) => a + r.acked.size, 0);
    note(`${before} reports acknowledged before the fault`);
    await fault(ctx);
    const recoveredFrom = Date.now();
    note('fault undone; waiting for every terminal to be acknowledged again');
    await sleep(options.afterMs ?? 15_000);
    await Promise.all(ctx.reporters.map((r) => r.stop()));
    const recovery = recoveryMs(ctx.reporters, recoveredFrom);
    const acked = ctx.reporters.flatMap((r) => [...r.acked].map((n) => `${r.terminal}/${r.timeOf(n)}`));
    note(`${acked.length} reports acknowledged in all; reading them back from ${backend.name}`);
    const inKafka = await backend.readBack(acked.length);
    const lost = acked.filter((k) => !inKafka.has(k));
    const reconnects = ctx.reporters.reduce((a, r) => a + r.reconnects, 0);
    verdict = lost.length === 0 && recovery !== null && acked.length > before ? 'pass' : 'fail';
    result = { sink: backend.name, delivery: backend.env.DIPPER_DELIVERY, acknowledged: acked.length, acknowledgedBeforeFault: before, readBack: inKafka.size, lost: lost.length, lostSample: lost.slice(0, 10), recoveryMs: recovery, reconnects };
    note(`${verdict.toUpperCase()}: ${acked.length} acknowledged, ${lost.length} of them missing from ${backend.name}, recovery ${recovery === null ? 'never' : `${recovery} ms`} (every terminal acknowledged again), ${reconnects} reconnects`);
  } catch (e) {
    note(`FAIL: ${(e as Error).stack}`);
  } finally {
    await Promise.all(ctx.reporters.map((r) => r.stop()));
    await ctx.gateway.stop();
    await backend.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(`bench/results/chaos-${name}.json`, JSON.stringify({ name, verdict, at: new Date().toISOString(), ...result, notes }, null, 2) + '\n');
  process.exit(verdict === 'pass' ? 0 : 1);
}
