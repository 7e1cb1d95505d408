/**
 * Duty areas on the page in headless Chromium (issue 18): the toggle in the bar shows each area
 * filled by the share of its units on post; a unit walking out of its area over TCP shows on
 * the map at the next refresh; the legend's colours are the ones the fill paints.
 */
import t from 'tap';
import { ensureWebBuilt } from '../../web/build.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';
import { call } from '../gateway/helpers/http.js';
import { chromiumPath, openBrowser, screenshot, waitForState } from './helpers/browser.js';
import { ALWAYS, BEAT, INSIDE, OUTSIDE } from '../helpers/duty.js';

t.setTimeout(240_000);
const DUTY = 'duty-officer-token-duty-areas-0001';

interface InPage {
  dipperMap: {
    jumpTo(o: object): void;
    project(p: [number, number]): { x: number; y: number };
    queryRenderedFeatures(p: [number, number], o: { layers: string[] }): { properties: Record<string, unknown> }[];
    getPaintProperty(layer: string, name: string): unknown;
  };
}

t.test('the duty toggle shows areas by the share of their units on post, and follows a unit leaving', async (t) => {
  chromiumPath(); // fails here, saying how to install it, when there is no browser
  await ensureWebBuilt();
  const server = await startTestServer(t, { api: { tokens: [{ token: DUTY, org: '', name: 'duty officer', rights: ['read', 'admin'] }] } } as never);
  const api = (method: string, path: string, body?: unknown) => call(server.ports.http, DUTY, method, path, body);
  const ids = ['13966660001', '13966660002'];
  t.equal((await api('POST', '/api/devices/import', { terminals: ids.map((terminal) => ({ terminal, category: 'bodycam', org: 'wuhan/jianghan' })) })).status, 200);
  t.equal((await api('PUT', '/api/duty-areas/beat', { name: '江汉一巡区', org: 'wuhan/jianghan', geometry: BEAT, shifts: ALWAYS, devices: ids })).status, 201);
  const inside = await TestTerminal.tcp(server.ports.jt808, { phone: `0${ids[0]}` });
  const outside = await TestTerminal.tcp(server.ports.jt808, { phone: `0${ids[1]}` });
  t.teardown(() => (inside.close(), outside.close()));
  await inside.login();
  await outside.login();
  await inside.ackOf(inside.send(0x0200, locationBody(INSIDE)));
  await outside.ackOf(outside.send(0x0200, locationBody(OUTSIDE)));

  const { page, errors } = await openBrowser(t, undefined, { locale: 'en-GB' });
  await page.goto(`http://127.0.0.1:${server.ports.http}`);
  await page.waitForSelector('body[data-token-prompt="open"]');
  await page.fill('#token-input', DUTY);
  await page.click('#token-ok');
  await waitForState(page, 'the map ready', (s) => s.ready === 'true');
  await page.evaluate(([lng, lat]) => (globalThis as unknown as InPage).dipperMap.jumpTo({ center: [lng, lat], zoom: 13 }), [INSIDE.lng, INSIDE.lat]);
  t.equal((await waitForState(page, 'the map idle', (s) => s.idle === 'true')).dutyAreas, '', 'off by default: no area drawn');

  await page.check('#duty-toggle');
  await waitForState(page, 'the area drawn, one of two on post', (s) => s.dutyAreas === 'beat:1/2');
  await waitForState(page, 'the map idle', (s) => s.idle === 'true');
  const at = (await page.evaluate(([lng, lat]) => (globalThis as unknown as InPage).dipperMap.project([lng!, lat!]), [INSIDE.lng, INSIDE.lat])) as { x: number; y: number };
  const drawn = await page.evaluate((p) => (globalThis as unknown as InPage).dipperMap.queryRenderedFeatures([p.x, p.y], { layers: ['duty-fill'] }).map((f) => f.properties), at);
  t.match(drawn, [{ id: 'beat', name: '江汉一巡区', onPost: 1, assigned: 2, coverage: 0.5 }], 'the fill drawn where the area is');
  await screenshot(page, 'duty-areas');

  // the legend's colours are the fill's stops: none, half, all on post, and nothing assigned
  const fill = JSON.stringify(await page.evaluate(() => (globalThis as unknown as InPage).dipperMap.getPaintProperty('duty-fill', 'fill-color'))).toLowerCase();
  const legend = await page.$$eval('#legend li[data-legend^="duty-"] [data-colour]', (els) => els.map((e) => e.getAttribute('data-colour')!.toLowerCase()));
  t.equal(legend.length, 4, 'four duty entries in the legend');
  for (const c of legend) t.ok(fill.includes(c), `the fill paints the legend's ${c}`);

  // the unit on post walks out: the page follows without a reload
  await inside.ackOf(inside.send(0x0200, locationBody(OUTSIDE)));
  await waitForState(page, 'no one on post', (s) => s.dutyAreas === 'beat:0/2');

  await page.uncheck('#duty-toggle');
  await waitForState(page, 'the areas hidden', (s) => s.dutyAreas === '' && s.duty === 'false');
  t.same(errors.filter((e) => !/401 \(Unauthorized\)/.test(e)), [], 'no errors in the page');
});
