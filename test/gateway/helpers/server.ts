/** A whole gateway on loopback, every port chosen by the system, closed when the test ends. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validate } from '../../../server/config.js';
import type { Config } from '../../../server/config.js';
import { createLogger, silentLogger } from '../../../gateway/log.js';
import { startServer } from '../../../server/server.js';
import type { Server, StartOptions } from '../../../server/server.js';
import type { EventSink } from '../../../events/sink.js';
import { pgliteTemplate, seedDatabase } from '../../helpers/pglite-template.js';

/** The test gateways' auth.secret: 32+ bytes, as the gateway requires (never a real deployment's). */
export const TEST_SECRET = 'dipper-test-secret-not-for-production';

type Overrides = { [K in keyof Config]?: Config[K] extends object ? Partial<Config[K]> : Config[K] };

interface Teardown {
  teardown(fn: () => unknown): void;
}

export function testConfig(overrides: Overrides = {}): Config {
  const dataDir = mkdtempSync(join(tmpdir(), 'dipper-gw-'));
  const base: Overrides = {
    jt808: { host: '127.0.0.1', port: 0 },
    // off unless a test asks: its default port (6810) is fixed, and tests run side by side
    attachments: { port: 0 },
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { host: '127.0.0.1', port: 0, wsPort: 0 },
    dataDir,
    auth: { secret: TEST_SECRET },
    log: { level: 'silent' },
  };
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    const b = (base as Record<string, unknown>)[k];
    merged[k] = typeof v === 'object' && v !== null && !Array.isArray(v) && typeof b === 'object' ? { ...b, ...v } : v;
  }
  const config = validate(merged);
  // the embedded database from a migrated copy (the template), unless the test names a server
  if (!config.database.url) seedDatabase(config.dataDir);
  return config;
}

/** `options.processMetrics`: the process's default metrics, as `npm start` has them (off by default). */
export async function startTestServer(t: Teardown, overrides: Overrides = {}, sinks: EventSink[] = [], options: Omit<StartOptions, 'sinks'> = {}): Promise<Server> {
  await pgliteTemplate();
  const config = testConfig(overrides);
  const server = await startServer(config, process.env.DEBUG_GW ? createLogger('debug', false) : silentLogger(), { ...options, sinks });
  t.teardown(async () => {
    await server.close();
    rmSync(config.dataDir, { recursive: true, force: true });
  });
  return server;
}
