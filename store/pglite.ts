/** The embedded default: PGlite (PostgreSQL compiled to WebAssembly) in a directory, no server. */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable } from './database.js';

export async function openPglite(dir: string | undefined): Promise<Database> {
  // undefined: in memory (tests); a directory: its data files (made on first open)
  if (dir) mkdirSync(dir, { recursive: true });
  const db = await PGlite.create(dir);
  const wrap = (q: Pick<PGlite, 'query'>): Queryable => ({
    query: async <R extends object>(sql: string, params?: readonly unknown[]) => (await q.query(sql, params as unknown[] | undefined)).rows as R[],
  });
  return {
    kind: 'pglite',
    ...wrap(db),
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    close: () => db.close(),
  };
}
