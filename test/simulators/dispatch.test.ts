/**
 * Simulated units answer a dispatch order (issue 18): the terminal acknowledges the 0x8300,
 * goes to the place in its text, and the gateway records its arrival: the case goes on scene.
 * A fast simulated clock (speedup 100): a report every 50 ms of wall time.
 */
import t from 'tap';
import { Fleet } from '../../simulators/fleet.js';
import { dispatchPlace } from '../../simulators/movers.js';
import { buildScenario } from '../../simulators/scenario.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { call, until } from '../gateway/helpers/http.js';

const DUTY = 'duty-officer-token-00000000000001';

t.test('the place of an order is read from its text', async (t) => {
  t.same(dispatchPlace('【派警】K7Q2ZX dispute 30.58000,114.28000 商铺纠纷'), { lat: 30.58, lng: 114.28 });
  t.same(dispatchPlace('【派警】K7Q2ZX sos -33.86880,151.20930'), { lat: -33.8688, lng: 151.2093 });
  t.equal(dispatchPlace('no place here 12,34'), undefined);
  t.equal(dispatchPlace('【派警】X y 95.00000,114.00000'), undefined, 'not a latitude');
});

t.test('a simulated unit sent to a case goes there and arrives', async (t) => {
  const server = await startTestServer(t, { api: { tokens: [{ token: DUTY, org: '', name: 'duty officer', rights: ['read', 'admin', 'command'] }] }, dispatch: { arrivalRadiusM: 60, arrivalDwellMs: 0 } } as never);
  const fleet = new Fleet(buildScenario({ target: { port: server.ports.jt808 }, vehicles: 2, walkers: 2, intervalS: 5, speedup: 100, rampS: 0.2, replyTimeoutMs: 5000, seed: 18 }, {}));
  t.teardown(() => fleet.stop());
  const api = (method: string, path: string, body?: unknown) => call(server.ports.http, DUTY, method, path, body);
  t.equal((await call(server.ports.http, DUTY, 'POST', '/api/devices/import', fleet.devicesCsv(), 'text/csv')).status, 200);
  fleet.start();
  await until('the fleet on the map', async () => ((await api('GET', '/api/terminals')).json.total === 4 ? true : undefined));

  // a case 600 m north of the first walker; the nearest body camera or handheld is sent
  const walker = fleet.terminals.find((x) => x.spec.kind !== 'vehicle')!;
  const where = (await api('GET', `/api/terminals/${walker.phone}`)).json.position as { lat: number; lng: number };
  const scene = { lat: Math.round((where.lat + 0.0054) * 1e5) / 1e5, lng: Math.round(where.lng * 1e5) / 1e5 };
  t.equal((await api('POST', '/api/cases', { id: 'SIM-1', type: 'dispute', location: scene, time: new Date().toISOString(), org: (await api('GET', `/api/terminals/${walker.phone}`)).json.org ?? '' })).status, 201);
  const nearest = (await api('GET', '/api/dispatch/candidates?case=SIM-1&category=bodycam,handheld&limit=1')).json.items[0] as { terminal: string; distanceM: number };
  t.ok(nearest.distanceM > 100, `the nearest walker is ${nearest.distanceM} m away`);
  const sent = await api('POST', '/api/cases/SIM-1/dispatch', { terminals: [nearest.terminal] });
  t.equal(sent.status, 200);
  t.equal(sent.json.orders[0].answer, 0, 'the simulated terminal acknowledged the order');

  const onScene = await until('the unit on scene', async () => ((await api('GET', '/api/cases/SIM-1')).json.status === 'onscene' ? true : undefined));
  t.ok(onScene);
  const order = (await api('GET', '/api/cases/SIM-1/dispatches')).json[0] as { arrivedAt: string | null };
  t.ok(order.arrivedAt, 'the arrival on the order');
  t.equal(fleet.stats.snapshot().dispatched, 1, 'the fleet counts the order it answered');
});
