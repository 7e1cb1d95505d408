/**
 * Every store test runs against both engines: PGlite in-process and a real PostgreSQL from
 * scripts/postgres.sh (its own cluster on port 15452, started by the first test that needs it,
 * stopped at the end of the file). Each call makes a fresh, empty database.
 */
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import tap from 'tap';
import { openPglite } from '../../store/pglite.js';
import { openPostgres } from '../../store/postgres.js';
import type { Database, DatabaseKind } from '../../store/database.js';
import { script } from '../sinks/helpers/servers.js';

interface Tap {
  teardown(fn: () => unknown): void;
}

export const ENGINES: readonly DatabaseKind[] = ['pglite', 'postgres'];
/**
 * Each test file its own server on its own port, so files running in parallel never share one
 * another stops: 15452 migrate, 15453 cases, 15454 incidents, 15455 registry, 15456
 * gateway/store-restart, 15457 dispatches, 15458 duty-areas, 15459 media-records, 15460 gateway/media-api (15442 ops/postgres-script, 15462 store/incident-writer, 15472
 * gateway/store-outage, 15482 bench:store, 15492 gateway/command-relay).
 */
const PORTS: Record<string, string> = { 'migrate.test.ts': '15452', 'cases.test.ts': '15453', 'incidents.test.ts': '15454', 'registry.test.ts': '15455', 'store-restart.test.ts': '15456', 'dispatches.test.ts': '15457', 'duty-areas.test.ts': '15458', 'media-records.test.ts': '15459', 'media-api.test.ts': '15460' };
const file = basename(process.argv[1] ?? '');
const PORT = PORTS[file];
const env = { POSTGRES_PORT: PORT ?? '' };

let server: Promise<string> | undefined;

/** the server's URL, starting it once per test file (and stopping it when the file's tests end) */
export function postgresUrl(): Promise<string> {
  if (PORT === undefined) throw new Error(`test/store/engines.ts: give ${file} its own PostgreSQL port in PORTS`);
  if (!server) {
    server = script('postgres.sh', 'start', env).then(() => script('postgres.sh', 'url', env)).then((s) => s.trim());
    tap.teardown(() => script('postgres.sh', 'stop', env));
  }
  return server;
}

/** a fresh database of the kind, closed (and on PostgreSQL dropped) at t's end */
export async function freshDatabase(t: Tap, kind: DatabaseKind): Promise<Database> {
  if (kind === 'pglite') {
    const db = await openPglite(undefined);
    t.teardown(() => db.close());
    return db;
  }
  const db = await openPostgres(await freshDatabaseUrl(t), 4, () => {});
  t.teardown(() => db.close());
  return db;
}

/** the URL of a fresh, empty PostgreSQL database, dropped at t's end (after t's other teardowns) */
export async function freshDatabaseUrl(t: Tap): Promise<string> {
  const url = await postgresUrl();
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = await openPostgres(url, 1, () => {});
  await admin.query(`CREATE DATABASE ${name}`);
  t.teardown(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.close();
  });
  return url.replace(/\/dipper$/, `/${name}`);
}
