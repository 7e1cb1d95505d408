/**
 * The embedded default: PGlite (PostgreSQL compiled to WebAssembly) in a directory, no server.
 *
 * Its two WebAssembly modules and its file bundle are read and compiled once per process and
 * shared by every database opened after (PGlite would compile its 9 MB module again for each):
 * a process that opens many (the tests: one per gateway) allocates that machine code once.
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable } from './database.js';

interface Compiled {
  pgliteWasmModule: WebAssembly.Module;
  initdbWasmModule: WebAssembly.Module;
  fsBundle: Blob;
}

let compiled: Promise<Compiled> | undefined;
// the lib settings give the WebAssembly namespace's types, not its value: Node's global has it
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssembly.Module> } }).WebAssembly;

function compiledOnce(): Promise<Compiled> {
  compiled ??= (async () => {
    const dist = new URL('.', import.meta.resolve('@electric-sql/pglite'));
    const [pglite, initdb, bundle] = await Promise.all(['pglite.wasm', 'initdb.wasm', 'pglite.data'].map((f) => readFile(new URL(f, dist))));
    return { pgliteWasmModule: await wasm.compile(pglite!), initdbWasmModule: await wasm.compile(initdb!), fsBundle: new Blob([bundle!]) };
  })();
  // a failed read is tried again by the next open, not remembered
  compiled.catch(() => (compiled = undefined));
  return compiled;
}

/** PostgreSQL's own default is 128 MB, all of it touched at start in PGlite's WebAssembly memory. */
export const EMBEDDED_SHARED_BUFFERS_MB = 16;

export async function openPglite(dir: string | undefined, sharedBuffersMb = EMBEDDED_SHARED_BUFFERS_MB): Promise<Database> {
  // undefined: in memory (tests); a directory: its data files (made on first open)
  if (dir) mkdirSync(dir, { recursive: true });
  // a start parameter, not `postgresqlconf`: PGlite writes that as the whole postgresql.conf (losing
  // what its initdb wrote) and restarts PostgreSQL for it on the first start
  const db = await PGlite.create({
    ...(dir ? { dataDir: dir } : {}),
    ...(await compiledOnce()),
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${Math.floor(sharedBuffersMb)}MB`],
  });
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
