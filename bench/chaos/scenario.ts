/**
 * The frame of every chaos script: real Kafka (scripts/kafka.sh, its own port), a gateway
 * process in durable mode (a 0x8001 only once Kafka has the position), 50 reporting terminals;
 * a warm-up, the fault, a recovery period, then the verdict: every acknowledged report must be
 * in Kafka (read back from the beginning), and every terminal must be acknowledged again after
 * the fault. Prints the verdict and writes bench/results/chaos-<name>.json; exit 0 = pass.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayProcess } from '../harness/gateway-process.js';
import type { GatewayProcess } from '../harness/gateway-process.js';
import { script } from '../harness/servers.js';
import { positionsInKafka } from './kafka-reader.js';
import { Reporter, recoveryMs } from './reporters.js';

export interface ChaosContext {
  kafkaPort: number;
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
export async function runChaos(name: string, kafkaPort: number, fault: (ctx: ChaosContext) => Promise<void>, options: { terminals?: number; everyMs?: number; warmupMs?: number; afterMs?: number } = {}): Promise<never> {
  const terminals = options.terminals ?? 50;
  const notes: string[] = [];
  const note = (what: string) => {
    notes.push(`${new Date().toISOString()} ${what}`);
    console.log(`[${name}] ${what}`);
  };
  const env = { KAFKA_PORT: String(kafkaPort) };
  await script('kafka', 'reset', env);
  await script('kafka', 'start', env);
  const dataDir = mkdtempSync(join(tmpdir(), `dipper-chaos-${name}-`));
  const ports = { jt808: await freePort(), http: await freePort(), mqtt: await freePort() };
  const startGateway = () => startGatewayProcess({ env: { DIPPER_KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`, DIPPER_DELIVERY: 'durable' }, ports, dataDir });
  const ctx: ChaosContext = { kafkaPort, gateway: await startGateway(), startGateway, reporters: [], note };
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
    note(`${acked.length} reports acknowledged in all; reading dipper.positions back`);
    const inKafka = await positionsInKafka(`127.0.0.1:${kafkaPort}`, acked.length);
    const lost = acked.filter((k) => !inKafka.has(k));
    const reconnects = ctx.reporters.reduce((a, r) => a + r.reconnects, 0);
    verdict = lost.length === 0 && recovery !== null && acked.length > before ? 'pass' : 'fail';
    result = { acknowledged: acked.length, acknowledgedBeforeFault: before, inKafka: inKafka.size, lost: lost.length, lostSample: lost.slice(0, 10), recoveryMs: recovery, reconnects };
    note(`${verdict.toUpperCase()}: ${acked.length} acknowledged, ${lost.length} of them missing from Kafka, recovery ${recovery === null ? 'never' : `${recovery} ms`} (every terminal acknowledged again), ${reconnects} reconnects`);
  } catch (e) {
    note(`FAIL: ${(e as Error).stack}`);
  } finally {
    await Promise.all(ctx.reporters.map((r) => r.stop()));
    await ctx.gateway.stop();
    await script('kafka', 'stop', env);
    rmSync(dataDir, { recursive: true, force: true });
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(`bench/results/chaos-${name}.json`, JSON.stringify({ name, verdict, at: new Date().toISOString(), ...result, notes }, null, 2) + '\n');
  process.exit(verdict === 'pass' ? 0 : 1);
}
