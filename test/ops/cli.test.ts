/**
 * The command line of `npm start` through the real entry point (server/main.ts under tsx):
 * `--help` and `--version` print and exit 0 without starting anything; an unknown option or a
 * stray argument exits 2 naming it, instead of starting a gateway that ignored it. Expected
 * values come from elsewhere: the version from package.json, the variables from the README's
 * settings table (generated from the schema, and checked against it by config-docs.test.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import t from 'tap';

const dir = mkdtempSync(join(tmpdir(), 'dipper-cli-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  out: string;
  err: string;
  /** the gateway got as far as listening (logged its ports): the argument was ignored */
  listened: boolean;
}

// the Node `npm start` runs (the `node` package, 24), whichever Node runs tap
const NODE = existsSync('node_modules/.bin/node') ? 'node_modules/.bin/node' : process.execPath;

function run(args: string[]): Promise<Run> {
  const child = spawn(NODE, ['--import', 'tsx', 'server/main.ts', ...args], {
    // should an argument be ignored, the gateway it starts must not collide with anything
    env: { ...process.env, DIPPER_JT808_PORT: '0', DIPPER_ATTACHMENTS_PORT: '0', DIPPER_HTTP_PORT: '0', DIPPER_MQTT_PORT: '0', DIPPER_MQTT_WS_PORT: '0', DIPPER_DATA_DIR: join(dir, 'data'), DIPPER_AUTH_SECRET: 'cli-test-secret-of-at-least-32-bytes!' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let listened = false;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    out += `${line}\n`;
    if (/"ports"/.test(line)) {
      listened = true;
      child.kill('SIGTERM');
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err, listened })));
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
const readme = readFileSync('README.md', 'utf8');
const variables = [...new Set([...readme.matchAll(/^\| `[^`]+` \| `(DIPPER_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]!))];

t.test('--help prints the options and where the settings are, and exits 0', async (t) => {
  t.ok(variables.length >= 20, `the README's settings table lists ${variables.length} variables`);
  for (const flag of ['--help', '-h']) {
    const r = await run([flag]);
    t.equal(r.code, 0, `${flag}: exit 0`);
    t.notOk(r.listened, `${flag}: nothing started`);
    t.equal(r.err, '', `${flag}: nothing on stderr`);
    for (const option of ['--config', '--help', '--version']) t.match(r.out, option, `${flag} lists ${option}`);
    t.match(r.out, 'config/default.json', 'points at the file with every config key');
    t.match(r.out, /README\.md.*Settings/s, 'points at the settings table');
    for (const v of variables) t.match(r.out, new RegExp(`^\\s+${v}\\s+\\S`, 'm'), `lists ${v} with its key`);
  }
});

t.test('--version prints package.json\'s version and exits 0', async (t) => {
  const r = await run(['--version']);
  t.equal(r.code, 0);
  t.notOk(r.listened);
  t.equal(r.out.trim(), pkg.version);
});

t.test('an unknown option or argument exits 2 naming it; nothing starts', async (t) => {
  const cases: [string[], RegExp][] = [
    [['--prot', '5'], /unknown option "--prot"/],
    [['--port=6809'], /unknown option "--port"/],
    [['-p'], /unknown option "-p"/],
    [['gateway.json'], /unexpected argument "gateway\.json"/],
    [['--config'], /--config needs a file name/],
  ];
  const results = await Promise.all(cases.map(([args]) => run(args)));
  cases.forEach(([args, message], i) => {
    const r = results[i]!;
    t.equal(r.code, 2, `${args.join(' ')}: exit 2`);
    t.notOk(r.listened, `${args.join(' ')}: no gateway started`);
    t.match(r.err, message, `${args.join(' ')}: ${r.err.trim()}`);
  });
});
