/**
 * The legend names every category, every terminal state and every alarm mark the map draws
 * (the incident ring too), in the page's language, with the zone times are shown in; and
 * each colour it shows is the colour the map's layer paints with, read from the layer.
 */
import t from 'tap';
import { ensureWebBuilt } from '../../web/build.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { chromiumPath, openBrowser, screenshot, waitForState } from './helpers/browser.js';
import type { InPage } from './helpers/browser.js';

t.setTimeout(120_000);

t.test('a legend for categories, states and alarm marks', async (t) => {
  chromiumPath();
  await ensureWebBuilt();
  const server = await startTestServer(t);
  const { page, errors } = await openBrowser(t, undefined, { locale: 'en-GB' });
  await page.goto(`http://127.0.0.1:${server.ports.http}/`);
  await waitForState(page, 'ready', (s) => s.ready === 'true' && s.idle === 'true');
  t.ok(await page.locator('#legend[open]').isVisible(), 'the legend is open on the map');
  const entries = await page.$$eval('#legend li', (els) => els.map((e) => ({ name: e.getAttribute('data-legend'), label: e.textContent, colour: e.querySelector('[data-colour]')?.getAttribute('data-colour') ?? null })));
  const names = entries.map((e) => e.name);
  for (const name of ['vehicle', 'bodycam', 'handheld', 'fixedcam', 'unknown', 'online', 'offline', 'alarm', 'cluster', 'cluster-alarm', 'terminal-alarm', 'alarm-event', 'incident', 'case', 'district']) t.ok(names.includes(name), `an entry for ${name}`);
  t.equal(entries.find((e) => e.name === 'vehicle')!.label, 'Vehicles', 'in English for an English browser');
  t.match(await page.textContent('#legend .legend-time'), /Asia\/Shanghai/, 'the zone of the times shown');

  // the colours, against what the layers paint
  const paint = await page.evaluate(() => {
    const map = (globalThis as unknown as InPage).dipperMap;
    return {
      dot: map.getPaintProperty('terminal-dot', 'circle-color'),
      terminalAlarm: map.getPaintProperty('terminal-alarm', 'circle-color'),
      alarmEvent: map.getPaintProperty('alarm-events', 'circle-color'),
      incident: map.getPaintProperty('incident-marks', 'circle-stroke-color'),
      kase: map.getLayer('cases') ? map.getPaintProperty('cases', 'circle-color') : undefined,
    };
  });
  // ['match', ['get', 'category'], 'vehicle', '#..', ..., fallback]
  const match = paint.dot as unknown[];
  const byCategory = new Map<unknown, unknown>();
  for (let i = 2; i + 1 < match.length; i += 2) byCategory.set(match[i], match[i + 1]);
  const colour = (name: string) => entries.find((e) => e.name === name)?.colour?.toLowerCase();
  for (const c of ['vehicle', 'bodycam', 'handheld', 'fixedcam', 'unknown']) t.equal(colour(c), String(byCategory.get(c)).toLowerCase(), `${c}: the dot's colour`);
  t.equal(colour('terminal-alarm'), String(paint.terminalAlarm).toLowerCase(), 'the alarm ring around a terminal');
  t.equal(colour('alarm-event'), String(paint.alarmEvent).toLowerCase(), 'an alarm event');
  t.equal(colour('incident'), String(paint.incident).toLowerCase(), 'the incident ring');
  if (paint.kase !== undefined) t.equal(colour('case'), String(paint.kase).toLowerCase(), 'a case');

  await page.selectOption('#language', 'zh-CN');
  await page.locator('#legend summary', { hasText: '图例' }).waitFor();
  t.equal(await page.textContent('#legend li[data-legend="incident"] span'), '未关闭的事件', 'in Chinese after the switch');
  await screenshot(page, 'legend');
  t.same(errors, [], 'no errors in the page');
});
