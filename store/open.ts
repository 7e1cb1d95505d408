/**
 * The database a gateway uses, decided once at start: PostgreSQL when `database.url` is set,
 * otherwise PGlite under dataDir/db. Either way migrated to the code's schema before use.
 */
import { join } from 'node:path';
import type { Database } from './database.js';
import { migrate } from './migrate.js';
import type { MigrationResult } from './migrate.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import type { DatabaseSettings } from './settings.js';

export interface OpenedDatabase {
  db: Database;
  migration: MigrationResult;
}

export async function openDatabase(settings: Pick<DatabaseSettings, 'url' | 'poolSize'> & Partial<Pick<DatabaseSettings, 'embeddedSharedBuffersMb'>>, dataDir: string, onIdleError: (err: Error) => void): Promise<OpenedDatabase> {
  const db = settings.url ? await openPostgres(settings.url, settings.poolSize, onIdleError) : await openPglite(join(dataDir, 'db'), settings.embeddedSharedBuffersMb);
  try {
    return { db, migration: await migrate(db) };
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
}
