/**
 * The command map in a real browser: a gateway with a registry and two tokens (the city and
 * one district), a simulated fleet (simulators/) reporting to it, and Debian's Chromium
 * opening the page. Asserted through the page's published state (#state, markers' and the
 * panel's data attributes), never pixels: the token prompt appears on 401; the clusters'
 * total equals the terminals sent (plus the registry's fixed cameras); a category toggle
 * changes the counts; a cluster click zooms to its expansion zoom; the heatmap draws; a
 * terminal's panel shows its registry data, track and a "locate now" answer; a district token
 * sees only its district. Screenshots go to test/web/artifacts/ (git-ignored).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { Page } from 'playwright-core';
import { Fleet } from '../../simulators/fleet.js';
import { buildScenario } from '../../simulators/scenario.js';
import { ensureWebBuilt } from '../../web/build.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { until } from '../gateway/helpers/http.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';
import { chromiumPath, openBrowser, readState, screenshot, waitForState } from './helpers/browser.js';
import type { InPage } from './helpers/browser.js';

const CITY = 'city-token-0123456789abcdef';
const DISTRICT = 'jianghan-token-0123456789abcdef';
const DISTRICT_ORG = 'wuhan/jianghan';
const CAMERAS = [
  ['cam-1', 'wuhan/jianghan', 30.585, 114.27],
  ['cam-2', 'wuhan/wuchang', 30.55, 114.32],
  ['cam-3', 'wuhan/hanyang', 30.56, 114.25],
] as const;

t.setTimeout(300_000);

async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  // the API answers 401 without a token: the page asks for one
  await page.waitForSelector('body[data-token-prompt="open"]');
  await page.fill('#token-input', token);
  await page.click('#token-ok');
}

t.test('the command map in headless Chromium', async (t) => {
  chromiumPath(); // fails here, saying how to install it, when there is no browser
  const dir = mkdtempSync(join(tmpdir(), 'dipper-web-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));

  // a fleet small enough for two cores next to a software-rendered browser
  const scenario = buildScenario({
    vehicles: 30,
    walkers: 50,
    intervalS: 3,
    rampS: 1,
    seed: 7,
    localAddresses: 0,
    alarms: { sosPerHour: 4, sosS: 3600 },
    blindArea: { perHour: 0 },
    photos: { perHour: 0 },
  });
  const probe = new Fleet(scenario);
  const csv = probe.devicesCsv() + CAMERAS.map(([id, org, lat, lng]) => `resource,${id},fixedcam,${org},,,${lat},${lng},${id}`).join('\n') + '\n';
  const devices = join(dir, 'devices.csv');
  writeFileSync(devices, csv);
  const rows = csv.trim().split('\n').slice(1).map((l) => l.split(','));
  const byCategory = (cat: string, rs = rows) => rs.filter((r) => r[2] === cat).length;
  const inDistrict = rows.filter((r) => r[3] === DISTRICT_ORG || r[3]!.startsWith(`${DISTRICT_ORG}/`));
  const all = rows.length;

  // the offline base map draws this outline over its graticule
  const outline = join(dir, 'outline.geojson');
  writeFileSync(outline, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'centre' }, geometry: { type: 'Polygon', coordinates: [[[114.2, 30.5], [114.4, 30.5], [114.4, 30.7], [114.2, 30.7], [114.2, 30.5]]] } }] }));
  await ensureWebBuilt(); // npm run build's job; the server only serves it
  const server = await startTestServer(t, {
    devices,
    web: { outline },
    api: { tokens: [{ token: CITY, org: '', rights: ['read', 'command', 'admin'] }, { token: DISTRICT, org: DISTRICT_ORG }] },
  } as never);
  const base = `http://127.0.0.1:${server.ports.http}`;
  const fleet = new Fleet(buildScenario({ ...scenario, target: { host: '127.0.0.1', port: server.ports.jt808, transport: 'tcp' } }));
  t.teardown(() => fleet.stop());
  fleet.start();

  const total = async (token: string) => ((await (await fetch(`${base}/api/terminals?limit=1`, { headers: { authorization: `Bearer ${token}` } })).json()) as { total: number }).total;
  await until('every terminal reported', async () => (await total(CITY)) >= all);
  t.equal(await total(CITY), all, `every terminal reported (${fleet.terminals.length} simulated + ${CAMERAS.length} fixed cameras)`);

  const { page, errors } = await openBrowser(t);

  await t.test('a token prompt, then the clusters total the fleet', async (t) => {
    await signIn(page, base, CITY);
    const s = await waitForState(page, `total ${all}`, (s) => s.ready === 'true' && Number(s.total) === all);
    t.equal(Number(s.total), all, 'terminals in view = terminals sent + fixed cameras');
    for (const c of ['vehicle', 'bodycam', 'handheld', 'fixedcam', 'unknown']) t.equal(Number(s[c]), byCategory(c), `${c}: ${byCategory(c)}`);
    t.equal(await page.locator('#categories [data-category="unknown"] output').textContent(), '0', 'unknown has its own count and toggle');
    t.ok(Number(s.clusters) > 0, `drawn as ${s.clusters} clusters and ${s.terminals} single terminals`);
    const markers = await page.$$eval('.cluster', (els) => els.map((e) => Number(e.getAttribute('data-count'))));
    t.ok(markers.length > 0, 'cluster markers are on the map');
    const drawn = await page.evaluate(() => ({ outline: (globalThis as unknown as InPage).dipperMap.querySourceFeatures('outline').length, graticule: (globalThis as unknown as InPage).dipperMap.querySourceFeatures('graticule').length }));
    t.ok(drawn.outline > 0, 'the configured outline is drawn');
    t.ok(drawn.graticule > 0, `a graticule of ${drawn.graticule} lines`);
    await screenshot(page, '1-overview');
  });

  await t.test('toggling a category changes the counts', async (t) => {
    const vehicles = byCategory('vehicle');
    await page.click('#categories [data-category="vehicle"] input');
    const s = await waitForState(page, 'vehicles hidden', (s) => s.categories === 'bodycam,handheld,fixedcam,unknown' && Number(s.total) === all - vehicles);
    t.equal(Number(s.total), all - vehicles, 'the vehicles left the total');
    t.equal(Number(s.vehicle), 0, 'no vehicle is drawn');
    // the toggle keeps showing how many there are, from the list API
    const output = page.locator('#categories [data-category="vehicle"] output');
    await until(`the vehicle toggle at ${vehicles}`, async () => (await output.textContent()) === String(vehicles));
    t.equal(await output.textContent(), String(vehicles), `the vehicle toggle still counts ${vehicles}`);
    await page.click('#categories [data-category="vehicle"] input');
    await waitForState(page, 'vehicles back', (s) => Number(s.total) === all);
  });

  await t.test('clicking a cluster zooms to its expansion zoom', async (t) => {
    const before = Number((await readState(page)).zoom);
    const biggest = await page.$$eval('.cluster', (els) => {
      const list = els.map((e) => ({ id: e.getAttribute('data-cluster-id')!, count: Number(e.getAttribute('data-count')), zoom: Number(e.getAttribute('data-expansion-zoom')) }));
      list.sort((a, b) => b.count - a.count);
      return list[0]!;
    });
    t.ok(biggest.zoom > before, `the largest cluster (${biggest.count}) expands at zoom ${biggest.zoom} (now ${before.toFixed(2)})`);
    await page.click(`.cluster[data-cluster-id="${biggest.id}"]`, { force: true });
    const s = await waitForState(page, `zoom ${biggest.zoom}`, (s) => s.idle === 'true' && Math.abs(Number(s.zoom) - biggest.zoom) < 0.01);
    t.equal(Number(s.zoom), biggest.zoom, 'the map zoomed to expansion_zoom');
    // cluster ids name a cell at one zoom: at the expansion zoom that cluster has split
    t.equal(await page.locator(`.cluster[data-cluster-id="${biggest.id}"]`).count(), 0, `cluster ${biggest.id} split into ${s.clusters} clusters and ${s.terminals} terminals in view`);
  });

  await t.test('the heatmap draws', async (t) => {
    await page.evaluate(() => (globalThis as unknown as InPage).dipperMap.jumpTo({ zoom: 11 }));
    await page.check('#heat input[value="positions"]');
    const s = await waitForState(page, 'heat features', (s) => s.heat === 'positions' && Number(s.heatFeatures) > 0);
    t.ok(Number(s.heatFeatures) > 0, `${s.heatFeatures} H3 cells under the positions heatmap`);
    const visible = await page.evaluate(() => (globalThis as unknown as InPage).dipperMap.getLayoutProperty('heat-positions', 'visibility'));
    t.equal(visible, 'visible');
    await screenshot(page, '2-heatmap');
    await page.check('#heat input[value=""]');
  });

  await t.test("a terminal's panel: registry data, track, locate now", async (t) => {
    // a vehicle found by its plate through the search box
    const vehicle = fleet.terminals.find((x) => x.spec.kind === 'vehicle')!;
    const plate = vehicle.spec.plate!;
    await page.fill('#search-input', plate);
    await page.waitForSelector(`#search-results li[data-id="${vehicle.phone}"]`);
    await page.click(`#search-results li[data-id="${vehicle.phone}"]`);
    await page.waitForSelector(`#panel[data-terminal="${vehicle.phone}"][data-state="ready"]`);
    const facts = await page.$$eval('#panel-facts dd', (dds) => Object.fromEntries(dds.map((d) => [d.getAttribute('data-fact'), d.textContent])));
    t.equal(facts.plate, plate, 'plate from the registry');
    t.equal(facts.category, 'vehicle');
    t.match(facts.org ?? '', /^wuhan\//, 'org unit');
    t.match(facts['latest fix'] ?? '', /^30\.\d+, 114\.\d+$/, 'latest fix near Wuhan');
    t.match(facts.speed ?? '', /km\/h$/, 'speed');
    t.ok(facts['last seen'], 'last seen');
    await page.waitForFunction(() => Number((globalThis as unknown as InPage).document.getElementById('panel')!.dataset.trackPoints) > 1);
    t.pass('the track of the last hours is drawn');
    // playback walks the slider from the first fix to the last
    await page.evaluate(() => {
      const g = globalThis as unknown as { seen: string[]; document: { getElementById(id: string): unknown }; MutationObserver: new (f: () => void) => { observe(n: unknown, o: object): void } };
      g.seen = [];
      const el = g.document.getElementById('track-time') as { textContent: string };
      new g.MutationObserver(() => g.seen.push(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
    });
    await page.click('#track-play');
    await page.waitForFunction(() => /play/.test((globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById('track-play').textContent));
    const seen = await page.evaluate(() => (globalThis as unknown as { seen: string[] }).seen);
    t.match(seen[0] ?? '', /\(1\/\d+\)$/, `playback started at the first fix: ${seen[0]}`);
    const n = /\/(\d+)\)$/.exec(seen.at(-1) ?? '')?.[1];
    t.match(seen.at(-1) ?? '', new RegExp(`\\(${n}/${n}\\)$`), `and ended at the last: ${seen.at(-1)}`);
    await page.click('#locate');
    await page.waitForSelector('#panel[data-locate="answered"]');
    t.match(await page.textContent('#locate-answer [data-fix="place"]'), /^30\.\d{6}, 114\.\d{6}$/, 'the 0x8201 answer is shown as a fix: its place');
    t.match(await page.textContent('#locate-answer [data-fix="time"]'), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, 'its time');
    await screenshot(page, '3-panel');

    // a single terminal clicked on the map opens its panel
    await page.evaluate(() => (globalThis as unknown as InPage).dipperMap.jumpTo({ zoom: 15 }));
    await waitForState(page, 'single terminals drawn', (s) => s.idle === 'true' && Number(s.terminals) > 0);
    const target = await page.evaluate((open) => {
      const map = (globalThis as unknown as InPage).dipperMap;
      const features = map.queryRenderedFeatures({ layers: ['terminal-dot'] });
      // another terminal than the one whose panel is open, when there is one
      const f = features.find((x) => String(x.properties.id) !== open) ?? features[0];
      if (!f) return undefined;
      const p = map.project(f.geometry.coordinates);
      const box = (globalThis as unknown as InPage).document.getElementById('map')!.getBoundingClientRect();
      return { id: String(f.properties.id), x: box.left + p.x, y: box.top + p.y };
    }, vehicle.phone);
    t.ok(target, 'a terminal is drawn at zoom 15');
    if (target) {
      await page.mouse.click(target.x, target.y);
      await page.waitForSelector(`#panel[data-terminal="${target.id}"][data-state="ready"]`);
      t.pass(`clicking ${target.id} on the map opened its panel`);
    }
  });

  await t.test('live: a new terminal in alarm appears without a reload, and nothing blanks', async (t) => {
    // refresh rounds, counted as counts.test.ts counts them: each starts by reading the TileJSON
    let rounds = 0;
    page.on('request', (r) => new URL(r.url()).pathname === '/tiles/clusters.json' && rounds++);
    await page.evaluate(() => (globalThis as unknown as InPage).dipperMap.jumpTo({ zoom: 10.5, center: [114.3055, 30.5928] }));
    await waitForState(page, `total ${all} again`, (s) => s.idle === 'true' && Number(s.total) === all);
    // sample the total every 50 ms through the live refreshes: a blanking reload would show as a dip
    await page.evaluate(() => {
      const g = globalThis as unknown as InPage & { samples: number[]; sampler: unknown; setInterval(f: () => void, ms: number): unknown };
      g.samples = [];
      g.sampler = g.setInterval(() => g.samples.push(Number(g.document.getElementById('state')!.dataset.total)), 50);
    });
    const terminal = await TestTerminal.tcp(server.ports.jt808, { phone: '013600000001' });
    t.teardown(() => terminal.close());
    await terminal.login();
    terminal.send(0x0200, locationBody({ alarm: 1, lat: 30.6, lng: 114.31 })); // bit 0: SOS
    const s = await waitForState(page, 'the new terminal and its alarm', (s) => Number(s.total) === all + 1 && Number(s.alarmEvents) >= 1 && Number(s.alarms) >= 1);
    t.equal(Number(s.total), all + 1, 'the new terminal is counted');
    t.equal(Number(s.unknown), 1, 'an unregistered terminal counts as unknown');
    t.ok(Number(s.alarms) >= 1, `terminals in alarm in view: ${s.alarms}`);
    t.ok(Number(s.alarmEvents) >= 1, 'the alarm from the stream flashes on the map');
    const seen = rounds;
    await until('two more refresh rounds', () => rounds - seen >= 2);
    const samples = await page.evaluate(() => (globalThis as unknown as { samples: number[] }).samples);
    t.ok(samples.length > 20, `${samples.length} samples`);
    t.ok(Math.min(...samples) >= all, `the total never dipped below ${all} while tiles refreshed (min ${Math.min(...samples)}, max ${Math.max(...samples)})`);
    t.equal(await page.evaluate(() => (globalThis as unknown as { samples?: unknown }).samples !== undefined), true, 'the page was not reloaded');

    // a case reported through the API shows on the cases layer
    const created = await fetch(`${base}/api/cases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CITY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'case-1', type: 'theft', location: { lat: 30.59, lng: 114.29 }, time: new Date().toISOString(), org: 'wuhan/jianghan' }),
    });
    t.equal(created.status, 201, 'case created');
    const withCase = await waitForState(page, 'the case on the map', (s) => Number(s.cases) >= 1);
    t.equal(Number(withCase.cases), 1, 'the case is drawn');
    await screenshot(page, '6-alarm');
    terminal.close();
  });

  await t.test('the README picture: clusters, positions heatmap and a panel', async (t) => {
    await page.check('#heat input[value="positions"]');
    await page.evaluate(() => (globalThis as unknown as InPage).dipperMap.jumpTo({ zoom: 11.3, center: [114.3, 30.6] }));
    const s = await waitForState(page, 'heat drawn', (s) => s.idle === 'true' && Number(s.heatFeatures) > 0 && Number(s.clusters) > 0);
    t.ok(Number(s.total) > 0, `${s.total} terminals in view`);
    await screenshot(page, '5-readme');
    await page.check('#heat input[value=""]');
  });

  await t.test('a district token sees only its district', async (t) => {
    const { page: district } = await openBrowser(t);
    await signIn(district, base, DISTRICT);
    const s = await waitForState(district, `district total ${inDistrict.length}`, (s) => s.ready === 'true' && s.idle === 'true' && Number(s.total) === inDistrict.length);
    t.equal(Number(s.total), inDistrict.length, `${DISTRICT_ORG}: ${inDistrict.length} of ${all}`);
    for (const c of ['vehicle', 'bodycam', 'handheld', 'fixedcam', 'unknown']) t.equal(Number(s[c]), byCategory(c, inDistrict), `${c} in the district`);
    // zoomed out to the whole city, still only the district
    await district.evaluate(() => (globalThis as unknown as InPage).dipperMap.jumpTo({ zoom: 9 }));
    const wide = await waitForState(district, 'city view', (s) => s.idle === 'true' && Number(s.zoom) === 9);
    t.equal(Number(wide.total), inDistrict.length, 'the other districts stay hidden at city scale');
    const outsider = rows.find((r) => r[0] === 'terminal' && !inDistrict.includes(r))!;
    const res = await district.evaluate(async (id) => (await fetch(`/api/terminals/${id}`, { headers: { authorization: `Bearer ${(globalThis as unknown as InPage).localStorage.getItem('dipper.token')}` } })).status, outsider[1]!);
    t.equal(res, 404, 'a terminal of another district is unknown to this token');
    await screenshot(district, '4-district');
  });

  await t.test('the page logged no errors', async (t) => {
    // the 401s before the token was entered are the browser's own network log lines
    t.same(errors.filter((e) => !/401|Unauthorized/.test(e)), []);
  });
});
