/**
 * The README's city shows its categories: `simulate --register` imports the fleet into the
 * gateway's registry through the API (admin right) before it connects, and `npm run demo` does
 * gateway + registered fleet in one command. The expected categories come from the scenario
 * file: its `vehicles` are vehicles, its `walkers` body cameras (handheldShare 0) or handhelds
 * (handheldShare 1); none is "unknown".
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { buildServer } from '../../scripts/build.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { call } from '../gateway/helpers/http.js';

const TSX = import.meta.resolve('tsx');
const ADMIN = 'register-test-admin-token-000001';
const READER = 'register-test-reader-token-00001';

interface Item {
  id: string;
  category: string;
  org: string;
}

function runTool(script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--import', TSX, script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DIPPER_TOKEN: '', ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => out + err, stderr: () => err };
}

/** A small scenario file, as a user would write one. */
function scenarioFile(t: Test, scenario: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'dipper-register-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'scenario.json');
  writeFileSync(file, JSON.stringify(scenario));
  return file;
}

/** Polls until `check` holds; a tool that exits first fails the wait (tap's timeout bounds the file). */
async function until(what: string, exited: Promise<unknown>, check: () => Promise<boolean>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  while (!(await check())) {
    if (gone && !(await check())) throw new Error(`the tool exited before ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function terminals(port: number, token?: string): Promise<Item[]> {
  const r = await call(port, token, 'GET', '/api/terminals?limit=1000');
  return r.status === 200 ? (r.json.items as Item[]) : [];
}

/** What the scenario file says each category holds. */
function expected(s: { vehicles: number; walkers: number; handheldShare: number }): Record<string, number> {
  return { vehicle: s.vehicles, [s.handheldShare === 0 ? 'bodycam' : 'handheld']: s.walkers };
}

function countBy(items: Item[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[i.category] = (out[i.category] ?? 0) + 1;
  return out;
}

t.test('simulate --register: the fleet in the registry before it reports, with an admin token only', async (t) => {
  const server = await startTestServer(t, {
    api: {
      tokens: [
        { token: ADMIN, org: '', name: 'city-admin', rights: ['read', 'admin'] },
        { token: READER, org: '', name: 'city-reader', rights: ['read'] },
      ],
    },
  });
  const s = { name: 'register', seed: 11, vehicles: 3, walkers: 4, handheldShare: 0, intervalS: 5, speedup: 50, ticks: 2, rampS: 0, localAddresses: 0 };
  const file = scenarioFile(t, s);
  const args = ['--scenario', file, '--port', String(server.ports.jt808), '--register', '--api', `http://127.0.0.1:${server.ports.http}`];

  const anonymous = runTool('simulators/simulate.ts', args);
  t.teardown(() => anonymous.child.kill('SIGKILL'));
  t.equal(await anonymous.exited, 2, 'no token: exit 2');
  t.match(anonymous.stderr(), /DIPPER_TOKEN/, 'saying where the token goes');
  t.match(anonymous.stderr(), /"admin" right/);
  t.notMatch(anonymous.output(), /simulating/, 'and no fleet started');

  const reader = runTool('simulators/simulate.ts', args, { DIPPER_TOKEN: READER });
  t.teardown(() => reader.child.kill('SIGKILL'));
  t.equal(await reader.exited, 2, 'a token without the admin right: exit 2');
  t.match(reader.stderr(), /lacks the "admin" right/, "the gateway's reason");
  t.notMatch(reader.output(), new RegExp(READER), 'the token is not echoed');
  t.same(await terminals(server.ports.http, ADMIN), [], 'nothing registered, nothing reported');

  const admin = runTool('simulators/simulate.ts', args, { DIPPER_TOKEN: ADMIN });
  t.teardown(() => admin.child.kill('SIGKILL'));
  t.equal(await admin.exited, 0, admin.output());
  t.match(admin.stderr(), /registered 7 devices at http:\/\/127\.0\.0\.1:\d+/);
  await until('every terminal reported', admin.exited, async () => (await terminals(server.ports.http, ADMIN)).length === 7);
  const items = await terminals(server.ports.http, ADMIN);
  t.same(countBy(items), expected(s), 'categories as the scenario says');
  for (const i of items) t.match(i.org, /^wuhan\/[a-z]+\/squad-\d+$/, `${i.id}: in a squad`);
  const registry = await call(server.ports.http, ADMIN, 'GET', '/api/devices?limit=100');
  t.equal(registry.json.items.length, 7, 'seven devices in the registry');

  // the same fleet again changes nothing (an import adds and replaces)
  const again = runTool('simulators/simulate.ts', [...args, '--ticks', '1'], { DIPPER_TOKEN: ADMIN });
  t.teardown(() => again.child.kill('SIGKILL'));
  t.equal(await again.exited, 0, again.output());
  t.same(countBy(await terminals(server.ports.http, ADMIN)), expected(s));
});

t.test('simulate --register: an unreachable API is named, and --api alone is refused', async (t) => {
  const unreachable = runTool('simulators/simulate.ts', ['--vehicles', '1', '--walkers', '0', '--register', '--api', 'http://127.0.0.1:1']);
  t.equal(await unreachable.exited, 2);
  t.match(unreachable.stderr(), /cannot reach the gateway's API at http:\/\/127\.0\.0\.1:1 .*--api/);
  const stray = runTool('simulators/simulate.ts', ['--vehicles', '1', '--walkers', '0', '--api', 'http://127.0.0.1:1']);
  t.equal(await stray.exited, 2);
  t.match(stray.stderr(), /--api is for --register/);
});

t.test('npm run demo: gateway and registered fleet in one command, the map categorised, Ctrl-C stops both', async (t) => {
  await buildServer(); // predemo's build (the page is not needed here)
  const s = { name: 'demo', seed: 5, vehicles: 2, walkers: 3, handheldShare: 1, intervalS: 5, speedup: 50, ticks: 2, rampS: 0, localAddresses: 0 };
  const file = scenarioFile(t, s);
  const dataDir = mkdtempSync(join(tmpdir(), 'dipper-demo-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const demo = runTool('scripts/demo.ts', ['--scenario', file], {
    DIPPER_JT808_PORT: '0',
    DIPPER_ATTACHMENTS_PORT: '0',
    DIPPER_HTTP_PORT: '0',
    DIPPER_MQTT_PORT: '0',
    DIPPER_MQTT_WS_PORT: '0',
    DIPPER_DATA_DIR: dataDir,
    DIPPER_API_TOKENS: '',
  });
  // SIGTERM, not SIGKILL: the demo takes its children down with it
  t.teardown(() => demo.child.kill('SIGTERM'));
  let port = 0;
  await until('the map address', demo.exited, async () => {
    port = Number(/the map: http:\/\/127\.0\.0\.1:(\d+)\//.exec(demo.stderr())?.[1] ?? 0);
    return port > 0;
  });
  await until('the fleet has finished', demo.exited, async () => /the fleet has stopped; the map stays/.test(demo.stderr()));
  await until('every terminal on the map', demo.exited, async () => (await terminals(port)).length === 5);
  t.same(countBy(await terminals(port)), expected(s), 'categories as the scenario says, none unknown');
  const handhelds = await call(port, undefined, 'GET', '/api/terminals?category=handheld&limit=10');
  t.equal(handhelds.json.total, s.walkers, 'the category filter finds the handhelds');
  t.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200, 'the gateway stays up after the fleet');

  demo.child.kill('SIGINT');
  t.equal(await demo.exited, 0, demo.output());
  await t.rejects(fetch(`http://127.0.0.1:${port}/readyz`), 'the gateway has stopped too');
});
