/** Shared by the operations tests: a whole gateway with process metrics on, and the project's scripts. */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { silentLogger } from '../../gateway/log.js';
import { startServer } from '../../server/server.js';
import type { Server } from '../../server/server.js';
import { testConfig } from '../gateway/helpers/server.js';

export const run = promisify(execFile);

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** The gateway as `npm start` builds it (default process metrics included), on loopback ports. */
export async function startOpsServer(t: Teardown): Promise<Server> {
  const config = testConfig();
  const server = await startServer(config, silentLogger(), { processMetrics: true });
  t.teardown(async () => {
    await server.close();
    rmSync(config.dataDir, { recursive: true, force: true });
  });
  return server;
}

export async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

/** The value of one sample in a Prometheus text exposition, e.g. `dipper_frames_in_total{msg_id="0x0200"}`. */
export function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

/** A TCP port free right now on 127.0.0.1 (for servers that cannot take port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
