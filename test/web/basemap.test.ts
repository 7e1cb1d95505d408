/**
 * A configured base map in a real browser: the page draws the raster tiles of the configured
 * URL (here a tile server on loopback standing in for Tianditu or Gaode) under its layers, and
 * with `crs: "gcj02"` every geographic request it makes (TileJSON, tiles, list) asks for
 * GCJ-02, so the points sit on the base map's streets. Runs with an open API (no tokens): no
 * prompt appears.
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
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.port === String(server.ports.http) && /^\/(tiles|api)\//.test(u.pathname)) apiRequests.push(u.pathname + u.search);
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

  // the terminal is drawn where GCJ-02 puts it: a few hundred metres from its WGS-84 fix
  await page.evaluate(() => (globalThis as unknown as InPage).dipperMap.jumpTo({ zoom: 16, center: [114.3055, 30.5928] }));
  await waitForState(page, 'zoomed in', (s) => s.idle === 'true' && Number(s.zoom) === 16 && Number(s.terminals) === 1);
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
