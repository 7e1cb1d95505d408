/**
 * Chinese and English, and the command centre's clock. A browser that prefers zh-CN gets the
 * page in Chinese (labels, district names, the panel); the switch in the bar turns it to
 * English, and a reload keeps that choice. Times are shown in web.timeZone (Asia/Shanghai by
 * default) though the browser runs in New York: the fix time a terminal reported is worked
 * out here as UTC+8 (China keeps no summer time), not with Intl.
 */
import t from 'tap';
import { ensureWebBuilt } from '../../web/build.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';
import { chromiumPath, openBrowser, screenshot, waitForState } from './helpers/browser.js';

t.setTimeout(180_000);

/** YYYY-MM-DD HH:mm:ss of an instant at UTC+8, by arithmetic. */
function shanghai(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
}

t.test('zh-CN by the browser, English by the switch, times in Asia/Shanghai', async (t) => {
  chromiumPath();
  await ensureWebBuilt();
  const server = await startTestServer(t);
  const terminal = await TestTerminal.tcp(server.ports.jt808, { phone: '013700000077' });
  t.teardown(() => terminal.close());
  await terminal.login();
  // a fix two minutes ago, on a whole second (the protocol's resolution)
  const fixAt = Math.floor(Date.now() / 1000) * 1000 - 120_000;
  await terminal.ackOf(terminal.send(0x0200, locationBody({ lat: 30.5928, lng: 114.3055, time: new Date(fixAt).toISOString() })));

  const { page, errors } = await openBrowser(t, undefined, { locale: 'zh-CN', timezoneId: 'America/New_York' });
  t.equal(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone), 'America/New_York', 'the browser runs in New York');
  await page.goto(`http://127.0.0.1:${server.ports.http}/`);
  await waitForState(page, 'ready', (s) => s.ready === 'true' && s.idle === 'true' && Number(s.total) === 1);
  const text = (selector: string) => page.locator(selector).first().textContent();
  t.equal(await page.getAttribute('html', 'lang'), 'zh-CN', 'the page is in Chinese');
  t.equal(await text('#categories [data-category="vehicle"] [data-i18n]'), '车辆');
  t.equal(await text('#incidents h2'), '事件');
  t.equal(await page.getAttribute('#search-input', 'placeholder'), '车牌、警员或终端号');
  t.ok((await page.$$eval('.district-label', (els) => els.map((e) => e.textContent))).includes('江汉区'), 'district names in Chinese');

  await page.fill('#search-input', '13700000077');
  await page.click('#search-results li[data-id="13700000077"]');
  await page.waitForSelector('#panel[data-state="ready"]');
  const fact = async (key: string) => ({ label: await text(`#panel-facts dd[data-fact="${key}"] >> xpath=preceding-sibling::dt[1]`), value: await text(`#panel-facts dd[data-fact="${key}"]`) });
  t.same(await fact('fix time'), { label: '定位时间', value: shanghai(fixAt) }, `the fix time in Shanghai: ${shanghai(fixAt)}`);
  t.equal((await fact('state')).value, '在线');
  await screenshot(page, 'language-zh');

  await page.selectOption('#language', 'en');
  await waitForState(page, 'English', (s) => s.language === 'en');
  t.equal(await page.getAttribute('html', 'lang'), 'en', 'switched to English');
  t.equal(await text('#categories [data-category="vehicle"] [data-i18n]'), 'Vehicles');
  t.equal(await text('#incidents h2'), 'Incidents');
  t.ok((await page.$$eval('.district-label', (els) => els.map((e) => e.textContent))).includes('Jianghan'), 'district names in English');
  await page.locator('#panel-facts dt', { hasText: /^fix time$/ }).waitFor();
  t.same(await fact('fix time'), { label: 'fix time', value: shanghai(fixAt) }, 'the panel too, the time still in Shanghai');

  await page.reload();
  await waitForState(page, 'ready again', (s) => s.ready === 'true');
  t.equal(await page.getAttribute('html', 'lang'), 'en', 'the choice is remembered over the browser\'s language');
  t.equal(await page.inputValue('#language'), 'en', 'and the switch shows it');
  t.same(errors, [], 'no errors in the page');
});
