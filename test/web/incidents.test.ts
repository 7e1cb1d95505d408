/**
 * The incidents panel in headless Chromium (issue 17): a body camera's SOS over TCP becomes an
 * incident on the panel and a mark on the map; the duty officer acknowledges it (the terminal
 * is sent 0x8203 and answers), then closes it: it leaves the panel and the map.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { Message } from '../../decoders/index.js';
import { ensureWebBuilt } from '../../web/build.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';
import { call } from '../gateway/helpers/http.js';
import { chromiumPath, openBrowser, screenshot, waitForState } from './helpers/browser.js';

t.setTimeout(240_000);
const DUTY = 'duty-officer-token-0123456789abcdef';

t.test('a duty officer acknowledges and closes an incident from the panel', async (t) => {
  chromiumPath(); // fails here, saying how to install it, when there is no browser
  const dir = mkdtempSync(join(tmpdir(), 'dipper-web-incidents-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const devices = join(dir, 'devices.json');
  writeFileSync(devices, JSON.stringify({ terminals: [{ terminal: '13955550001', category: 'bodycam', org: 'wuhan/jianghan', officer: '赵六' }, { terminal: '13955550002', category: 'vehicle', org: 'wuhan/jianghan' }] }));
  await ensureWebBuilt();
  const server = await startTestServer(t, { devices, api: { tokens: [{ token: DUTY, org: 'wuhan', name: 'duty officer', rights: ['read', 'command'] }] } });
  const base = `http://127.0.0.1:${server.ports.http}`;
  const cam = await TestTerminal.tcp(server.ports.jt808, { phone: '013955550001' });
  const car = await TestTerminal.tcp(server.ports.jt808, { phone: '013955550002' });
  t.teardown(() => (cam.close(), car.close()));
  await cam.login();
  await car.login();
  // the car's overspeed first, the camera's SOS later: the panel shows open ones, newest first
  await car.ackOf(car.send(0x0200, locationBody({ alarm: 0b10, lat: 30.59, lng: 114.28 })));
  await cam.ackOf(cam.send(0x0200, locationBody({ alarm: 0b1, lat: 30.58, lng: 114.27 })));

  const { page, errors } = await openBrowser(t);
  await page.goto(base);
  await page.waitForSelector('body[data-token-prompt="open"]');
  await page.fill('#token-input', DUTY);
  await page.click('#token-ok');
  await waitForState(page, 'both incidents on the panel and the map', (s) => s.ready === 'true' && s.incidents === '2' && s.incidentMarks === '2');
  const order = await page.$$eval('#incident-list li', (els) => els.map((e) => (e as unknown as { textContent: string }).textContent));
  t.match(order[0], /sos · 13955550001/, 'the newest first');
  t.match(order[1], /overspeed · 13955550002/);
  t.same(await page.$$eval('.incident-count', (els) => els.map((e) => (e as unknown as { textContent: string }).textContent)), ['overspeed 1', 'sos 1'], 'counts by kind');
  await screenshot(page, 'incidents-open');

  const sos = (await call(server.ports.http, DUTY, 'GET', '/api/incidents?kind=sos')).json.items[0].id as string;
  // acknowledge: the camera is asked to clear its SOS and answers
  await page.click(`#incident-list li[data-id="${sos}"] button[data-action="ack"]`);
  const down = (await cam.next(0x8203)) as Message<{ alarmType: number }>;
  t.equal(down.body.alarmType, 1, '0x8203 for the emergency bit');
  cam.send(0x0001, { ackSerial: down.serial, ackMsgId: 0x8203, result: 0 });
  await page.waitForSelector(`#incident-list li[data-id="${sos}"][data-status="acknowledged"]`);
  t.pass('acknowledged on the panel');
  await page.click(`#incident-list li[data-id="${sos}"] button[data-action="close"]`);
  await waitForState(page, 'the closed incident gone', (s) => s.incidents === '1' && s.incidentMarks === '1');
  t.equal(await page.$(`#incident-list li[data-id="${sos}"]`), null, 'closed: off the panel and the map');

  const history = (await call(server.ports.http, DUTY, 'GET', `/api/incidents/${sos}/history`)).json as { action: string; actor: string }[];
  t.same(history.map((e) => e.action), ['opened', 'acknowledged', 'terminal-confirmation', 'closed']);
  t.ok(history.slice(1).every((e) => e.actor === 'duty officer'), 'by the token that did it');
  // the 401s before the token was entered are the browser's own network log lines (the page asks for one)
  t.same(errors.filter((e) => !/401 \(Unauthorized\)/.test(e)), [], 'no errors in the page');
});
