/**
 * The counts the page shows never exceed what exists, even while tiles refresh. Registered
 * vehicles (and one unregistered terminal) hop to and fro across the boundary between two
 * zoom-10 tiles several times a second, so that every refresh round finds them on the other
 * side: a count summed from a tile already reloaded and its neighbour not yet reloaded would
 * hold such a terminal twice. Every change the page makes to #state is recorded (a
 * MutationObserver, so no short-lived value escapes sampling) over ten refresh rounds, and no
 * category's count, nor the total, may ever pass the number of terminals that exist.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ensureWebBuilt } from '../../web/build.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { until } from '../gateway/helpers/http.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';
import { chromiumPath, openBrowser, readState, waitForState } from './helpers/browser.js';
import type { InPage } from './helpers/browser.js';

t.setTimeout(240_000);

/** The west edge of zoom-10 tile column 838: 838 / 1024 * 360 - 180 (slippy-map tiling). */
const BOUNDARY = (838 / 1024) * 360 - 180;
const HOPPERS = 12;
const STILL = 8;
const ROUNDS = 10;

t.test('category counts never exceed the registry while tiles refresh', async (t) => {
  chromiumPath();
  const dir = mkdtempSync(join(tmpdir(), 'dipper-counts-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const hopper = (i: number) => `1370000${String(i).padStart(4, '0')}`;
  const still = (i: number) => `1371000${String(i).padStart(4, '0')}`;
  const rows = ['type,id,category,org,plate,officer,lat,lng,name'];
  for (let i = 0; i < HOPPERS; i++) rows.push(`terminal,${hopper(i)},vehicle,wuhan/a,E-H${i},,,,`);
  for (let i = 0; i < STILL; i++) rows.push(`terminal,${still(i)},bodycam,wuhan/a,,PC${i},,,`);
  const devices = join(dir, 'devices.csv');
  writeFileSync(devices, rows.join('\n') + '\n');
  const limits = { vehicle: HOPPERS, bodycam: STILL, unknown: 1, total: HOPPERS + STILL + 1 };

  await ensureWebBuilt();
  const server = await startTestServer(t, { devices, web: { center: [BOUNDARY, 30.6], zoom: 10.5 } } as never);
  const open = async (phone: string, plate?: string) => {
    const term = await TestTerminal.tcp(server.ports.jt808, { phone: `0${phone}` });
    t.teardown(() => term.close());
    // a registered vehicle registers with its plate (0x8100 result 2 otherwise)
    await term.login(plate ? { plate } : {});
    return term;
  };
  const hoppers: TestTerminal[] = [];
  for (let i = 0; i < HOPPERS; i++) hoppers.push(await open(hopper(i), `E-H${i}`));
  const unknown = await open('13720000000'); // not in the registry
  const lat = (i: number) => 30.57 + i * 0.005;
  // a few kilometres either side of the boundary
  const side = (i: number, east: boolean) => BOUNDARY + (east ? 0.02 : -0.02) + i * 1e-4;
  for (const [i, term] of [...hoppers, unknown].entries()) term.send(0x0200, locationBody({ lat: lat(i), lng: side(i, false) }));
  for (let i = 0; i < STILL; i++) {
    const term = await open(still(i));
    term.send(0x0200, locationBody({ lat: 30.6 + i * 0.005, lng: BOUNDARY + 0.05 }));
  }

  const { page, errors } = await openBrowser(t);
  let rounds = 0;
  page.on('request', (r) => new URL(r.url()).pathname === '/tiles/clusters.json' && rounds++);
  await page.goto(`http://127.0.0.1:${server.ports.http}/`);
  await waitForState(page, 'every terminal in view', (s) => s.ready === 'true' && s.idle === 'true' && Number(s.total) === limits.total);
  // keep the view across the boundary (the page fits itself to the fleet at start)
  await page.evaluate((c) => (globalThis as unknown as InPage).dipperMap.jumpTo({ zoom: 10.5, center: c }), [BOUNDARY, 30.6] as [number, number]);
  await waitForState(page, 'the view over the boundary', (s) => s.idle === 'true' && Number(s.zoom) === 10.5 && Number(s.total) === limits.total);

  // every value #state takes from now on
  await page.evaluate(() => {
    const g = globalThis as unknown as { document: { getElementById(id: string): { dataset: Record<string, string> } }; MutationObserver: new (f: () => void) => { observe(el: unknown, o: object): void }; seen: Record<string, string>[] };
    const el = g.document.getElementById('state');
    g.seen = [];
    new g.MutationObserver(() => g.seen.push({ ...el.dataset })).observe(el, { attributes: true });
  });

  // hop: each report puts every hopper on the other side of the boundary, all at once (so a
  // terminal counted twice is not hidden by another counted nowhere)
  let east = false;
  const hop = setInterval(() => {
    east = !east;
    for (const [i, term] of [...hoppers, unknown].entries()) term.send(0x0200, locationBody({ lat: lat(i), lng: side(i, east) }));
  }, 300);
  t.teardown(() => clearInterval(hop));
  const start = rounds;
  await until(`${ROUNDS} refresh rounds`, () => rounds - start >= ROUNDS);
  clearInterval(hop);
  t.ok(rounds - start >= ROUNDS, `${rounds - start} refresh rounds while terminals crossed tiles`);

  const seen = await page.evaluate(() => (globalThis as unknown as { seen: Record<string, string>[] }).seen);
  const counted = seen.filter((s) => s.total !== undefined);
  t.ok(counted.length > ROUNDS, `${counted.length} states recorded`);
  for (const [key, limit] of Object.entries(limits)) {
    const values = counted.map((s) => Number(s[key]));
    const over = counted.filter((s) => Number(s[key]) > limit);
    t.equal(over.length, 0, `${key}: never above ${limit} (max ${Math.max(...values)}${over.length ? `; e.g. ${JSON.stringify(over[0])}` : ''})`);
  }
  // the counts were live: every terminal was counted again after the hopping
  const settled = await waitForState(page, 'settled', (s) => s.idle === 'true' && Number(s.total) === limits.total);
  t.equal(Number(settled.vehicle), HOPPERS, 'vehicles counted');
  t.equal(Number(settled.unknown), 1, 'the unregistered terminal counted as unknown');
  t.ok((await readState(page)).stream === 'live', 'the live stream drove the refreshes');
  t.same(errors, [], 'no errors in the page');
});
