/**
 * Brings a database to the code's schema at start: the migrations it lacks, in order, each in a
 * transaction with its version recorded. Gateways starting together (cluster workers, replicas
 * on one PostgreSQL) take an advisory lock, so one applies and the others find it done. A
 * database already past the code (a newer release ran on it) is refused: older code must not
 * write into a schema it does not know.
 */
import type { Database } from './database.js';
import { MIGRATIONS } from './migrations.js';
import type { Migration } from './migrations.js';

/** The database was migrated by newer code than this; the process must not start on it. */
export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError';
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(`the database's schema is version ${found}, newer than this code's ${known}: run the release that migrated it (or newer)`);
  }
}

// any constant the other statements of this application do not use: "dipp" in ASCII
const MIGRATION_LOCK = 0x64697070;

export interface MigrationResult {
  /** versions applied by this call, in order */
  applied: number[];
  /** the schema's version after it */
  version: number;
}

export async function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationResult> {
  const known = migrations.reduce((v, m) => Math.max(v, m.version), 0);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const rows = await tx.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    const have = new Set(rows.map((r) => Number(r.version)));
    const found = rows.reduce((v, r) => Math.max(v, Number(r.version)), 0);
    if (found > known) throw new SchemaTooNewError(found, known);
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (have.has(m.version)) continue;
      // one transaction for all: a failed migration leaves the schema as it was
      for (const statement of statements(m.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return { applied, version: Math.max(found, ...applied) };
  });
}

/** Extended-protocol queries take one statement each; ours hold no ';' inside literals or bodies
 * (comments, which may, are dropped first). */
function statements(sql: string): string[] {
  return sql
    .replace(/^\s*--.*$/gm, '')
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
