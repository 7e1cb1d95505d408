/**
 * `npm start` as an operator runs it: the real entry point in a child process, ports from
 * DIPPER_* variables (0 = chosen and logged), health endpoints, then SIGTERM exits 0.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import t from 'tap';
import { mainEnv } from '../helpers/main-env.js';
import { TestTerminal } from './helpers/terminal.js';

t.test('starts on embedded defaults, answers, stops on SIGTERM with exit 0', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: mainEnv(mkdtempSync(join(tmpdir(), 'dipper-main-')), 'main-test-secret-of-at-least-32-bytes'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const lines = createInterface({ input: child.stdout! });
  const ports = await new Promise<{ jt808: number; http: number }>((resolve, reject) => {
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as { ports?: { jt808: number; http: number } };
      if (entry.ports) resolve(entry.ports);
    });
    child.on('exit', () => reject(new Error('exited before listening')));
  });
  t.ok(ports.jt808 > 0 && ports.http > 0, 'chosen ports are logged');

  t.same(await (await fetch(`http://127.0.0.1:${ports.http}/healthz`)).json(), { status: 'ok' });
  t.equal((await fetch(`http://127.0.0.1:${ports.http}/readyz`)).status, 200);

  const term = await TestTerminal.tcp(ports.jt808);
  t.teardown(() => term.close());
  await term.login();

  child.kill('SIGTERM');
  t.equal(await exited, 0, 'exit code 0');
});

t.test('a bad setting stops the start with the key named', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, DIPPER_HTTP_PORT: 'eighty' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  t.equal(code, 2);
  t.match(err, /http\.port/);
});
