/**
 * Command and dispatch with real terminals over TCP (issue 18): the nearest free units ranked
 * as the great-circle distances worked out here have them, an order that reaches each unit as
 * the urgent text of its edition (JT/T 808-2013 table 38: bit 0 urgent, bit 2 display, bit 3
 * TTS; 2019: bits 0-1 = 10 urgent, textType 1) with its answer on the case's record, a unit
 * engaged until the case closes, an arrival that puts the case on scene, response times per
 * org unit and day, and incidents dispatched the same way; scopes hold on every route.
 */
import t from 'tap';
import type { Test } from 'tap';
import type { Message } from '../../decoders/index.js';
import type { Server } from '../../server/server.js';
import { startTestServer } from './helpers/server.js';
import { call, until } from './helpers/http.js';
import { TestTerminal, locationBody } from './helpers/terminal.js';
import { districtTokens } from '../helpers/district-tokens.js';

const { CITY, JH, HS, tokens: TOKENS } = districtTokens('dispatch', ['read', 'admin', 'command']);
const READER = 'jianghan-reader-token-00000000001';

// the scene, and units around it (metres worked out below by the cosine rule)
const SCENE = { lat: 30.58, lng: 114.28 };
const UNITS = [
  { phone: '013966660001', category: 'bodycam', org: 'wuhan/jianghan/s1', lat: 30.5812, lng: 114.2815, version: '2013' as const },
  { phone: '00000000013966660002', category: 'vehicle', org: 'wuhan/jianghan/s2', lat: 30.5905, lng: 114.2702, version: '2019' as const },
  { phone: '013966660003', category: 'handheld', org: 'wuhan/jianghan/s1', lat: 30.5702, lng: 114.3003, version: '2013' as const },
  { phone: '013966660004', category: 'vehicle', org: 'wuhan/hongshan', lat: 30.5801, lng: 114.2801, version: '2013' as const },
];
const id = (phone: string) => phone.replace(/^0+/, '');

function cosinesM(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const r = Math.PI / 180;
  return 6_371_008.8 * Math.acos(Math.sin(lat1 * r) * Math.sin(lat2 * r) + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.cos((lng2 - lng1) * r));
}

async function start(t: Test, dispatch: object = {}): Promise<{ server: Server; terms: TestTerminal[]; api: (token: string, method: string, path: string, body?: unknown) => ReturnType<typeof call> }> {
  const server = await startTestServer(t, {
    api: {
      tokens: [
        ...TOKENS,
        { token: READER, org: 'wuhan/jianghan', name: 'reader' },
      ],
    },
    dispatch: { arrivalRadiusM: 100, arrivalDwellMs: 0, ...dispatch },
  } as never);
  const api = (token: string, method: string, path: string, body?: unknown) => call(server.ports.http, token, method, path, body);
  t.equal((await api(CITY, 'POST', '/api/devices/import', { terminals: UNITS.map((u) => ({ terminal: id(u.phone), category: u.category, org: u.org })) })).status, 200);
  const terms: TestTerminal[] = [];
  for (const u of UNITS) {
    const term = await TestTerminal.tcp(server.ports.jt808, { phone: u.phone, version: u.version });
    t.teardown(() => term.close());
    await term.login();
    await term.ackOf(term.send(0x0200, locationBody({ lat: u.lat, lng: u.lng, speed: 0 })));
    terms.push(term);
  }
  await until('every unit on the map', () => (UNITS.every((u) => server.map.index.has(id(u.phone))) ? true : undefined));
  return { server, terms, api };
}

t.test('candidates: the nearest free units in scope, nearest first, with distance and ETA', async (t) => {
  const { api } = await start(t);
  const expected = UNITS.slice(0, 3)
    .map((u) => ({ terminal: id(u.phone), d: cosinesM(SCENE.lat, SCENE.lng, u.lat, u.lng), kmh: u.category === 'vehicle' ? 30 : 5 }))
    .sort((a, b) => a.d - b.d);
  const got = await api(JH, 'GET', `/api/dispatch/candidates?lat=${SCENE.lat}&lng=${SCENE.lng}`);
  t.equal(got.status, 200);
  t.same(got.json.items.map((i: { terminal: string }) => i.terminal), expected.map((e) => e.terminal), "nearest first; Hongshan's car, nearer than all, is not Jianghan's to send");
  got.json.items.forEach((item: { distanceM: number; etaS: number }, i: number) => {
    t.ok(Math.abs(item.distanceM - expected[i]!.d) <= 1, `${expected[i]!.terminal}: ${item.distanceM} m (worked out: ${expected[i]!.d.toFixed(1)})`);
    t.ok(Math.abs(item.etaS - expected[i]!.d / (expected[i]!.kmh / 3.6)) <= 1, `ETA at ${expected[i]!.kmh} km/h`);
  });
  const cars = await api(CITY, 'GET', `/api/dispatch/candidates?lat=${SCENE.lat}&lng=${SCENE.lng}&category=vehicle&limit=1`);
  t.same(cars.json.items.map((i: { terminal: string }) => i.terminal), ['13966660004'], 'the city sees every district: the nearest car');
  t.equal((await api(JH, 'GET', '/api/dispatch/candidates?lat=30.5')).status, 400, 'lat without lng');
  t.equal((await api(JH, 'GET', '/api/dispatch/candidates')).status, 400, 'no place at all');
  t.equal((await api(JH, 'GET', '/api/dispatch/candidates?lat=30.5&lng=114.3&category=spaceship')).status, 400);
  const far = await api(JH, 'GET', `/api/dispatch/candidates?lat=${SCENE.lat}&lng=${SCENE.lng}&maxDistanceM=500`);
  t.same(far.json.items.map((i: { terminal: string }) => i.terminal), expected.filter((e) => e.d <= 500).map((e) => e.terminal), 'within 500 m only');
});

t.test('a case dispatched: the text of each edition reaches the units, answers on record, engaged until the case closes', async (t) => {
  const { server, terms, api } = await start(t);
  const created = await api(JH, 'POST', '/api/cases', { id: 'C-808', type: 'dispute', location: SCENE, time: new Date().toISOString(), org: 'wuhan/jianghan', description: '商铺纠纷' });
  t.equal(created.status, 201);
  const byCase = await api(JH, 'GET', '/api/dispatch/candidates?case=C-808&limit=2');
  const pick = byCase.json.items.map((i: { terminal: string }) => i.terminal) as string[];
  t.same(pick, ['13966660001', '13966660002'], 'from the case: its two nearest');

  t.equal((await api(READER, 'POST', '/api/cases/C-808/dispatch', { terminals: pick })).status, 403, 'the read right sends nobody');
  t.equal((await api(JH, 'POST', '/api/cases/C-808/dispatch', { terminals: ['13966660004'] })).status, 404, "another district's unit is unknown");
  t.equal((await api(HS, 'POST', '/api/cases/C-808/dispatch', { terminals: ['13966660004'] })).status, 404, "another district's case is unknown");

  const sending = api(JH, 'POST', '/api/cases/C-808/dispatch', { terminals: pick, note: 'nearest two' });
  const [cam, car] = [terms[0]!, terms[1]!];
  const camText = (await cam.next(0x8300)) as Message<{ flag: number; textType?: number; text: string }>;
  const carText = (await car.next(0x8300)) as Message<{ flag: number; textType?: number; text: string }>;
  t.equal(camText.body.flag, 0b1101, '2013: urgent (bit 0), display (bit 2), TTS (bit 3)');
  t.equal(carText.body.flag, 0b1110, '2019: bits 0-1 = 10 urgent, display, TTS');
  t.equal(carText.body.textType, 1, '2019: textType 1 (notice)');
  t.match(camText.body.text, /dispute 30\.58000,114\.28000 商铺纠纷/, 'the case, the place, its description');
  cam.send(0x0001, { ackSerial: camText.serial, ackMsgId: 0x8300, result: 0 });
  car.send(0x0001, { ackSerial: carText.serial, ackMsgId: 0x8300, result: 0 });
  const sent = await sending;
  t.equal(sent.status, 200);
  t.equal(sent.json.target.status, 'dispatched', 'the case is dispatched');
  t.same(sent.json.orders.map((o: { terminal: string; answer: number }) => [o.terminal, o.answer]), [['13966660001', 0], ['13966660002', 0]]);
  const code = sent.json.orders[0].code as string;
  t.match(code, /^[A-HJ-NP-Z2-9]{6}$/);
  t.match(camText.body.text, code, 'the code is in the text');

  const history = (await api(JH, 'GET', '/api/cases/C-808/history')).json as { action: string; actor: string; changes: Record<string, { to: unknown }>; note?: string }[];
  t.same(history.map((e) => e.action), ['created', 'dispatched', 'dispatched', 'changed', 'terminal-answer', 'terminal-answer']);
  t.same(history.filter((e) => e.action === 'dispatched').map((e) => [e.changes.terminal!.to, e.actor, e.note]), [['13966660001', 'jianghan', 'nearest two'], ['13966660002', 'jianghan', 'nearest two']]);
  t.same(history.filter((e) => e.action === 'terminal-answer').map((e) => (e.changes.answer!.to as { result: number }).result), [0, 0], 'both answers on record');
  t.ok(history.some((e) => e.action === 'changed' && (e.changes.status as { to: string } | undefined)?.to === 'dispatched'), 'the status change on record');

  // engaged: no candidates any more, and no second order
  const now = await api(JH, 'GET', `/api/dispatch/candidates?lat=${SCENE.lat}&lng=${SCENE.lng}`);
  t.same(now.json.items.map((i: { terminal: string }) => i.terminal), ['13966660003'], 'the engaged units are no candidates');
  t.match((await call(server.ports.http, CITY, 'GET', '/metrics')).text, /^dipper_dispatch_engaged_units 2$/m, 'the gauge counts them');
  t.equal((await api(JH, 'POST', '/api/cases', { id: 'C-809', type: 'theft', location: SCENE, time: new Date().toISOString(), org: 'wuhan/jianghan' })).status, 201);
  const twice = await api(JH, 'POST', '/api/cases/C-809/dispatch', { terminals: ['13966660001'] });
  t.equal(twice.status, 409);
  t.match(twice.json.message, /13966660001/);
  t.same((await api(JH, 'GET', '/api/cases/C-809/dispatches')).json, [], 'nothing written for the refused order');

  // closed: free again
  t.equal((await api(JH, 'PATCH', '/api/cases/C-808', { status: 'closed' })).status, 200);
  const freed = await api(JH, 'GET', `/api/dispatch/candidates?lat=${SCENE.lat}&lng=${SCENE.lng}`);
  t.equal(freed.json.items.length, 3, 'released with the case');
  t.ok((await api(JH, 'GET', '/api/cases/C-808/dispatches')).json.every((o: { releasedAt: string | null }) => o.releasedAt !== null));
  t.equal(server.store!.kind, 'pglite');
});

t.test('arrival: a unit at the scene puts the case on scene; response times per org unit and day', async (t) => {
  const { terms, api } = await start(t, { arrivalDwellMs: 2000 });
  t.equal((await api(JH, 'POST', '/api/cases', { id: 'C-900', type: 'traffic', location: SCENE, time: new Date().toISOString(), org: 'wuhan/jianghan/s1' })).status, 201);
  const unit = terms[2]!; // the handheld, 2 km away
  const sending = api(JH, 'POST', '/api/cases/C-900/dispatch', { terminals: ['13966660003'] });
  const text = await unit.next(0x8300);
  unit.send(0x0001, { ackSerial: text.serial, ackMsgId: 0x8300, result: 0 });
  const sent = await sending;
  t.equal(sent.status, 200);
  // 300 m away: not there yet
  await unit.ackOf(unit.send(0x0200, locationBody({ lat: SCENE.lat + 0.0027, lng: SCENE.lng, speed: 5 })));
  // 20 m away, reported until the dwell has passed by the gateway's clock
  const onScene = await until(
    'the case on scene',
    async () => {
      await unit.ackOf(unit.send(0x0200, locationBody({ lat: SCENE.lat + 0.00018, lng: SCENE.lng, speed: 0 })));
      const c = await api(JH, 'GET', '/api/cases/C-900');
      return c.json.status === 'onscene' ? c.json : undefined;
    },
  );
  t.equal(onScene.status, 'onscene');
  const order = (await api(JH, 'GET', '/api/cases/C-900/dispatches')).json[0] as { sentAt: string; arrivedAt: string };
  const took = (Date.parse(order.arrivedAt) - Date.parse(order.sentAt)) / 1000;
  t.ok(took >= 2, `arrived ${took} s after the order: not before the dwell`);
  const history = (await api(JH, 'GET', '/api/cases/C-900/history')).json as { action: string; changes: Record<string, { from?: unknown; to: unknown }> }[];
  t.ok(history.some((e) => e.action === 'arrived'), 'the arrival on record');
  t.match((await api(CITY, 'GET', '/metrics')).text, /^dipper_dispatch_arrivals_total 1$/m, 'counted');
  t.ok(history.some((e) => e.action === 'changed' && e.changes.status?.from === 'dispatched' && e.changes.status?.to === 'onscene'));

  const stats = await api(JH, 'GET', '/api/stats/response-times');
  t.equal(stats.json.timeZone, 'Asia/Shanghai');
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(order.sentAt));
  t.same(stats.json.items, [{ org: 'wuhan/jianghan/s1', day, dispatches: 1, arrived: 1, medianS: Math.round(took * 10) / 10, p90S: Math.round(took * 10) / 10, meanS: Math.round(took * 10) / 10 }]);
  t.same((await api(HS, 'GET', '/api/stats/response-times')).json.items, [], "not Hongshan's");
});

t.test('an incident: acknowledged first, then units sent; it becomes assigned to them', async (t) => {
  const { terms, api } = await start(t);
  // the body camera's SOS opens an incident
  const cam = terms[0]!;
  await cam.ackOf(cam.send(0x0200, locationBody({ alarm: 1, lat: SCENE.lat, lng: SCENE.lng })));
  const incident = await until('the incident', async () => (await api(JH, 'GET', '/api/incidents?kind=sos')).json.items[0] as { id: string } | undefined);
  const early = await api(JH, 'POST', `/api/incidents/${incident.id}/dispatch`, { terminals: ['13966660003'] });
  t.equal(early.status, 409);
  t.match(early.json.message, /acknowledge/);
  const acking = api(JH, 'POST', `/api/incidents/${incident.id}/ack`, {});
  const confirm = await cam.next(0x8203);
  cam.send(0x0001, { ackSerial: confirm.serial, ackMsgId: 0x8203, result: 0 });
  t.equal((await acking).status, 200);
  const near = await api(JH, 'GET', `/api/dispatch/candidates?incident=${incident.id}&category=handheld`);
  t.same(near.json.items.map((i: { terminal: string }) => i.terminal), ['13966660003']);
  const sending = api(JH, 'POST', `/api/incidents/${incident.id}/dispatch`, { terminals: ['13966660003'] });
  const text = await terms[2]!.next(0x8300);
  terms[2]!.send(0x0001, { ackSerial: text.serial, ackMsgId: 0x8300, result: 0 });
  const sent = await sending;
  t.equal(sent.status, 200);
  t.equal(sent.json.target.status, 'assigned');
  const got = (await api(JH, 'GET', `/api/incidents/${incident.id}`)).json;
  t.equal(got.assignee, '13966660003');
  const history = (await api(JH, 'GET', `/api/incidents/${incident.id}/history`)).json.map((e: { action: string }) => e.action);
  t.same(history, ['opened', 'acknowledged', 'terminal-confirmation', 'dispatched', 'assigned', 'terminal-answer']);
  t.equal((await api(HS, 'POST', `/api/incidents/${incident.id}/dispatch`, { terminals: ['13966660004'] })).status, 404);
  t.equal((await api(JH, 'POST', `/api/incidents/${incident.id}/close`, {})).status, 200);
  t.equal((await api(JH, 'GET', `/api/dispatch/candidates?incident=${incident.id}&category=handheld`)).json.items.length, 1, 'closed: the handheld is free');
});
