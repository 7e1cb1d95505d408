/**
 * Migrations on both engines: applied once and in order, refused on a newer schema, all or
 * nothing, once when gateways start together; the embedded database keeps them across a reopen.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { migrate, SchemaTooNewError } from '../../store/migrate.js';
import { MIGRATIONS } from '../../store/migrations.js';
import { openDatabase } from '../../store/open.js';
import { openPostgres } from '../../store/postgres.js';
import { ENGINES, freshDatabase, postgresUrl } from './engines.js';

// the highest version, not the count: numbers may skip (a branch's migration renumbered at merge)
const LATEST = Math.max(...MIGRATIONS.map((m) => m.version));

for (const kind of ENGINES) {
  t.test(`${kind}: a fresh database gets every migration once, in order`, async (t) => {
    const db = await freshDatabase(t, kind);
    t.same(await migrate(db), { applied: [1, 2, 3, 4, 5, 6, 7, 8, 9], version: 9 });
    t.same(await migrate(db), { applied: [], version: 9 }, 'a second start applies nothing');
    const tables = (await db.query<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`)).map((r) => r.t);
    t.same(tables, ['case_events', 'cases', 'devices', 'dispatches', 'duty_area_devices', 'duty_area_people', 'duty_areas', 'duty_shifts', 'incident_events', 'incidents', 'media', 'media_links', 'org_units', 'people', 'person_devices', 'resources', 'schema_migrations']);
  });

  t.test(`${kind}: a schema newer than the code is refused`, async (t) => {
    const db = await freshDatabase(t, kind);
    await migrate(db);
    await db.query(`INSERT INTO schema_migrations (version, name) VALUES (${LATEST + 1}, 'from the future')`);
    await t.rejects(migrate(db), new SchemaTooNewError(LATEST + 1, LATEST));
  });

  t.test(`${kind}: a migration that fails leaves the schema as it was`, async (t) => {
    const db = await freshDatabase(t, kind);
    await migrate(db);
    const broken = [...MIGRATIONS, { version: LATEST + 1, name: 'half right', sql: 'CREATE TABLE half (n int); SELECT no_such_function()' }];
    await t.rejects(migrate(db, broken));
    t.same(await db.query(`SELECT to_regclass('half') AS r`), [{ r: null }], 'the first statement was rolled back');
    t.same(await migrate(db), { applied: [], version: LATEST });
  });

  t.test(`${kind}: one open incident per terminal and alarm kind`, async (t) => {
    const db = await freshDatabase(t, kind);
    await migrate(db);
    const open = (id: string) =>
      db.query(`INSERT INTO incidents (id, terminal, kind, status, org, opened_at, last_alarm_at) VALUES ($1, '013800000001', 'sos', 'open', 'wuhan', now(), now())`, [id]);
    await open('i1');
    await t.rejects(open('i2'), 'a second open SOS of the same terminal is the same episode');
    await db.query(`UPDATE incidents SET status = 'closed' WHERE id = 'i1'`);
    await open('i2');
    t.same(await db.query(`SELECT id, status FROM incidents ORDER BY id`), [
      { id: 'i1', status: 'closed' },
      { id: 'i2', status: 'open' },
    ]);
  });

  t.test(`${kind}: org paths are checked`, async (t) => {
    const db = await freshDatabase(t, kind);
    await migrate(db);
    await db.query(`INSERT INTO org_units (path, kind, name) VALUES ('wuhan', 'city', '武汉市')`);
    await db.query(`INSERT INTO org_units (path, parent, kind, name) VALUES ('wuhan/jianghan', 'wuhan', 'district', '江汉区')`);
    for (const bad of ['', 'wuhan/', '/wuhan', 'wu han', 'wuhan//x', "x'; --"]) {
      await t.rejects(db.query(`INSERT INTO org_units (path, kind, name) VALUES ($1, 'unit', 'x')`, [bad]), `refused: ${JSON.stringify(bad)}`);
    }
    await t.rejects(db.query(`INSERT INTO org_units (path, parent, kind, name) VALUES ('wuhan/x', 'nowhere', 'squad', 'x')`), 'a parent must exist');
  });
}

t.test('postgres: gateways starting together apply each migration once', async (t) => {
  const url = await postgresUrl();
  const first = await freshDatabase(t, 'postgres');
  const [name] = (await first.query<{ d: string }>('SELECT current_database() AS d')).map((r) => r.d);
  const others = await Promise.all([1, 2, 3].map(() => openPostgres(url.replace(/\/dipper$/, `/${name}`), 1, () => {})));
  t.teardown(() => Promise.all(others.map((d) => d.close())));
  const results = await Promise.all([first, ...others].map((d) => migrate(d)));
  t.same(results.flatMap((r) => r.applied).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9], 'each version applied by exactly one of them');
  t.same(results.map((r) => r.version), [9, 9, 9, 9]);
});

t.test('pglite under dataDir keeps its schema and rows across a reopen', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dipper-store-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const first = await openDatabase({ url: '', poolSize: 1 }, dataDir, () => {});
  t.same(first.migration.applied, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  await first.db.query(`INSERT INTO org_units (path, kind, name) VALUES ('wuhan', 'city', '武汉市')`);
  await first.db.close();
  const again = await openDatabase({ url: '', poolSize: 1 }, dataDir, () => {});
  t.teardown(() => again.db.close());
  t.same(again.migration, { applied: [], version: 9 });
  t.same(await again.db.query('SELECT path, name FROM org_units'), [{ path: 'wuhan', name: '武汉市' }]);
});
