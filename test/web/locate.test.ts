/**
 * "Locate now" in a browser: the page sends 0x8201, the terminal (ours, so the answer is
 * known) answers 0x0201 with a fix, and the panel shows that fix, not JSON: its time in the
 * command centre's zone (worked out here as UTC+8), its place, speed and heading. An offline
 * terminal is said to be offline.
 */
import t from 'tap';
import type { Message } from '../../decoders/index.js';
import { ensureWebBuilt } from '../../web/build.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';
import { chromiumPath, openBrowser, screenshot, waitForState } from './helpers/browser.js';

t.setTimeout(180_000);

t.test('the answer to Locate now, as a fix', async (t) => {
  chromiumPath();
  await ensureWebBuilt();
  const server = await startTestServer(t);
  const terminal = await TestTerminal.tcp(server.ports.jt808, { phone: '013700000088' });
  t.teardown(() => terminal.close());
  await terminal.login();
  await terminal.ackOf(terminal.send(0x0200, locationBody({ lat: 30.58, lng: 114.29 })));

  const { page, errors } = await openBrowser(t, undefined, { locale: 'en-US', timezoneId: 'Europe/London' });
  await page.goto(`http://127.0.0.1:${server.ports.http}/`);
  await waitForState(page, 'ready', (s) => s.ready === 'true' && Number(s.total) === 1);
  await page.fill('#search-input', '13700000088');
  await page.click('#search-results li[data-id="13700000088"]');
  await page.waitForSelector('#panel[data-state="ready"]');

  // the terminal answers the query with a fix of its own: 12 s ago, a whole second
  const at = Math.floor(Date.now() / 1000) * 1000 - 12_000;
  const asked = terminal.next(0x8201) as Promise<Message<unknown>>;
  await page.click('#locate');
  const query = await asked;
  terminal.send(0x0201, { ackSerial: query.serial, ...locationBody({ lat: 30.601234, lng: 114.312345, speed: 42.5, time: new Date(at).toISOString() }) });
  await page.waitForSelector('#panel[data-locate="answered"]');
  const shown = Object.fromEntries(await page.$$eval('#locate-answer [data-fix]', (els) => els.map((e) => [e.getAttribute('data-fix'), e.textContent])));
  const expected = new Date(at + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
  t.same(shown, { time: expected, place: '30.601234, 114.312345', speed: '42.5 km/h', heading: '90°' }, `a fix: ${JSON.stringify(shown)}`);
  t.notMatch(await page.textContent('#locate-answer'), /[{}"]/, 'no JSON');
  await screenshot(page, 'locate');

  // offline: said in words
  terminal.close();
  await page.waitForFunction(async () => (await fetch('/api/terminals/13700000088')).ok && !((await (await fetch('/api/terminals/13700000088')).json()) as { session: unknown }).session);
  await page.click('#locate');
  await page.waitForSelector('#panel[data-locate="error-404"]');
  t.equal(await page.textContent('#locate-answer'), 'offline: the terminal is not connected');
  t.same(errors.filter((e) => !/404/.test(e)), [], 'no errors in the page (the 404 is the answer asked for)');
});
