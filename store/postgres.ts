/** Production: a PostgreSQL server through node-postgres's pool. */
import pg from 'pg';
import type { Database, Queryable } from './database.js';

export async function openPostgres(url: string, poolSize: number, onIdleError: (err: Error) => void): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // an idle client's error (the server restarted) must not end the process: reported, and the
  // next query opens a new connection
  pool.on('error', onIdleError);
  // fail at start, with the server's own message, rather than at the first request
  (await pool.connect()).release();
  const wrap = (q: { query: pg.Pool['query'] }): Queryable => ({
    query: async <R extends object>(sql: string, params?: readonly unknown[]) => (await q.query(sql, params as unknown[] | undefined)).rows as R[],
  });
  return {
    kind: 'postgres',
    ...wrap(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
