/**
 * Builds the command map page into web/dist/ (git-ignored): esbuild bundles
 * src/main.ts with MapLibre GL JS from node_modules (no CDN: the page works offline), the
 * CSS (MapLibre's and ours), index.html, and MapLibre's worker, which MapLibre loads as a
 * module worker from next to the bundle.
 *
 * `npm run build` (scripts/build.ts) builds it with the server; the server never does: it
 * only serves what is there (api/routes/web.ts). Tests call `ensureWebBuilt()`, which builds
 * only when dist/ is missing or older than a source file. Builds go to a temporary folder
 * renamed into place, so a running server or a test beside it never sees half a build.
 */
import { cpSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { PAGE_STAMP as STAMP, WEB_DIST, pageIsBuilt } from './page.js';

export { WEB_DIST };
const here = dirname(fileURLToPath(import.meta.url));

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** True when dist/ holds a build at least as new as every source file. */
export function webIsBuilt(): boolean {
  return pageIsBuilt() && statSync(join(WEB_DIST, STAMP)).mtimeMs >= newestSource(here);
}

/** `unlessCurrent`: give up the new build if a current one appeared in outDir meanwhile. */
export async function buildWeb(outDir = WEB_DIST, options: { unlessCurrent?: boolean } = {}): Promise<void> {
  const tmp = `${outDir}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  try {
    await build({
      entryPoints: { app: join(here, 'src/main.ts'), style: join(here, 'style.css') },
      outdir: tmp,
      bundle: true,
      format: 'esm',
      target: 'es2022',
      minify: true,
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'warning',
    });
    const maplibre = dirname(fileURLToPath(import.meta.resolve('maplibre-gl')));
    cpSync(join(maplibre, 'maplibre-gl-worker.mjs'), join(tmp, 'maplibre-gl-worker.mjs'));
    // index.html last: its presence marks a complete build
    cpSync(join(here, 'index.html'), join(tmp, STAMP));
    // a test building beside this one may have put a current build in place meanwhile:
    // keep it rather than pull files from under a server that serves it
    if (options.unlessCurrent && outDir === WEB_DIST && webIsBuilt()) {
      rmSync(tmp, { recursive: true, force: true });
      return;
    }
    rmSync(outDir, { recursive: true, force: true });
    renameSync(tmp, outDir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    // another process may have renamed its build into place first: that one is as good
    if (webIsBuilt()) return;
    throw e;
  }
}

export async function ensureWebBuilt(): Promise<void> {
  if (!webIsBuilt()) await buildWeb(WEB_DIST, { unlessCurrent: true });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  await buildWeb();
  process.stdout.write(`web page built into ${WEB_DIST} in ${Date.now() - started} ms\n`);
}
