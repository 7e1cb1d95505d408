/**
 * Runs the project's load runner (`simulators/load.ts`, i.e. `npm run load`) as a child process
 * against a gateway and returns its JSON report.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunReport } from '../../simulators/report.js';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface LoadRunOptions {
  port: number;
  connections: number;
  rate: number;
  rampS: number;
  durationS: number;
  workers?: number;
  seed?: number;
  phoneOffset?: number;
  /** Reports per write (the runner's --burst; default 1). */
  burst?: number;
  /** More of the runner's options (e.g. --sos-per-hour 360). */
  extraArgs?: string[];
  /** Called once the runner has started (e.g. to schedule samples). */
  onStart?: () => void;
}

export async function runLoad(o: LoadRunOptions): Promise<RunReport> {
  const dir = mkdtempSync(join(tmpdir(), 'dipper-load-'));
  const report = join(dir, 'report.json');
  // DIPPER_LOAD_NODE_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the runner and its workers
  const flags = process.env.DIPPER_LOAD_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const args = [...flags, '--import', 'tsx', 'simulators/load.ts', '--port', String(o.port), '--connections', String(o.connections), '--rate', String(o.rate), '--ramp', String(o.rampS), '--duration', String(o.durationS), '--seed', String(o.seed ?? 1), '--report', report];
  if (o.workers) args.push('--workers', String(o.workers));
  if (o.burst && o.burst > 1) args.push('--burst', String(o.burst));
  if (o.phoneOffset) args.push('--phone-offset', String(o.phoneOffset));
  if (o.extraArgs) args.push(...o.extraArgs);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  o.onStart?.();
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    if (code !== 0) throw new Error(`load runner exited ${code}: ${stderr}`);
    return JSON.parse(readFileSync(report, 'utf8')) as RunReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
