/**
 * Every store test runs against both engines: PGlite in-process and a real PostgreSQL from
 * scripts/postgres.sh (its own cluster on port 15452, started by the first test that needs it,
 * stopped at the end of the file). Each call makes a fresh, empty database.
 */
import { randomBytes } from 'node:crypto';
import tap from 'tap';
import { openPglite } from '../../store/pglite.js';
import { openPostgres } from '../../store/postgres.js';
import type { Database, DatabaseKind } from '../../store/database.js';
import { script } from '../sinks/helpers/servers.js';

interface Tap {
  teardown(fn: () => unknown): void;
}

export const ENGINES: readonly DatabaseKind[] = ['pglite', 'postgres'];
const PORT = '15452';
const env = { POSTGRES_PORT: PORT };

let server: Promise<string> | undefined;

/** the server's URL, starting it once per test file (and stopping it when the file's tests end) */
export function postgresUrl(): Promise<string> {
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
  const url = await postgresUrl();
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = await openPostgres(url, 1, () => {});
  await admin.query(`CREATE DATABASE ${name}`);
  const db = await openPostgres(url.replace(/\/dipper$/, `/${name}`), 4, () => {});
  t.teardown(async () => {
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.close();
  });
  return db;
}
