/**
 * The README's pictures, docs/screenshot.png (English) and docs/screenshot-zh.png (Chinese):
 * a gateway on loopback with a categorised fleet (the simulator's vehicles, body cameras and
 * handhelds, listed in the registry with a few fixed cameras), the command map in Debian's
 * headless Chromium over the offline base map (Wuhan's districts), a few alarms raised.
 * Uses the browser tests' helpers; takes about a minute.
 *
 *   npx tsx scripts/readme-screenshot.ts
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Fleet } from '../simulators/fleet.js';
import { buildScenario } from '../simulators/scenario.js';
import { ensureWebBuilt } from '../web/build.js';
import { startTestServer } from '../test/gateway/helpers/server.js';
import { chromiumPath, openBrowser, waitForState } from '../test/web/helpers/browser.js';
import type { InPage } from '../test/web/helpers/browser.js';

const DOCS = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs');
const CAMERAS: [string, string, number, number][] = [
  ['cam-jh-1', 'wuhan/jianghan', 30.585, 114.27],
  ['cam-wc-1', 'wuhan/wuchang', 30.55, 114.32],
  ['cam-hy-1', 'wuhan/hanyang', 30.56, 114.25],
  ['cam-ja-1', 'wuhan/jiangan', 30.62, 114.31],
  ['cam-hs-1', 'wuhan/hongshan', 30.5, 114.36],
];

const cleanups: (() => unknown)[] = [];
const t = { teardown: (f: () => unknown) => void cleanups.unshift(f) };

try {
  chromiumPath();
  const dir = mkdtempSync(join(tmpdir(), 'dipper-shot-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const scenario = buildScenario({ vehicles: 120, walkers: 360, intervalS: 3, rampS: 5, seed: 16, localAddresses: 0, alarms: { sosPerHour: 1.5, sosS: 3600 }, blindArea: { perHour: 0 }, photos: { perHour: 0 } });
  const csv = new Fleet(scenario).devicesCsv() + CAMERAS.map(([id, org, lat, lng]) => `resource,${id},fixedcam,${org},,,${lat},${lng},${id}`).join('\n') + '\n';
  const devices = join(dir, 'devices.csv');
  writeFileSync(devices, csv);
  const all = csv.trim().split('\n').length - 1;

  await ensureWebBuilt();
  const server = await startTestServer(t, { devices } as never);
  const fleet = new Fleet(buildScenario({ ...scenario, target: { host: '127.0.0.1', port: server.ports.jt808, transport: 'tcp' } }));
  cleanups.unshift(() => fleet.stop());
  fleet.start();
  const base = `http://127.0.0.1:${server.ports.http}`;
  for (let end = Date.now() + 90_000; Date.now() < end; await new Promise((r) => setTimeout(r, 500))) {
    const { total } = (await (await fetch(`${base}/api/terminals?limit=1`)).json()) as { total: number };
    if (total >= all) break;
  }
  // some patrol: moved clusters, a few SOS alarms
  await new Promise((r) => setTimeout(r, 20_000));

  mkdirSync(DOCS, { recursive: true });
  for (const [locale, file] of [['en-GB', 'screenshot.png'], ['zh-CN', 'screenshot-zh.png']] as const) {
    const { page } = await openBrowser(t, { width: 1400, height: 860 }, { locale, timezoneId: 'Asia/Shanghai' });
    await page.goto(base);
    await waitForState(page, 'the fleet on the map', (s) => s.ready === 'true' && Number(s.total) > 0);
    await page.evaluate(() => (globalThis as unknown as InPage).dipperMap.jumpTo({ zoom: 11.4, center: [114.3, 30.575] }));
    await waitForState(page, 'settled', (s) => s.idle === 'true' && Number(s.zoom) === 11.4 && Number(s.clusters) > 0);
    await page.waitForTimeout(600); // the flashing marks in their visible phase, more or less
    await page.screenshot({ path: join(DOCS, file) });
    process.stdout.write(`${join(DOCS, file)}\n`);
  }
} finally {
  for (const f of cleanups) await f();
}
process.exit(0);
