/**
 * The one data-access seam: plain SQL in PostgreSQL's dialect with $1.. parameters, run by
 * PGlite (embedded, under dataDir) or by node-postgres against a server. Both speak the same
 * SQL, so every query is written once and tested against both.
 */
export type Row = Record<string, unknown>;

export interface Queryable {
  query<R extends object = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database extends Queryable {
  readonly kind: DatabaseKind;
  /** fn's queries in one transaction: committed when it resolves, rolled back when it throws */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
