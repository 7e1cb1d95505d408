/**
 * The configuration contract as an operator meets it, beyond test/gateway/config.test.ts:
 * `--config FILE` through the real entry point (applied, layered under DIPPER_* variables; a
 * bad file names the key and exits 2), and every DIPPER_* variable names a real setting.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import t from 'tap';
import type { TSchema } from '@sinclair/typebox';
import { ConfigSchema, ENVIRONMENT, loadConfig } from '../../server/config.js';
import { freePort } from './helpers.js';

function entry(args: string[], env: NodeJS.ProcessEnv) {
  return spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

const dir = mkdtempSync(join(tmpdir(), 'dipper-ops-config-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('--config FILE is applied, and DIPPER_* variables win over it', async (t) => {
  const httpPort = await freePort();
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify({ http: { host: '127.0.0.1', port: httpPort }, jt808: { host: '127.0.0.1', port: 1 }, mqtt: { host: '127.0.0.1' }, log: { level: 'info' } }));
  // the file's jt808.port 1 would need root: the variable's 0 must win
  const child = entry(['--config', file], { DIPPER_JT808_PORT: '0', DIPPER_ATTACHMENTS_PORT: '0', DIPPER_MQTT_PORT: '0', DIPPER_MQTT_WS_PORT: '0', DIPPER_DATA_DIR: join(dir, 'data') });
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const ports = await new Promise<{ jt808: number; http: number }>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const e = JSON.parse(line) as { ports?: { jt808: number; http: number } };
      if (e.ports) resolve(e.ports);
    });
    child.on('exit', () => reject(new Error('exited before listening')));
  });
  t.equal(ports.http, httpPort, 'http.port from the file');
  t.not(ports.jt808, 1, 'jt808.port from DIPPER_JT808_PORT, over the file');
  t.equal((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status, 200);
  child.kill('SIGTERM');
  t.equal(await exited, 0);
});

t.test('a bad --config file stops the start, naming the key', async (t) => {
  const cases: [string, unknown, RegExp][] = [
    ['misspelt key', { jt808: { prot: 6808 } }, /jt808\.prot: Unexpected property/],
    ['out of range', { queue: { batch: 0 } }, /queue\.batch: Expected integer to be greater or equal to 1/],
    ['wrong type', { auth: { allowAnonymous: 'yes' } }, /auth\.allowAnonymous: Expected boolean/],
    ['not JSON', '{ "http": ', /gateway-bad-3\.json/],
  ];
  // the four starts run side by side: each is a whole tsx start-up, seconds on a busy machine
  const results = await Promise.all(
    cases.map(async ([, content], i) => {
      const file = join(dir, `gateway-bad-${i}.json`);
      writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
      const child = entry([`--config=${file}`], {});
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      return { code, err };
    }),
  );
  cases.forEach(([what, , message], i) => {
    const { code, err } = results[i]!;
    t.equal(code, 2, `${what}: exit 2`);
    t.match(err, message, `${what}: ${err.trim()}`);
  });
});

t.test('every DIPPER_* variable names a real setting and converts to its type', async (t) => {
  const leaf = (key: string): TSchema | undefined => {
    let node: TSchema | undefined = ConfigSchema;
    for (const part of key.split('.')) node = (node?.properties as Record<string, TSchema> | undefined)?.[part];
    return node;
  };
  const sample: Record<string, string> = { integer: '0', number: '1', boolean: 'true' };
  for (const [name, key] of Object.entries(ENVIRONMENT)) {
    t.match(name, /^DIPPER_[A-Z0-9_]+$/, `${name}: the DIPPER_ prefix`);
    const schema = leaf(key);
    t.ok(schema && schema.type !== 'object', `${name} -> ${key} exists and is a leaf`);
    if (!schema || typeof schema.type !== 'string' || !(schema.type in sample)) continue;
    // a setting whose minimum is above the sample (a duration) gets its minimum
    const raw = typeof schema.minimum === 'number' && schema.minimum > Number(sample[schema.type]) ? String(schema.minimum) : sample[schema.type]!;
    const c = loadConfig({ defaultsFile: null, env: { [name]: raw } }) as unknown as Record<string, Record<string, unknown>>;
    const [a, b] = key.split('.');
    const value = b === undefined ? (c as Record<string, unknown>)[a!] : c[a!]![b];
    t.equal(String(value), raw, `${name}=${raw} sets ${key}`);
  }
});
