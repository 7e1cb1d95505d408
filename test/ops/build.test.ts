/**
 * Issue 15: production runs compiled JavaScript. `npm run build` (scripts/build.ts) writes the
 * server into dist/ and the page into web/dist/; `node dist/server/main.js`, with npm start's
 * flags and no tsx anywhere, becomes ready, serves the page, and stops on SIGTERM with exit 0.
 * The test builds with the build's own functions: the server always (renamed into place whole),
 * the page only when stale (the web tests may be serving it beside this one).
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { mainEnv } from '../helpers/main-env.js';
import t from 'tap';
import type { Test } from 'tap';
import { buildServer } from '../../scripts/build.js';
import { ensureWebBuilt } from '../../web/build.js';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string>; dependencies: Record<string, string> };

const flags = pkg.scripts.start!.match(/--[\w-]+=\S+/g) ?? [];

/** `node <flags> <entry>` from the repository root, every port chosen by the system; resolves once it listens. */
async function startBuilt(t: Test, entry: string, log: string[] = []) {
  const dataDir = mkdtempSync(join(tmpdir(), 'dipper-built-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  // no tsx loader and no coverage hooks inherited from tap: exactly node and the built file
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !k.startsWith('NODE_V8_COVERAGE') && !k.startsWith('_TAPJS')));
  // tap's process tracking re-adds its hooks to a spawned child's environment; env -u takes them
  // off for node itself: coverage of compiled files, source-mapped onto the .ts sources, would be
  // merged with the tests' coverage of the same sources and garble the report
  const child = spawn('/usr/bin/env', ['-u', 'NODE_OPTIONS', '-u', 'NODE_V8_COVERAGE', process.execPath, ...flags, entry], {
    env: mainEnv(dataDir, 'build-test-secret-of-at-least-32-bytes', {}, env),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const http = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      log.push(line);
      const entry = JSON.parse(line) as { ports?: { http: number } };
      if (entry.ports) resolve(entry.ports.http);
    });
    child.on('exit', () => reject(new Error('exited before listening')));
  });
  return { http, exited, child };
}

t.test('npm start runs compiled JavaScript, built first; the run time needs neither tsx nor esbuild', async (t) => {
  t.equal(pkg.scripts.prestart, 'npm run -s build', 'npm start builds first: a fresh clone (npm install && npm start) and an edited tree both run current code');
  t.match(pkg.scripts.start, /^node (--[\w-]+=\S+ )*dist\/server\/main\.js$/, 'npm start: node on dist/server/main.js');
  t.match(pkg.scripts['map:standalone'], /^node dist\/server\/map-standalone\.js$/);
  t.notOk('tsx' in pkg.dependencies, 'tsx is a dev dependency');
  t.notOk('esbuild' in pkg.dependencies, 'esbuild is a dev dependency');
});

t.test('the build, then node dist/server/main.js: ready, the page served, SIGTERM exits 0', async (t) => {
  t.ok((await buildServer()) > 100, 'the server compiled');
  await ensureWebBuilt();
  for (const f of ['dist/server/main.js', 'dist/server/map-standalone.js', 'web/dist/index.html', 'web/dist/app.js']) t.ok(existsSync(f), `${f} built`);
  t.notMatch(readFileSync('dist/decoders/frame.js', 'utf8'), /__name|: Buffer\b/, 'plain JavaScript: types gone, no keepNames wrappers');

  const { http, exited, child } = await startBuilt(t, 'dist/server/main.js');
  t.equal((await fetch(`http://127.0.0.1:${http}/readyz`)).status, 200, '/readyz 200');
  const page = await fetch(`http://127.0.0.1:${http}/`);
  t.equal(page.status, 200, 'the built page at /');
  t.match(await page.text(), /<script type="module" src="app.js">/);

  child.kill('SIGTERM');
  t.equal(await exited, 0, 'SIGTERM: exit 0');
});

t.test('without a built page the server still starts, logs what to run, and answers the page 503', async (t) => {
  if (!existsSync('dist/server/main.js')) await buildServer();
  // the compiled tree alone in a package of its own: its root has no web/dist
  const dir = mkdtempSync(join(tmpdir(), 'dipper-no-page-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
  cpSync('dist', join(dir, 'dist'), { recursive: true });
  const log: string[] = [];
  const { http, exited, child } = await startBuilt(t, join(dir, 'dist/server/main.js'), log);
  t.equal((await fetch(`http://127.0.0.1:${http}/readyz`)).status, 200, 'ready: the page is not what the gateway is for');
  const page = await fetch(`http://127.0.0.1:${http}/`);
  t.equal(page.status, 503, '/ answers 503');
  const text = await page.text();
  t.match(text, /not built: run `npm run build`/, 'saying what to run');
  t.notMatch(text, new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'the folder is not told to the network');
  t.equal((await fetch(`http://127.0.0.1:${http}/app.js`)).status, 503);
  t.equal((await fetch(`http://127.0.0.1:${http}/web/config.json`)).status, 200, 'the page settings still answer');
  const entries = log.map((l) => JSON.parse(l) as { level: number; msg: string; dir?: string });
  const error = entries.find((e) => e.level === 50 && /npm run build/.test(e.msg));
  t.ok(error, 'an error in the log names `npm run build`');
  t.equal(error?.dir, join(dir, 'web', 'dist'), 'and the folder it looked in');
  t.notOk(entries.some((e) => e.level === 40), 'said once: no warning besides (the open-by-default tests count warnings)');

  // a build put in place later is served without a restart
  await ensureWebBuilt();
  cpSync('web/dist', join(dir, 'web', 'dist'), { recursive: true });
  t.equal((await fetch(`http://127.0.0.1:${http}/`)).status, 200, 'built afterwards: served');
  child.kill('SIGTERM');
  t.equal(await exited, 0);
});
