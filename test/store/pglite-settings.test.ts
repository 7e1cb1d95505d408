/**
 * The embedded database's PostgreSQL settings: shared_buffers from database.embeddedSharedBuffersMb
 * (16 MB by default, not PostgreSQL's 128 MB: that was most of the process's memory at start), and
 * the rest of what PGlite's initdb writes kept (PGlite replaces the whole postgresql.conf with what
 * it is given): UTC, ISO dates, the C locale. Also after a restart on the same directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { openDatabase } from '../../store/open.js';

async function settings(dir: string, mb?: number) {
  const { db } = await openDatabase({ url: '', poolSize: 1, ...(mb === undefined ? {} : { embeddedSharedBuffersMb: mb }) }, dir, () => {});
  try {
    const show = async (name: string) => Object.values((await db.query<Record<string, string>>(`SHOW ${name}`))[0]!)[0];
    return { sharedBuffers: await show('shared_buffers'), timezone: await show('timezone'), datestyle: await show('datestyle'), lcMessages: await show('lc_messages') };
  } finally {
    await db.close();
  }
}

t.test('16 MB of shared buffers by default, UTC and ISO dates kept, and the setting honoured on a restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dipper-pglite-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.same(await settings(dir), { sharedBuffers: '16MB', timezone: 'UTC', datestyle: 'ISO, MDY', lcMessages: 'C' }, 'first start (initdb)');
  t.same(await settings(dir), { sharedBuffers: '16MB', timezone: 'UTC', datestyle: 'ISO, MDY', lcMessages: 'C' }, 'a restart');
  t.equal((await settings(dir, 48)).sharedBuffers, '48MB', 'database.embeddedSharedBuffersMb');
});
