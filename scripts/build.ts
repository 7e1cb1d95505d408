/**
 * `npm run build`: the server side into dist/ and the command map page into web/dist/.
 *
 * The server: every module of the rooms that `npm start`, `npm run map:standalone` and the
 * container run becomes one .js file at the same path under dist/ (dist/server/main.js, ...).
 * esbuild, file by file, no bundle: the layout and the file names in stack traces stay the
 * sources', and the whole tree takes well under a second, so `npm start` can build every time
 * (prestart) and never runs a stale dist/. tsx, which the tests and the development loop use,
 * is esbuild too, so production runs the same transform the tests ran, without the `keepNames`
 * wrappers tsx adds. Type checking stays in `npm run lint` (tsc).
 *
 * Writes go to a temporary folder renamed into place, so a process starting beside a build
 * never loads half a tree. `--server-only` skips the page (it bundles MapLibre: seconds).
 */
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildWeb, WEB_DIST } from '../web/build.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
/** The server's rooms (.dependency-cruiser.cjs: what server/ may import, and itself). */
const ROOMS = ['decoders', 'events', 'gateway', 'sinks', 'map', 'store', 'api', 'server'];
/** Of web/, only where the page lies: web/build.ts and web/src are build-time and browser code. */
const EXTRA = ['web/page.ts'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

export async function buildServer(outDir = DIST): Promise<number> {
  const entryPoints = [...ROOMS.flatMap((room) => sources(join(ROOT, room))), ...EXTRA.map((f) => join(ROOT, f))];
  const tmp = `${outDir}.tmp-${process.pid}-${Date.now()}`;
  try {
    await build({
      entryPoints,
      outdir: tmp,
      outbase: ROOT,
      bundle: false,
      platform: 'node',
      format: 'esm',
      // tsconfig.json's target; the class-field semantics follow it as under tsx
      target: 'es2022',
      tsconfig: join(ROOT, 'tsconfig.json'),
      sourcemap: 'linked',
      logLevel: 'warning',
    });
    rmSync(outDir, { recursive: true, force: true });
    renameSync(tmp, outDir);
  } finally {
    if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
  }
  return entryPoints.length;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let started = Date.now();
  const files = await buildServer();
  process.stdout.write(`server: ${files} modules compiled into ${relative(ROOT, DIST)}/ in ${Date.now() - started} ms\n`);
  if (!process.argv.includes('--server-only')) {
    started = Date.now();
    await buildWeb();
    process.stdout.write(`web page built into ${relative(ROOT, WEB_DIST)}/ in ${Date.now() - started} ms\n`);
  }
}
