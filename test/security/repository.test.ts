/**
 * No shared secret ships with the code: a fresh clone must generate its own auth secret. The
 * default dataDir (./data) once had its generated auth-secret committed, which made every
 * clone's gateways share one HMAC key, so anyone with the repository could compute every
 * terminal's code. The runtime data directory is ignored, and nothing tracked is a secret.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import t from 'tap';

const ROOT = resolve(import.meta.dirname, '../..');
const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });

t.test('no tracked file is a generated secret or runtime state', async (t) => {
  const tracked = git('ls-files').split('\n').filter(Boolean);
  t.same(
    tracked.filter((f) => /(^|\/)auth-secret$|(^|\/)registrations\.jsonl$|^data\/|(^|\/)\.env$/.test(f)),
    [],
  );
});

t.test('the default dataDir is ignored, so a generated secret cannot be committed by accident', async (t) => {
  // git check-ignore exits 0 and echoes the path when it is ignored
  t.equal(git('check-ignore', 'data/auth-secret').trim(), 'data/auth-secret');
  t.equal(git('check-ignore', 'data/media/x.jpg').trim(), 'data/media/x.jpg');
});
