/**
 * server/main.ts in a child process, as an operator runs it (the environment of main-env.ts plus
 * what the test adds, settings through a `--config` file; the embedded database copied from the
 * migrated template): its chosen ports from the start log,
 * its JSON log lines, SIGTERM at the end (SIGKILL if it will not stop).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { mainEnv } from './main-env.js';
import { pgliteTemplate, seedDatabase } from './pglite-template.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface MainProcess {
  child: ChildProcess;
  ports: { jt808: number; http: number };
  /** its JSON log lines so far */
  lines: Record<string, unknown>[];
}

/** Starts one; resolves once it listens (rejects, with its stderr, if it exits first). `settings` go in a --config file. */
export async function startMain(t: Teardown, secret: string, env: Record<string, string>, settings: object = {}): Promise<MainProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dipper-main-'));
  // the embedded database from a migrated copy (unless the settings name a server): a fresh one costs seconds
  await pgliteTemplate();
  seedDatabase(dataDir);
  const file = join(dataDir, 'settings.json');
  writeFileSync(file, JSON.stringify(settings));
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--config', file], { env: mainEnv(dataDir, secret, env), stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const stuck = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(stuck);
    }
    rmSync(dataDir, { recursive: true, force: true });
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines: Record<string, unknown>[] = [];
  const ports = await new Promise<{ jt808: number; http: number }>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      if (line.ports) resolve(line.ports as { jt808: number; http: number });
    });
    void exited.then(() => reject(new Error(`server/main.ts exited before listening: ${stderr}`)));
  });
  return { child, ports, lines };
}
