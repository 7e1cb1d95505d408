/**
 * Dispatch from the page in headless Chromium (issue 18): the duty officer clicks a case on the
 * map, sees the nearest free units with distance and ETA, sends the nearest; its terminal gets
 * the order over TCP and answers; a line joins the unit to the case until the unit reports from
 * the scene, when it arrives and the case goes on scene.
 */
import t from 'tap';
import type { Message } from '../../decoders/index.js';
import { ensureWebBuilt } from '../../web/build.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';
import { call, until } from '../gateway/helpers/http.js';
import { chromiumPath, openBrowser, screenshot, waitForState } from './helpers/browser.js';

t.setTimeout(240_000);
const DUTY = 'duty-officer-token-dispatch-000001';
const SCENE = { lat: 30.58, lng: 114.28 };

t.test('a duty officer dispatches a unit from a case and sees it arrive', async (t) => {
  chromiumPath(); // fails here, saying how to install it, when there is no browser
  await ensureWebBuilt();
  const server = await startTestServer(t, { api: { tokens: [{ token: DUTY, org: '', name: 'duty officer', rights: ['read', 'admin', 'command'] }] }, dispatch: { arrivalRadiusM: 50, arrivalDwellMs: 0 } } as never);
  const api = (method: string, path: string, body?: unknown) => call(server.ports.http, DUTY, method, path, body);
  t.equal((await api('POST', '/api/devices/import', { terminals: [{ terminal: '13977770001', category: 'bodycam', org: 'wuhan/jianghan', officer: '李警官' }, { terminal: '13977770002', category: 'vehicle', org: 'wuhan/jianghan' }] })).status, 200);
  const cam = await TestTerminal.tcp(server.ports.jt808, { phone: '013977770001' });
  const car = await TestTerminal.tcp(server.ports.jt808, { phone: '00000000013977770002', version: '2019' });
  t.teardown(() => (cam.close(), car.close()));
  await cam.login();
  await car.login();
  // the camera 400 m north of the scene, the car 1.5 km east
  await cam.ackOf(cam.send(0x0200, locationBody({ lat: SCENE.lat + 0.0036, lng: SCENE.lng, speed: 0 })));
  await car.ackOf(car.send(0x0200, locationBody({ lat: SCENE.lat, lng: SCENE.lng + 0.0156, speed: 0 })));
  t.equal((await api('POST', '/api/cases', { id: 'WEB-1', type: 'dispute', location: SCENE, time: new Date().toISOString(), org: 'wuhan/jianghan' })).status, 201);

  const { page, errors } = await openBrowser(t);
  await page.goto(`http://127.0.0.1:${server.ports.http}`);
  await page.waitForSelector('body[data-token-prompt="open"]');
  await page.fill('#token-input', DUTY);
  await page.click('#token-ok');
  await waitForState(page, 'the map ready', (s) => s.ready === 'true');
  await page.evaluate(([lng, lat]) => (globalThis as unknown as { dipperMap: { jumpTo(o: object): void } }).dipperMap.jumpTo({ center: [lng, lat], zoom: 14 }), [SCENE.lng, SCENE.lat]);
  await waitForState(page, 'the case drawn', (s) => s.cases === '1');
  // click where the case is drawn
  const at = await page.evaluate(([lng, lat]) => {
    const map = (globalThis as unknown as { dipperMap: { project(p: [number, number]): { x: number; y: number }; getContainer(): { getBoundingClientRect(): { left: number; top: number } } } }).dipperMap;
    const p = map.project([lng!, lat!]);
    const box = map.getContainer().getBoundingClientRect();
    return { x: box.left + p.x, y: box.top + p.y };
  }, [SCENE.lng, SCENE.lat]);
  await page.mouse.click(at.x, at.y);
  await waitForState(page, 'two candidates', (s) => s.candidates === '2');
  const rows = await page.$$eval('#dispatch-list li', (els) => els.map((e) => [(e as unknown as { dataset: { terminal: string } }).dataset.terminal, (e as unknown as { textContent: string }).textContent]));
  t.same(rows.map((r) => r[0]), ['13977770001', '13977770002'], 'nearest first: the camera, then the car');
  t.match(rows[0]![1], /李警官 · body camera · 400 m · about 5 min/, 'who, what, how far, how long (400 m at 5 km/h)');
  t.match(rows[1]![1], /13977770002 · vehicle · 1493 m · about 3 min/, 'the car: 1.5 km at 30 km/h');
  await screenshot(page, 'dispatch-candidates');

  // send the nearest (ticked by default); its terminal gets the order and answers
  await page.click('#dispatch-send');
  const order = (await cam.next(0x8300)) as Message<{ text: string }>;
  t.match(order.body.text, /^【派警】[A-HJ-NP-Z2-9]{6} dispute 30\.58000,114\.28000/);
  cam.send(0x0001, { ackSerial: order.serial, ackMsgId: 0x8300, result: 0 });
  await waitForState(page, 'a line from the unit to the case', (s) => s.dispatchLines === '1');
  t.match(await page.textContent('#dispatch-status'), /sent: 1 \(answered 1\)/);
  t.equal((await api('GET', '/api/cases/WEB-1')).json.status, 'dispatched');

  // the unit reports from the scene: arrived, the line gone, the case on scene
  await cam.ackOf(cam.send(0x0200, locationBody({ lat: SCENE.lat + 0.0002, lng: SCENE.lng, speed: 0 })));
  await until('the case on scene', async () => ((await api('GET', '/api/cases/WEB-1')).json.status === 'onscene' ? true : undefined));
  await waitForState(page, 'the unit arrived, no line left', (s) => s.dispatchArrived === '1' && s.dispatchLines === '0');
  t.pass('arrived');
  // the 401s before the token was entered are the browser's own network log lines (the page asks for one)
  t.same(errors.filter((e) => !/401 \(Unauthorized\)/.test(e)), [], 'no errors in the page');
});
