/**
 * A migrated, empty PGlite data directory made once per machine and schema, copied into each
 * test gateway's dataDir/db: PGlite's initdb costs ~5 s of CPU, a copy of its 40 MB ~50 ms,
 * and the suite starts a gateway ~140 times. The gateway then opens it as it opens any
 * existing database (migrate finds it current). Made under a unique name and renamed into
 * place, so test processes starting together never see half of one.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../store/migrate.js';
import { MIGRATIONS } from '../../store/migrations.js';
import { openPglite } from '../../store/pglite.js';

const pgliteVersion = (JSON.parse(readFileSync('node_modules/@electric-sql/pglite/package.json', 'utf8')) as { version: string }).version;
const schema = createHash('sha256').update(JSON.stringify(MIGRATIONS)).digest('hex').slice(0, 12);
const TEMPLATE = join(tmpdir(), `dipper-pglite-${pgliteVersion}-${schema}`);

let made: Promise<string> | undefined;

export function pgliteTemplate(): Promise<string> {
  return (made ??= (async () => {
    if (existsSync(join(TEMPLATE, 'PG_VERSION'))) return TEMPLATE;
    const build = mkdtempSync(join(tmpdir(), 'dipper-pglite-build-'));
    const db = await openPglite(build);
    await migrate(db);
    await db.close();
    try {
      renameSync(build, TEMPLATE);
    } catch {
      rmSync(build, { recursive: true, force: true }); // another process made it first
    }
    return TEMPLATE;
  })());
}

/** dataDir/db as a copy of the template when it is made (else the gateway makes its own, slower) */
export function seedDatabase(dataDir: string): void {
  // a dataDir with a database (a restart test's) keeps it
  if (existsSync(join(dataDir, 'db'))) return;
  if (existsSync(join(TEMPLATE, 'PG_VERSION'))) cpSync(TEMPLATE, join(dataDir, 'db'), { recursive: true });
}
