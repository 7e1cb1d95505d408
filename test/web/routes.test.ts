/**
 * The page's routes without a browser: served at / with its bundle (built here first, as
 * `npm run build` does: the server never builds it), public while the API asks for tokens, /web/config.json carries the `web` settings,
 * the outline file is served, and `web.enabled: false` leaves / unrouted.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { buildWeb, ensureWebBuilt, webIsBuilt } from '../../web/build.js';
import { startTestServer } from '../gateway/helpers/server.js';

const TOKEN = 'route-test-token-0123456789';
await ensureWebBuilt();

t.test('the page and its settings are public; the data is not', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dipper-web-routes-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const outline = join(dir, 'districts.geojson');
  const geojson = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'jianghan' }, geometry: { type: 'Polygon', coordinates: [[[114.2, 30.5], [114.3, 30.5], [114.3, 30.6], [114.2, 30.5]]] } }] };
  writeFileSync(outline, JSON.stringify(geojson));
  const server = await startTestServer(t, {
    api: { tokens: [{ token: TOKEN, org: '' }] },
    web: { enabled: true, outline, baseMap: { tiles: 'https://tiles.example/{z}/{x}/{y}.png', crs: 'gcj02', tileSize: 256, attribution: 'example', maxZoom: 18 }, center: [114.3, 30.6], zoom: 11 },
  } as never);
  const base = `http://127.0.0.1:${server.ports.http}`;

  const page = await fetch(`${base}/`);
  t.equal(page.status, 200, '/ without a token');
  t.match(page.headers.get('content-type'), /text\/html/);
  const html = await page.text();
  t.match(html, /<script type="module" src="app.js">/, 'the page loads its bundle');
  for (const [path, type] of [['/app.js', /javascript/], ['/style.css', /text\/css/], ['/maplibre-gl-worker.mjs', /javascript/]] as const) {
    const res = await fetch(`${base}${path}`);
    t.equal(res.status, 200, `${path} without a token`);
    t.match(res.headers.get('content-type'), type);
    t.ok((await res.arrayBuffer()).byteLength > 1000, `${path} has content`);
  }
  const gz = await new Promise<string | undefined>((resolve) => {
    request(`${base}/app.js`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
      res.resume();
      resolve(res.headers['content-encoding']);
    }).end();
  });
  t.equal(gz, 'gzip', 'the bundle is sent gzipped when asked');
  const bundle = await (await fetch(`${base}/app.js`)).text();
  t.notMatch(bundle, /https?:\/\/(unpkg|cdn|api\.maptiler|demotiles)/, 'no CDN or hosted style in the bundle');

  const config = (await (await fetch(`${base}/web/config.json`)).json()) as Record<string, unknown>;
  t.same(config, { baseMap: { tiles: 'https://tiles.example/{z}/{x}/{y}.png', crs: 'gcj02', tileSize: 256, attribution: 'example', maxZoom: 18 }, outline: '/web/outline.geojson', center: [114.3, 30.6], zoom: 11, timeZone: 'Asia/Shanghai' });
  const served = await fetch(`${base}/web/outline.geojson`);
  t.equal(served.status, 200);
  t.same(await served.json(), geojson, 'the outline file as configured');

  t.equal((await fetch(`${base}/api/terminals`)).status, 401, 'the API still wants its token');
  t.equal((await fetch(`${base}/tiles/clusters.json`)).status, 401, 'so do the tiles');
  t.equal((await fetch(`${base}/api/terminals`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
});

t.test('web.enabled false: no page', async (t) => {
  const server = await startTestServer(t, { web: { enabled: false } } as never);
  t.equal((await fetch(`http://127.0.0.1:${server.ports.http}/`)).status, 404);
  t.equal((await fetch(`http://127.0.0.1:${server.ports.http}/web/config.json`)).status, 404);
});

t.test('by default the outline is Wuhan\'s districts; an empty web.outline means none', async (t) => {
  const server = await startTestServer(t);
  const base = `http://127.0.0.1:${server.ports.http}`;
  const config = (await (await fetch(`${base}/web/config.json`)).json()) as { outline: unknown; baseMap: { tiles: string; crs: string } };
  t.equal(config.outline, '/web/outline.geojson', 'an outline by default');
  t.equal(config.baseMap.tiles, '', 'plain background by default');
  t.equal(config.baseMap.crs, 'wgs84');
  const wgs = (await (await fetch(`${base}/web/outline.geojson`)).json()) as GeoJSON.FeatureCollection;
  const names = wgs.features.filter((f) => f.properties?.label === true).map((f) => f.properties!.name as string);
  t.equal(names.length, 13, 'thirteen district names');
  t.ok(names.includes('江汉区') && names.includes('武昌区'), 'Jianghan and Wuchang among them');

  // for a GCJ-02 base map the same file comes shifted, as positions are: a few hundred metres
  const gcj = (await (await fetch(`${base}/web/outline.geojson?crs=gcj02`)).json()) as GeoJSON.FeatureCollection;
  t.equal(gcj.features.length, wgs.features.length, 'the same features');
  const at = (fc: GeoJSON.FeatureCollection) => (fc.features.find((f) => f.properties?.label === true && f.properties.name === '江汉区')!.geometry as GeoJSON.Point).coordinates as [number, number];
  const [[x0, y0], [x1, y1]] = [at(wgs), at(gcj)];
  const metres = Math.hypot((x1 - x0) * 96_000, (y1 - y0) * 111_000);
  t.ok(metres > 200 && metres < 1000 && x1 > x0, `shifted ${Math.round(metres)} m east for GCJ-02`);
  t.same(gcj.features.map((f) => f.properties), wgs.features.map((f) => f.properties), 'names kept');
  t.equal((await fetch(`${base}/web/outline.geojson?crs=mars`)).status, 400, 'an unknown datum is refused');

  const none = await startTestServer(t, { web: { outline: '' } } as never);
  const noneBase = `http://127.0.0.1:${none.ports.http}`;
  t.equal(((await (await fetch(`${noneBase}/web/config.json`)).json()) as { outline: unknown }).outline, null, 'web.outline "" draws none');
  t.equal((await fetch(`${noneBase}/web/outline.geojson`)).status, 404);
});

t.test('the build: bundle, styles, page and MapLibre worker, nothing half-written', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dipper-web-build-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'dist');
  await buildWeb(out);
  t.same(readdirSync(out).sort(), ['app.js', 'index.html', 'maplibre-gl-worker.mjs', 'style.css']);
  t.notOk(readdirSync(dir).some((f) => f.includes('.tmp-')), 'the temporary folder was renamed into place');
  t.ok(existsSync(join(out, 'index.html')));
  // built above (ensureWebBuilt), and current
  t.ok(webIsBuilt(), 'web/dist is as new as its sources');
});
