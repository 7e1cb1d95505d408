/**
 * The interactive API page at /docs (Swagger UI), served offline: on a fresh gateway GET /docs
 * is an HTML page, and every script, stylesheet and icon it references, and the document and
 * OAuth redirect page its initializer loads, is answered 200 by the gateway itself (no CDN, no
 * other host). The OpenAPI document stays at /docs/json (and /docs for a client asking for
 * JSON), the YAML at /docs/yaml. With api.tokens configured the page is as open as the
 * document, and the API behind it is not.
 */
import t from 'tap';
import type { Test } from 'tap';
import { startTestServer } from '../gateway/helpers/server.js';

/** Every src= and href= of an HTML page. */
function references(html: string): string[] {
  return [...html.matchAll(/\b(?:src|href)\s*=\s*"([^"]+)"/gi)].map((m) => m[1]!);
}

async function checkPage(t: Test, base: string, page: string): Promise<void> {
  const res = await fetch(`${base}${page}`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
  t.equal(res.status, 200, `${page}: 200`);
  t.match(res.headers.get('content-type'), /^text\/html/, `${page}: HTML`);
  const html = await res.text();
  t.match(html, /<div id="swagger-ui">/, `${page}: the Swagger UI mount point`);
  const refs = references(html);
  const scripts = refs.filter((r) => r.endsWith('.js'));
  const styles = refs.filter((r) => r.endsWith('.css'));
  t.ok(scripts.length >= 3 && styles.length >= 1, `${page}: ${scripts.length} scripts, ${styles.length} stylesheets`);
  const pageUrl = new URL(`${base}${page}`);
  for (const ref of refs) {
    const url = new URL(ref, pageUrl);
    t.equal(url.origin, pageUrl.origin, `${ref}: from the gateway itself, not from elsewhere`);
    const asset = await fetch(url);
    t.equal(asset.status, 200, `${ref} -> ${url.pathname}: 200`);
    const type = asset.headers.get('content-type') ?? '';
    if (ref.endsWith('.js')) t.match(type, /javascript/, `${ref}: a script`);
    if (ref.endsWith('.css')) t.match(type, /^text\/css/, `${ref}: a stylesheet`);
    const body = await asset.text();
    t.ok(body.length > 0, `${ref}: not empty`);
    if (ref.endsWith('swagger-initializer.js')) {
      // what the initializer loads, resolved as its resolveUrl() does (the page's URL + '/')
      const from = new URL(`${pageUrl.href.replace(/\/?$/, '/')}`);
      // (the logo's link, resolveUrl('/'), is a link to the map page, not something loaded)
      const loads = [...body.matchAll(/\b(?:url|oauth2RedirectUrl): resolveUrl\('([^']+)'\)/g)];
      t.equal(loads.length, 2, 'the document and the OAuth redirect page');
      for (const [, loaded] of loads) {
        const target = new URL(loaded!, from);
        t.equal((await fetch(target)).status, 200, `the initializer's ${loaded} -> ${target.pathname}: 200`);
      }
      t.match(body, /validatorUrl: null/, 'no validator badge: it would call validator.swagger.io');
    }
  }
}

t.test('GET /docs is the API page; all it loads is served by the gateway', async (t) => {
  const server = await startTestServer(t);
  const base = `http://127.0.0.1:${server.ports.http}`;
  await checkPage(t, base, '/docs');
  await checkPage(t, base, '/docs/');

  const json = await fetch(`${base}/docs/json`);
  t.equal(json.status, 200);
  t.match(((await json.json()) as { openapi: string }).openapi, /^3\./, '/docs/json: the OpenAPI document');
  const asked = await fetch(`${base}/docs`, { headers: { accept: 'application/json' } });
  t.match(asked.headers.get('content-type'), /^application\/json/, '/docs asked for JSON: still the document');
  t.match(((await asked.json()) as { openapi: string }).openapi, /^3\./);
  const yaml = await fetch(`${base}/docs/yaml`);
  t.match(yaml.headers.get('content-type'), /^application\/yaml/);
  t.match(await yaml.text(), /^openapi: 3\./m);
});

t.test('with api.tokens the page and its assets are open, the API is not', async (t) => {
  const server = await startTestServer(t, { api: { tokens: [{ token: 'docs-test-token-0123456789', org: '', name: 'docs' }] } });
  const base = `http://127.0.0.1:${server.ports.http}`;
  await checkPage(t, base, '/docs');
  t.equal((await fetch(`${base}/api/terminals`)).status, 401, '/api/terminals still needs a token');
  t.equal((await fetch(`${base}/docsx`)).status, 401, 'a path that merely starts with /docs is not opened');
});
