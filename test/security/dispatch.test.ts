/**
 * Command and dispatch (issue 18) against callers and terminals that do what no duty officer
 * would: a candidate search from the other side of the Earth (it opened every bucket of the
 * city: one read token could hold the event loop), an order racing the close of its target
 * (units engaged for ever on a closed case), response-time statistics over centuries, a
 * hostile platform's 0x8300 to a simulated unit; and the incidents dispatch works on: a
 * terminal's alarm count past its column's range (no incident of anyone written again), a unit
 * moved to another district (its alarms joined its old district's incident).
 */
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import fc from 'fast-check';
import t from 'tap';
import type { Test } from 'tap';
import { FrameSplitter, decodeFrame, encode } from '../../decoders/index.js';
import type { Message } from '../../decoders/index.js';
import { dispatchTextBody } from '../../events/dispatch.js';
import { LiveIndex } from '../../map/live-index.js';
import { nearest } from '../../map/nearest.js';
import type { Server } from '../../server/server.js';
import { Fleet } from '../../simulators/fleet.js';
import { buildScenario } from '../../simulators/scenario.js';
import { TargetNotDispatchable } from '../../store/dispatches.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { call, until } from '../gateway/helpers/http.js';
import type { Answer } from '../gateway/helpers/http.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';
import { districtTokens } from '../helpers/district-tokens.js';

const { CITY, JH, HS, tokens: TOKENS } = districtTokens('dispatch-sec', ['read', 'admin', 'command']);
const SCENE = { lat: 30.58, lng: 114.28 };
const UNIT = { phone: '013977770001', terminal: '13977770001', org: 'wuhan/jianghan' };
type Api = (token: string, method: string, path: string, body?: unknown) => Promise<Answer>;

/** A gateway with the city's, Jianghan's and Hongshan's duty officers and one Jianghan unit online at the scene. */
async function withUnit(t: Test): Promise<{ server: Server; unit: TestTerminal; api: Api }> {
  const server = await startTestServer(t, {
    api: {
      tokens: [
        ...TOKENS,
      ],
    },
  });
  const api: Api = (token, method, path, body) => call(server.ports.http, token, method, path, body);
  t.equal((await api(CITY, 'PUT', `/api/devices/${UNIT.terminal}`, { category: 'bodycam', org: UNIT.org })).status, 200);
  const unit = await TestTerminal.tcp(server.ports.jt808, { phone: UNIT.phone });
  t.teardown(() => unit.close());
  await unit.login();
  await unit.ackOf(unit.send(0x0200, locationBody({ lat: SCENE.lat, lng: SCENE.lng, speed: 0 })));
  await until('the unit on the map', () => (server.map.index.has(UNIT.terminal) ? true : undefined));
  return { server, unit, api };
}

/** The unit answers every order's text (0x8300) with success until the test ends. */
function answerOrders(t: Test, unit: TestTerminal): void {
  let on = true;
  t.teardown(() => void (on = false));
  void (async () => {
    while (on && !unit.closed) {
      const text = await unit.next(0x8300).catch(() => undefined);
      if (text) unit.send(0x0001, { ackSerial: text.serial, ackMsgId: 0x8300, result: 0 });
    }
  })();
}

const R = 6_371_008.8;
/**
 * Great-circle metres from the angle between the two points' unit vectors, atan2(|a×b|, a·b):
 * another formula than the code's haversine, and well conditioned at every distance.
 */
function vectorM(lng1: number, lat1: number, lng2: number, lat2: number): number {
  const r = Math.PI / 180;
  const v = (lng: number, lat: number) => [Math.cos(lat * r) * Math.cos(lng * r), Math.cos(lat * r) * Math.sin(lng * r), Math.sin(lat * r)] as const;
  const [ax, ay, az] = v(lng1, lat1);
  const [bx, by, bz] = v(lng2, lat2);
  const cross = Math.hypot(ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx);
  return R * Math.atan2(cross, ax * bx + ay * by + az * bz);
}

t.test('a candidate search from far away opens a few buckets, not the whole city', async (t) => {
  // 100,000 units over Wuhan (1.2° x 0.8°), as the benchmark spreads a city's
  let seed = 18;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const n = 100_000;
  const index = new LiveIndex();
  for (let i = 0; i < n; i++) index.upsert(String(i), 113.7 + rand() * 1.2, 30.2 + rand() * 0.8, 0, 'wuhan', false, 0, 0, Date.now());
  const all = index.selection({}, () => true);
  const work = (lng: number, lat: number, k: number) => {
    let looked = 0;
    const found = nearest(index, lng, lat, k, all, () => (looked++, true));
    return { looked, found };
  };
  const inCity = work(114.3, 30.6, 100).looked;
  // the places a query string allows (lat ±85, lng ±180) and a case allows (lat ±90): another
  // continent, the poles, the antimeridian, Wuhan's antipode (every unit almost equally far)
  for (const [lng, lat] of [[-66, 10], [-65.7, -30.6], [0, 0], [180, 85], [-180, -85], [114.3, 90], [114.3, -90]] as const) {
    const { looked, found } = work(lng, lat, 100);
    t.equal(found.length, 100);
    // before: 18,000 to 100,000 units looked at (the whole city from the antipode)
    t.ok(looked <= 1000, `from ${lat},${lng}: ${looked} units looked at (in the city: ${inCity}; the fleet: ${n})`);
  }
});

t.test('from anywhere on Earth the k nearest are those a brute force finds', async (t) => {
  const unit = fc.record({ lng: fc.double({ min: -180, max: 180, noNaN: true }), lat: fc.double({ min: -85, max: 85, noNaN: true }) });
  fc.assert(
    fc.property(fc.array(unit, { minLength: 1, maxLength: 300 }), fc.record({ lng: fc.double({ min: -180, max: 180, noNaN: true }), lat: fc.double({ min: -90, max: 90, noNaN: true }) }), fc.integer({ min: 1, max: 20 }), (units, at, k) => {
      const index = new LiveIndex();
      units.forEach((u, i) => index.upsert(`t${i}`, u.lng, u.lat, 0, 'x', false, 0, 0, Date.now()));
      const got = nearest(index, at.lng, at.lat, k, index.selection({}, () => true));
      const model = units.map((u) => vectorM(at.lng, at.lat, u.lng, u.lat)).sort((a, b) => a - b).slice(0, k);
      if (got.length !== model.length) throw new Error(`${got.length} found, the model has ${model.length}`);
      // two formulas: equal to a decimetre
      got.forEach((g, i) => {
        if (Math.abs(g.distanceM - model[i]!) > 0.1) throw new Error(`rank ${i}: ${g.distanceM} m, the model ${model[i]} m`);
      });
    }),
    { numRuns: 300 },
  );
  t.pass('300 fleets and places anywhere, the antimeridian and the poles included');
});

t.test('an order racing the close of its target engages nobody for ever', async (t) => {
  const { server, unit, api } = await withUnit(t);
  const store = server.store!;
  answerOrders(t, unit);
  const newCase = (id: string) => api(JH, 'POST', '/api/cases', { id, type: 'dispute', location: SCENE, time: new Date().toISOString(), org: UNIT.org });
  const send = (id: string) => api(JH, 'POST', `/api/cases/${id}/dispatch`, { terminals: [UNIT.terminal] });

  // a case: the route has read it (open) and checked the unit; before its orders are written,
  // another duty officer closes the case
  t.equal((await newCase('RACE-1')).status, 201);
  const [seen] = await store.cases.find('wuhan/jianghan', 'RACE-1');
  t.equal(seen?.status, 'open', 'what the route read');
  t.equal((await api(JH, 'PATCH', '/api/cases/RACE-1', { status: 'closed' })).status, 200);
  await t.rejects(store.dispatches.create({ type: 'case', org: seen!.org, id: seen!.id }, SCENE, [{ terminal: UNIT.terminal, org: UNIT.org }], 'jianghan duty officer'), TargetNotDispatchable, 'the order is refused');
  t.same(await store.dispatches.engaged(), [], 'nobody engaged (before: the unit, for ever: a closed case is never closed again)');
  t.same((await api(JH, 'GET', '/api/cases/RACE-1/dispatches')).json, [], 'no order on the closed case');
  t.equal((await newCase('RACE-2')).status, 201);
  t.equal((await send('RACE-2')).status, 200, 'the unit can be sent to the next case');
  t.equal((await api(JH, 'PATCH', '/api/cases/RACE-2', { status: 'closed' })).status, 200);

  // an incident: acknowledged (the route read it), then closed by another officer
  await unit.ackOf(unit.send(0x0200, locationBody({ alarm: 1, lat: SCENE.lat, lng: SCENE.lng })));
  const incident = await until('the SOS incident', async () => (await api(JH, 'GET', '/api/incidents?kind=sos')).json.items[0] as { id: string } | undefined);
  const acking = api(JH, 'POST', `/api/incidents/${incident.id}/ack`, {});
  const confirm = await unit.next(0x8203);
  unit.send(0x0001, { ackSerial: confirm.serial, ackMsgId: 0x8203, result: 0 });
  t.equal((await acking).status, 200);
  const acked = await store.incidents.get('wuhan/jianghan', incident.id);
  t.equal(acked?.status, 'acknowledged', 'what the route read');
  t.equal((await api(JH, 'POST', `/api/incidents/${incident.id}/close`, {})).status, 200);
  await t.rejects(store.dispatches.create({ type: 'incident', org: acked!.org, id: acked!.id }, SCENE, [{ terminal: UNIT.terminal, org: UNIT.org }], 'jianghan duty officer'), TargetNotDispatchable);
  t.same(await store.dispatches.engaged(), [], 'nobody engaged');

  // and over HTTP: an order and a close at once, round after round; whichever wins, nobody
  // stays engaged on a closed case
  for (let round = 0; round < 6; round++) {
    const id = `RACE-H${round}`;
    t.equal((await newCase(id)).status, 201);
    const [sent, closed] = await Promise.all([send(id), api(JH, 'PATCH', `/api/cases/${id}`, { status: 'closed' })]);
    t.ok([200, 409].includes(sent.status) && closed.status === 200, `round ${round}: order ${sent.status}, close ${closed.status}`);
    t.same(await store.dispatches.engaged(), [], `round ${round}: nobody engaged`);
  }
});

t.test('response times: at most a year per request', async (t) => {
  const { api } = await withUnit(t);
  const ask = (from: string, to: string) => api(JH, 'GET', `/api/stats/response-times?from=${from}&to=${to}`);
  // two centuries in one request: before, every order ever written aggregated, a row per org unit and day
  const centuries = await ask('1900-01-01T00:00:00Z', '2100-01-01T00:00:00Z');
  t.equal(centuries.status, 400, 'two centuries');
  t.match(centuries.json.message, /366 days/);
  t.equal((await ask('2025-01-01T00:00:00Z', '2026-01-02T00:00:01Z')).status, 400, 'a year and a day and a second');
  t.equal((await ask('2026-01-02T00:00:00Z', '2025-01-01T00:00:00Z')).status, 400, 'to before from');
  t.equal((await ask('2025-01-01T00:00:00Z', '2026-01-02T00:00:00Z')).status, 200, '366 days');
  t.equal((await api(JH, 'GET', '/api/stats/response-times')).status, 200, 'the default week');
});

t.test("a simulated unit survives any platform's 0x8300", async (t) => {
  // a platform that logs the unit in, acknowledges everything and then sends what it likes
  const uplinks: Message[] = [];
  const waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  const got = (match: (m: Message) => boolean) =>
    new Promise<Message>((resolve) => {
      const i = uplinks.findIndex(match);
      if (i >= 0) resolve(uplinks.splice(i, 1)[0]!);
      else waiters.push({ match, resolve });
    });
  let socket: Socket | undefined;
  let serial = 0;
  let who: { version: Message['version']; phone: string } | undefined;
  const down = (msgId: number, body: object, extra: object = {}) => {
    const s = serial++;
    socket!.write(encode({ msgId, version: who!.version, phone: who!.phone, serial: s, ...(who!.version === '2019' ? { protocolVersion: 1 } : {}), ...extra, body }));
    return s;
  };
  const platform = createServer((sock) => {
    socket = sock;
    const splitter = new FrameSplitter();
    sock.on('error', () => undefined);
    sock.on('data', (chunk) =>
      splitter.push(
        chunk,
        (frame) => {
          const r = decodeFrame(frame);
          if (!r.ok || 'part' in r.message) return;
          const m = r.message;
          who = { version: m.version, phone: m.phone };
          if (m.msgId === 0x0100) down(0x8100, { ackSerial: m.serial, result: 0, authCode: 'hostile-platform' });
          else if (m.msgId !== 0x0001) down(0x8001, { ackSerial: m.serial, ackMsgId: m.msgId, result: 0 });
          const i = waiters.findIndex((w) => w.match(m));
          if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m);
          else uplinks.push(m);
        },
        () => undefined,
      ),
    );
  });
  await new Promise<void>((resolve) => platform.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => platform.close(resolve)));
  const port = (platform.address() as AddressInfo).port;
  const fleet = new Fleet(buildScenario({ target: { port }, vehicles: 1, walkers: 0, intervalS: 5, speedup: 100, rampS: 0.1, replyTimeoutMs: 5000, seed: 808 }, {}));
  t.teardown(() => fleet.stop());
  fleet.start();
  await got((m) => m.msgId === 0x0102);
  await got((m) => m.msgId === 0x0200);

  const answerTo = (s: number) => got((m) => m.msgId === 0x0001 && (m.body as { ackSerial: number }).ackSerial === s);
  const text = (body: string) => down(0x8300, dispatchTextBody(who!.version === '2019' ? '2019' : '2013', body));
  // an encrypted body (RSA bit): no text to read, and the unit had read `.text` of what it got
  const sealed = down(0x8300, { raw: Buffer.from('0d41ffee', 'hex') }, { encryption: 1 });
  const answer = (await answerTo(sealed)).body as { ackMsgId: number; result: number };
  t.equal(answer.ackMsgId, 0x8300);
  t.not(answer.result, 0, `an order it cannot read is not taken (result ${answer.result})`);
  // places at the ends of the Earth, a text of digits and dots, nothing at all
  for (const body of ['【派警】POLE01 x 90.00000,180.00000', '【派警】POLE02 x -90.00000,-180.00000', `【派警】${'1.111,'.repeat(150)}`, '【派警】', '']) {
    t.equal(((await answerTo(text(body))).body as { result: number }).result, 0, `answered: ${body.slice(0, 30)}`);
  }
  // and still reporting, from positions on the Earth
  for (let i = 0; i < 5; i++) {
    const report = (await got((m) => m.msgId === 0x0200)).body as { lat: number; lng: number };
    t.ok(Number.isFinite(report.lat) && Math.abs(report.lat) <= 90 && Number.isFinite(report.lng) && Math.abs(report.lng) <= 180, `a report from ${report.lat},${report.lng}`);
  }
});

t.test("an incident's alarm count saturates: one terminal's events never stop every incident being written", async (t) => {
  const { server, unit, api } = await withUnit(t);
  const sos = (on: boolean) => unit.ackOf(unit.send(0x0200, locationBody({ alarm: on ? 1 : 0, lat: SCENE.lat, lng: SCENE.lng })));
  await sos(true);
  const first = await until('the SOS incident', async () => (await api(JH, 'GET', '/api/incidents?kind=sos')).json.items[0] as { id: string } | undefined);
  // 2^31 - 1 alarms: what a terminal reaches in hours of active-safety events (each one counts),
  // put in directly rather than sent
  await server.store!.db.query('UPDATE incidents SET alarm_count = 2147483647 WHERE id = $1', [first.id]);
  await sos(false);
  await sos(true);
  // another terminal's SOS, written after (or with) the one past the count's range
  t.equal((await api(CITY, 'PUT', '/api/devices/13977770002', { category: 'vehicle', org: UNIT.org })).status, 200);
  const other = await TestTerminal.tcp(server.ports.jt808, { phone: '013977770002' });
  t.teardown(() => other.close());
  await other.login();
  await other.ackOf(other.send(0x0200, locationBody({ alarm: 1, lat: SCENE.lat, lng: SCENE.lng })));
  const written = await until('the other terminal\'s incident', async () => (await api(JH, 'GET', '/api/incidents?kind=sos&terminal=13977770002')).json.items[0] as object | undefined);
  t.ok(written, "the other terminal's incident is written (before: the batch failed on the count, was retried for ever with every alarm after it, and none was written)");
  t.equal((await api(JH, 'GET', `/api/incidents/${first.id}`)).json.alarmCount, 2147483647, 'the count stays at its greatest value');
  t.equal((await api(CITY, 'GET', '/readyz')).json.status, 'ready', 'the database is not reported away (before: degraded, the writer failing)');
});

t.test("a unit moved to another district: its alarms are the new district's, never its old one's", async (t) => {
  const { unit, api } = await withUnit(t);
  const sos = (on: boolean, at = SCENE) => unit.ackOf(unit.send(0x0200, locationBody({ alarm: on ? 1 : 0, lat: at.lat, lng: at.lng })));
  await sos(true);
  const old = await until('the Jianghan SOS incident', async () => (await api(JH, 'GET', '/api/incidents?kind=sos')).json.items[0] as { id: string; location: object } | undefined);
  // the body camera goes to Hongshan, its Jianghan incident not yet closed; there, its officer presses SOS
  t.equal((await api(CITY, 'PUT', `/api/devices/${UNIT.terminal}`, { category: 'bodycam', org: 'wuhan/hongshan' })).status, 200);
  const inHongshan = { lat: 30.5069, lng: 114.4113 };
  await sos(false, inHongshan);
  await sos(true, inHongshan);
  const theirs = await until('the SOS in Hongshan', async () => (await api(HS, 'GET', '/api/incidents?kind=sos')).json.items[0] as { id: string; org: string; location: object } | undefined);
  t.ok(theirs, "Hongshan's duty officer sees its officer's SOS (before: it joined Jianghan's incident, Hongshan saw nothing)");
  t.same(theirs?.location, inHongshan);
  const kept = (await api(JH, 'GET', `/api/incidents/${old.id}`)).json as { location: object; alarmCount: number };
  t.same(kept.location, SCENE, "Jianghan's incident does not follow the unit into Hongshan (before: it showed where Hongshan's officer was)");
  t.equal(kept.alarmCount, 1);
  // Jianghan acknowledging its old incident confirms nothing at a terminal that is Hongshan's now
  const acked = await api(JH, 'POST', `/api/incidents/${old.id}/ack`, {});
  t.equal(acked.status, 200);
  t.same(acked.json.confirmation, { sent: false, reason: 'out-of-scope' }, 'no 0x8203 to another district\'s terminal');
  t.notOk(unit.received.some((m) => m.msgId === 0x8203), 'none received');
});
