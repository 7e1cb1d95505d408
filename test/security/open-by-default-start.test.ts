/**
 * Issue 14, section 5: "open by default, commands included". With no API tokens anyone on the
 * network could read every terminal and POST 0x8103/0x8105/0x8500/0x8300. Reproduced against
 * the real entry point (a child process, as an operator runs it) (the rest of the section is in open-by-default.test.ts):
 * - defaults: the API and the embedded broker listen on loopback only, JT/T 808 on all addresses;
 * - another address without tokens refuses to start (exit 2, naming the setting), unless
 *   api.insecure, which warns at every start;
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { mainEnv } from '../helpers/main-env.js';
import t from 'tap';
import type { Test } from 'tap';
import { validate } from '../../server/config.js';
import { isLoopback } from '../../server/exposure.js';

interface Child {
  child: ChildProcess;
  /** JSON log lines so far */
  lines: Record<string, unknown>[];
  stderr(): string;
  exited: Promise<number | null>;
  /** resolves with the first log line matching, rejects if the process exits first */
  line(match: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

/** server/main.ts in a child process, every port chosen by the system, a fresh dataDir. */
function startMain(t: Test, env: Record<string, string>, args: string[] = []): Child {
  const dataDir = mkdtempSync(join(tmpdir(), 'dipper-open-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', ...args], {
    env: mainEnv(dataDir, 'open-by-default-test-secret-32-bytes-or-more', env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: { match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    const l = JSON.parse(text) as Record<string, unknown>;
    lines.push(l);
    for (const w of [...waiters]) if (w.match(l)) w.resolve(l);
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child,
    lines,
    stderr: () => err,
    exited,
    line: (match) =>
      new Promise((resolve, reject) => {
        const seen = lines.find(match);
        if (seen) return resolve(seen);
        waiters.push({ match, resolve });
        void exited.then((code) => reject(new Error(`exited (${code}) before the line; stderr: ${err}`)));
      }),
  };
}

const listening = (l: Record<string, unknown>) => l.msg === 'dipper gateway listening';

/** An address of this machine that is not loopback, if it has one. */
function externalAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

/** true when a TCP connection to host:port is accepted */
function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

t.test('loopback: 127.0.0.0/8 and ::1 only', async (t) => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) t.ok(isLoopback(h), h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.10', '128.0.0.1', 'localhost.example.com', '127.0.0.1.example.com', 'example.com', '']) t.notOk(isLoopback(h), h);
});

t.test('schema defaults: the API and the broker on loopback, JT/T 808 everywhere', async (t) => {
  const c = validate({});
  t.equal(c.http.host, '127.0.0.1');
  t.equal(c.mqtt.host, '127.0.0.1');
  t.equal(c.jt808.host, '0.0.0.0');
  t.equal(c.api.insecure, false);
});

t.test('validation: off loopback needs tokens or api.insecure', async (t) => {
  t.throws(() => validate({ http: { host: '0.0.0.0' } }), /http\.host/);
  t.throws(() => validate({ mqtt: { host: '::' } }), /mqtt\.host/);
  const tokens = [{ token: 'a-token-of-16-chars-or-more', org: '' }];
  t.equal(validate({ http: { host: '0.0.0.0' }, mqtt: { host: '0.0.0.0' }, api: { tokens } }).http.host, '0.0.0.0', 'tokens configured: any address');
  t.equal(validate({ http: { host: '0.0.0.0' }, api: { insecure: true } }).http.host, '0.0.0.0', 'api.insecure: any address');
  t.equal(validate({ mqtt: { host: '0.0.0.0' }, mqttExternal: { url: 'mqtt://broker:1883' } }).mqtt.host, '0.0.0.0', 'no embedded broker: mqtt.host is not listened on');
});

t.test('default start: API and MQTT on loopback only, JT/T 808 on all addresses, said in the log', async (t) => {
  const main = startMain(t, {});
  const up = await main.line(listening);
  const ports = up.ports as { jt808: number; http: number; mqtt: number };
  const said = await main.line((l) => typeof l.msg === 'string' && l.msg.includes('loopback only'));
  t.same([said.jt808, said.http, said.mqtt], ['0.0.0.0', '127.0.0.1', '127.0.0.1'], 'the listeners\' addresses are logged');
  t.equal((await fetch(`http://127.0.0.1:${ports.http}/healthz`)).status, 200, 'the API answers on loopback');
  const ext = externalAddress();
  if (ext) {
    t.notOk(await reachable(ext, ports.http), `the API is not reachable on ${ext}`);
    t.notOk(await reachable(ext, ports.mqtt), `the broker is not reachable on ${ext}`);
    t.ok(await reachable(ext, ports.jt808), `JT/T 808 is reachable on ${ext}`);
  } else t.comment('no non-loopback IPv4 address on this machine: reachability from outside not checked');
  main.child.kill('SIGTERM');
  t.equal(await main.exited, 0);
});

t.test('DIPPER_HTTP_HOST off loopback with no tokens: exit 2 naming http.host', async (t) => {
  const main = startMain(t, { DIPPER_HTTP_HOST: '0.0.0.0' });
  t.equal(await main.exited, 2);
  t.match(main.stderr(), /http\.host/);
  t.match(main.stderr(), /api\.tokens/);
  t.notOk(main.lines.some(listening), 'nothing was listening');
});

t.test('DIPPER_MQTT_HOST off loopback with no tokens: exit 2 naming mqtt.host', async (t) => {
  const main = startMain(t, { DIPPER_MQTT_HOST: '0.0.0.0' });
  t.equal(await main.exited, 2);
  t.match(main.stderr(), /mqtt\.host/);
});

t.test('api.insecure: starts off loopback, with a warning naming it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dipper-open-cfg-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'insecure.json');
  writeFileSync(file, JSON.stringify({ api: { insecure: true } }));
  const main = startMain(t, { DIPPER_HTTP_HOST: '0.0.0.0' }, ['--config', file]);
  await main.line(listening);
  const warning = await main.line((l) => l.level === 40 && typeof l.msg === 'string' && l.msg.includes('api.insecure'));
  t.match(warning.msg, /http\.host 0\.0\.0\.0/, 'the warning names what is open');
  t.equal(warning.http, '0.0.0.0');
  main.child.kill('SIGTERM');
  t.equal(await main.exited, 0);
});

t.test('tokens configured: starts off loopback, no warning', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dipper-open-cfg-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'tokens.json');
  writeFileSync(file, JSON.stringify({ api: { tokens: [{ token: 'a-token-of-16-chars-or-more', org: '' }] } }));
  const main = startMain(t, { DIPPER_HTTP_HOST: '0.0.0.0', DIPPER_MQTT_HOST: '0.0.0.0' }, ['--config', file]);
  await main.line(listening);
  t.notOk(main.lines.some((l) => l.level === 40), 'no warning');
  main.child.kill('SIGTERM');
  t.equal(await main.exited, 0);
});

