/**
 * scripts/postgres.sh: Debian's PostgreSQL in a cluster of its own under .servers/, on its own
 * port, started and stopped like the other servers (the database issue's store tests use it).
 * Checked with psql, a client that is not ours.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';

const run = promisify(execFile);
const SCRIPT = resolve(import.meta.dirname, '../../scripts/postgres.sh');
const env = { ...process.env, POSTGRES_PORT: '15442' };

async function sh(command: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run('bash', [SCRIPT, command], { env, timeout: 900_000 });
    return { code: 0, out: stdout.trim() };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, out: `${err.stdout ?? ''}${err.stderr ?? ''}`.trim() };
  }
}

async function psql(url: string, sql: string): Promise<string> {
  const { stdout } = await run('psql', [url, '-tA', '-v', 'ON_ERROR_STOP=1', '-c', sql], { timeout: 60_000 });
  return stdout.trim();
}

t.test('start, query as the dipper role, start again, stop', async (t) => {
  t.teardown(() => sh('stop'));
  const started = await sh('start');
  t.equal(started.code, 0, started.out);
  t.equal((await sh('start')).code, 0, 'start is idempotent');
  t.equal((await sh('status')).code, 0, 'status says running');

  const url = (await sh('url')).out;
  t.match(url, /^postgres:\/\/dipper:[A-Za-z0-9_-]{20,}@127\.0\.0\.1:15442\/dipper$/, 'a URL with a password of its own');
  t.equal(await psql(url, 'select current_user'), 'dipper');
  t.equal(await psql(url, 'show listen_addresses'), '127.0.0.1', 'loopback only');
  await psql(url, 'create table if not exists probe (n int); insert into probe values (1)');
  t.ok(Number(await psql(url, 'select count(*) from probe')) >= 1, 'the role owns its database');

  const wrong = url.replace(/:[^:@/]+@/, ':not-the-password@');
  await t.rejects(psql(wrong, 'select 1'), 'a wrong password is refused');

  t.equal((await sh('stop')).code, 0);
  t.equal((await sh('status')).code, 3, 'status says stopped (exit 3)');
  // data survives a restart
  t.equal((await sh('start')).code, 0);
  t.ok(Number(await psql(url, 'select count(*) from probe')) >= 1, 'data survives a restart');
});
