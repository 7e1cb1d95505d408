/**
 * A configured base map in a real browser: the page draws the raster tiles of the configured
 * URL (here a tile server on loopback standing in for Tianditu or Gaode) under its layers, and
 * with `crs: "gcj02"` every geographic request it makes (TileJSON, tiles, list) asks for
 * GCJ-02, so the points sit on the base map's streets (and so does the outline). Runs with an
 * open API (no tokens): no prompt appears. With no tile server, the offline default: Wuhan's
 * districts drawn with their names.
 */
import { createServer } from 'node:http';
import { crc32, deflateSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { ensureWebBuilt } from '../../web/build.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';
import { chromiumPath, openBrowser, screenshot, waitForState } from './helpers/browser.js';
import type { InPage } from './helpers/browser.js';

t.setTimeout(180_000);

/** A 256×256 grey PNG tile (8-bit greyscale), built with zlib: signature, IHDR, IDAT, IEND. */
function greyTile(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(256, 0);
  ihdr.writeUInt32BE(256, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const rows = Buffer.alloc(256 * 257, 0xd8);
  for (let y = 0; y < 256; y++) rows[y * 257] = 0; // filter byte: none
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}
const TILE = greyTile();

t.test('a configured GCJ-02 base map', async (t) => {
  chromiumPath();
  const tileRequests: string[] = [];
  const tiles = createServer((req, res) => {
    tileRequests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'image/png', 'access-control-allow-origin': '*' }).end(TILE);
  });
  await new Promise<void>((r) => tiles.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => tiles.close(() => r())));
  const tilePort = (tiles.address() as AddressInfo).port;

  await ensureWebBuilt(); // npm run build's job; the server only serves it
  const server = await startTestServer(t, {
    web: { baseMap: { tiles: `http://127.0.0.1:${tilePort}/gaode/{z}/{x}/{y}.png`, crs: 'gcj02', tileSize: 256, attribution: 'test tiles', maxZoom: 18 } },
  } as never);
  const terminal = await TestTerminal.tcp(server.ports.jt808, { phone: '013700000099' });
  t.teardown(() => terminal.close());
  await terminal.login();
  terminal.send(0x0200, locationBody({ lat: 30.5928, lng: 114.3055 }));

  const { page, errors } = await openBrowser(t);
  const apiRequests: string[] = [];
  const outlineRequests: string[] = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.port === String(server.ports.http) && /^\/(tiles|api)\//.test(u.pathname)) apiRequests.push(u.pathname + u.search);
    if (u.pathname === '/web/outline.geojson') outlineRequests.push(u.pathname + u.search);
  });
  await page.goto(`http://127.0.0.1:${server.ports.http}/`);
  const s = await waitForState(page, 'the terminal on the map', (s) => s.ready === 'true' && s.idle === 'true' && Number(s.total) === 1);
  t.equal(Number(s.total), 1, 'no token prompt on an open API; the terminal is counted');
  t.ok(await page.evaluate(() => (globalThis as unknown as { document: { body: { dataset: Record<string, string> } } }).document.body.dataset.tokenPrompt === undefined), 'no prompt was shown');

  t.ok(tileRequests.length > 0, `${tileRequests.length} base tiles fetched from the configured server`);
  t.ok(tileRequests.every((u) => /^\/gaode\/\d+\/\d+\/\d+\.png$/.test(u)), 'in the configured URL template');
  const geographic = apiRequests.filter((u) => /^\/tiles\/clusters\/|^\/tiles\/clusters\.json|^\/api\/terminals\?/.test(u));
  t.ok(geographic.length > 0, `${geographic.length} geographic requests`);
  t.same(geographic.filter((u) => !u.includes('crs=gcj02')), [], 'every one asks for GCJ-02');
  t.same(outlineRequests, ['/web/outline.geojson?crs=gcj02'], 'so does the outline (the default districts)');

  // the terminal is drawn where GCJ-02 puts it: a few hundred metres from its WGS-84 fix
  // zoom 15: the shifted point stays in view beside the incidents list (at 16 the map's 840 px span about 860 m)
  await page.evaluate(() => (globalThis as unknown as InPage).dipperMap.jumpTo({ zoom: 15, center: [114.3055, 30.5928] }));
  await waitForState(page, 'zoomed in', (s) => s.idle === 'true' && Number(s.zoom) === 15 && Number(s.terminals) === 1);
  const at = await page.evaluate(() => (globalThis as unknown as InPage).dipperMap.queryRenderedFeatures({ layers: ['terminal-dot'] })[0]?.geometry.coordinates);
  t.ok(at, 'drawn');
  if (at) {
    const [lng, lat] = at;
    const metres = Math.hypot((lng - 114.3055) * 96_000, (lat - 30.5928) * 111_000);
    t.ok(metres > 200 && metres < 1000, `shifted ${Math.round(metres)} m from WGS-84 (GCJ-02 offsets are a few hundred metres)`);
  }
  await screenshot(page, 'basemap-gcj02');
  t.same(errors, [], 'no errors in the page');
});

t.test('no tile server: Wuhan\'s districts with their names, offline', async (t) => {
  chromiumPath();
  await ensureWebBuilt();
  const server = await startTestServer(t); // the default settings: no web.baseMap.tiles, the default web.outline
  const { page, errors } = await openBrowser(t);
  const outside: string[] = [];
  page.on('request', (r) => !/^http:\/\/127\.0\.0\.1:/.test(r.url()) && !r.url().startsWith('data:') && outside.push(r.url()));
  await page.goto(`http://127.0.0.1:${server.ports.http}/`);
  await waitForState(page, 'the page ready', (s) => s.ready === 'true' && s.idle === 'true');
  const outline = await page.evaluate(async () => {
    const map = (globalThis as unknown as InPage).dipperMap;
    const data = (await map.getSource('outline')!.getData()) as { features: { properties: Record<string, unknown>; geometry: { type: string } }[] };
    return {
      names: data.features.filter((f) => f.geometry.type !== 'Point').map((f) => String(f.properties.name)),
      drawn: map.queryRenderedFeatures({ layers: ['outline'] }).length,
    };
  });
  t.same(outline.names.sort(), ['东西湖区', '新洲区', '武昌区', '汉南区', '汉阳区', '江夏区', '江岸区', '江汉区', '洪山区', '硚口区', '蔡甸区', '青山区', '黄陂区'], 'the outline source holds the 13 districts by name');
  t.ok(outline.drawn > 0, `their boundaries are drawn (${outline.drawn} rendered features)`);
  const labels = await page.$$eval('.district-label', (els) =>
    els.map((e) => {
      const el = e as unknown as { style: { visibility: string }; getBoundingClientRect(): { left: number; right: number; top: number; bottom: number } };
      return { text: e.textContent, shown: el.style.visibility !== 'hidden', box: el.getBoundingClientRect() };
    }),
  );
  t.equal(labels.length, 13, 'a name for each district on the map');
  const shown = labels.filter((l) => l.shown);
  // in the page's language (the browser's: zh-CN or en); the declutter may hide a small district
  // whose name would cover a neighbour's, so most names, and Wuchang's, not every one
  t.ok(shown.some((l) => l.text === '武昌区' || l.text === 'Wuchang') && shown.length >= 10, `names shown at zoom 10: ${shown.map((l) => l.text).join(' ')}`);
  const overlaps = shown.flatMap((a, i) => shown.slice(i + 1).filter((b) => a.box.left < b.box.right && b.box.left < a.box.right && a.box.top < b.box.bottom && b.box.top < a.box.bottom).map((b) => `${a.text}/${b.text}`));
  t.same(overlaps, [], 'no two names shown on each other');
  t.same(outside, [], 'nothing fetched from outside the gateway');
  await screenshot(page, 'basemap-offline');
  t.same(errors, [], 'no errors in the page');
});
