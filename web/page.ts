/**
 * Where `npm run build` puts the command map page (web/dist/, git-ignored), found from the
 * package root so that the sources (tsx) and the compiled server (dist/web/page.js) name the
 * same folder. Nothing here builds: the server only serves what the build left.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const WEB_DIST = join(packageRoot(dirname(fileURLToPath(import.meta.url))), 'web', 'dist');
/** Written last by the build: its presence marks a complete page. */
export const PAGE_STAMP = 'index.html';

export function pageIsBuilt(dir = WEB_DIST): boolean {
  return existsSync(join(dir, PAGE_STAMP));
}
