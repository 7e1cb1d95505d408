/**
 * scripts/*.sh install Debian packages on first use; another apt-get or dpkg running beside them
 * (another test file's script, the machine's own) holds apt's locks, and a bare apt-get then fails
 * at once ("Could not get lock"). Every apt-get the scripts run goes through apt_get
 * (scripts/apt.sh), which waits for the lock instead: the dpkg lock through apt's own
 * DPkg::Lock::Timeout, the package lists' lock (which that option does not cover) by trying the
 * update again while it is held.
 *
 * The waits are shown on a private apt state (its own lists, status and cache directories, no
 * sources), so the machine's real locks are never touched; the lock is held the way apt holds it
 * (an fcntl write lock, here from python3) until the test has seen apt_get waiting for it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';

t.test('every apt-get the scripts run waits for the lock (through apt_get)', async (t) => {
  for (const file of readdirSync('scripts').filter((f) => f.endsWith('.sh') && f !== 'apt.sh')) {
    const lines = readFileSync(join('scripts', file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      // a command, not a message: `apt-get` outside comments and quoted text
      const code = line.replace(/#.*$/, '').replace(/"[^"]*"/g, '""');
      if (/\bapt-get\b/.test(code)) t.fail(`scripts/${file}:${i + 1} runs apt-get directly: ${line.trim()}`);
      if (/\bapt_get\b/.test(code)) t.pass(`scripts/${file}:${i + 1} uses apt_get`);
    });
  }
  t.ok(readFileSync('scripts/lib.sh', 'utf8').includes('source "$ROOT/scripts/apt.sh"'), 'lib.sh brings apt_get to every server script');
});

const root = (() => {
  try {
    return execFileSync('id', ['-u']).toString().trim() === '0';
  } catch {
    return false;
  }
})();
const python = (() => {
  try {
    execFileSync('python3', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

/** A private apt state: no sources, its own lists, dpkg status and cache (and so its own locks). */
function privateApt(t: { teardown(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'dipper-apt-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const d of ['lists/partial', 'dpkg', 'cache/archives/partial', 'sources.list.d']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'dpkg/status'), '');
  writeFileSync(join(dir, 'sources.list'), '');
  const options = [`Dir::State::Lists=${dir}/lists`, `Dir::State::status=${dir}/dpkg/status`, `Dir::Cache=${dir}/cache`, `Dir::Etc::sourcelist=${dir}/sources.list`, `Dir::Etc::sourceparts=${dir}/sources.list.d`].flatMap((o) => ['-o', o]);
  return { dir, options };
}

/** Holds an fcntl write lock on `path` (as apt and dpkg take theirs) until release(). */
async function holdLock(path: string) {
  const child = spawn('python3', ['-c', 'import fcntl, os, sys\nfd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o640)\nfcntl.lockf(fd, fcntl.LOCK_EX)\nprint("held", flush=True)\nsys.stdin.read()', path], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
    child.once('exit', (code) => reject(new Error(`the lock holder exited (${code})`)));
  });
  return { release: () => child.stdin.end() };
}

/** apt_get ARGS as the scripts run it; resolves once its output shows `waiting`, then with its exit. */
function aptGet(args: string[], waiting: RegExp) {
  const child = spawn('bash', ['-c', 'source scripts/apt.sh && apt_get "$@"', 'apt_get', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waited = new Promise<void>((resolve, reject) => {
    const seen = (d: Buffer) => {
      out += d.toString();
      if (waiting.test(out)) resolve();
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    void exited.then((code) => reject(new Error(`apt_get exited (${code}) without waiting for the lock: ${out}`)));
  });
  return { waited, exited, output: () => out };
}

t.test('apt_get install waits for the dpkg lock', async (t) => {
  // never a skip: the scripts that install the test servers need root too
  if (!root || !python) return void t.fail('needs root (as scripts/*.sh installing with apt-get do) and python3 to hold a lock');
  const apt = privateApt(t);
  const lock = await holdLock(join(apt.dir, 'dpkg/lock-frontend'));
  const run = aptGet([...apt.options, 'install', '-y'], /Waiting for cache lock/);
  await run.waited;
  lock.release();
  t.equal(await run.exited, 0, `installed once the lock was free: ${run.output().trim().split('\n').pop()}`);
});

t.test('apt_get update waits for the package lists lock', async (t) => {
  if (!root || !python) return void t.fail('needs root (as scripts/*.sh installing with apt-get do) and python3 to hold a lock');
  const apt = privateApt(t);
  const lock = await holdLock(join(apt.dir, 'lists/lock'));
  const run = aptGet([...apt.options, 'update'], /apt\.sh: waiting for the package lists lock/);
  await run.waited;
  lock.release();
  t.equal(await run.exited, 0, `updated once the lock was free: ${run.output().trim()}`);
});
