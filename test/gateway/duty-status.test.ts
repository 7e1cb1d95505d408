/**
 * GET /api/duty-areas/{id}/status with real terminals over TCP (issue 18): who is on post (last
 * fix inside), off post (outside), silent (not heard from within duty.noSignalMs, or heard with
 * no fix), now; the running shift's start (Wuhan's midnight for an all-day shift, worked out
 * from UTC+8); within the token's scope, down to the units (a device moved to another district
 * since it was assigned is not shown to this one).
 */
import t from 'tap';
import { startTestServer } from './helpers/server.js';
import { call, until } from './helpers/http.js';
import { TestTerminal, locationBody } from './helpers/terminal.js';
import { ALWAYS, BEAT, INSIDE, OUTSIDE } from '../helpers/duty.js';
import { districtTokens } from '../helpers/district-tokens.js';

const { CITY, JH, HS, tokens: TOKENS } = districtTokens('duty-status', ['read', 'admin']);
const SILENCE_MS = 6000;

t.test('on post, off post, silent, now; within scope', async (t) => {
  const server = await startTestServer(t, {
    api: {
      tokens: [
        ...TOKENS,
      ],
    },
    duty: { noSignalMs: SILENCE_MS, checkMs: 50 },
  } as never);
  const api = (token: string, method: string, path: string, body?: unknown) => call(server.ports.http, token, method, path, body);
  const ids = ['13988880001', '13988880002', '13988880003', '13988880004'];
  t.equal((await api(CITY, 'POST', '/api/devices/import', { terminals: ids.map((terminal, i) => ({ terminal, category: 'bodycam', org: 'wuhan/jianghan/s1', officer: `officer ${i + 1}` })) })).status, 200);
  t.equal((await api(JH, 'PUT', '/api/duty-areas/beat', { name: '江汉一巡区', org: 'wuhan/jianghan', geometry: BEAT, shifts: ALWAYS, devices: ids })).status, 201);

  const report = async (phone: string, body: object) => {
    const term = await TestTerminal.tcp(server.ports.jt808, { phone });
    t.teardown(() => term.close());
    await term.login();
    await term.ackOf(term.send(0x0200, body));
    return term;
  };
  const onPost = await report('013988880001', locationBody(INSIDE));
  await report('013988880002', locationBody(OUTSIDE));
  await report('013988880003', locationBody({ lat: 0, lng: 0, status: 0x1 })); // heard, no fix
  // 13988880004: never heard from

  const before = Date.now();
  const status = await api(JH, 'GET', '/api/duty-areas/beat/status');
  t.equal(status.status, 200, status.text);
  const s = status.json;
  const names = (list: { terminal: string }[]) => list.map((u) => u.terminal).sort();
  t.same(names(s.onPost), ['13988880001']);
  t.same(names(s.offPost), ['13988880002']);
  t.same(names(s.silent), ['13988880003', '13988880004'], 'heard with no fix, and never heard');
  t.same(s.counts, { assigned: 4, onPost: 1, offPost: 1, silent: 2 });
  t.match(s.onPost[0], { org: 'wuhan/jianghan/s1', category: 'bodycam', lat: INSIDE.lat, lng: INSIDE.lng, officer: 'officer 1' });
  t.equal(s.silent.find((u: { terminal: string }) => u.terminal === '13988880004').lastHeard, null);
  t.equal(s.onShift, true);
  // an all-day shift started at the last midnight in Wuhan (UTC+8, no daylight saving)
  const DAY = 86_400_000;
  const H8 = 8 * 3_600_000;
  t.equal(s.shiftStartedAt, new Date(Math.floor((Date.parse(s.at) + H8) / DAY) * DAY - H8).toISOString());
  t.ok(Date.parse(s.at) >= before);

  // the one on post goes quiet: after duty.noSignalMs it is silent
  const quietSince = Date.now();
  const later = await until('the quiet unit silent', async () => {
    const r = (await api(JH, 'GET', '/api/duty-areas/beat/status')).json;
    return r.silent.some((u: { terminal: string }) => u.terminal === '13988880001') ? r : undefined;
  });
  t.ok(Date.parse(later.at) - quietSince >= 0 && Date.parse(later.at) - Date.parse(later.silent.find((u: { terminal: string }) => u.terminal === '13988880001').lastHeard) >= SILENCE_MS, 'silent once noSignalMs has passed since it was heard');
  await onPost.ackOf(onPost.send(0x0200, locationBody(INSIDE)));
  t.same(names((await api(JH, 'GET', '/api/duty-areas/beat/status')).json.onPost), ['13988880001'], 'heard again: on post');

  t.equal((await api(HS, 'GET', '/api/duty-areas/beat/status')).status, 404, "another district's area");
  t.equal((await api(JH, 'GET', '/api/duty-areas/nowhere/status')).status, 404);
  // the city moves a unit to Hongshan: Jianghan's status no longer shows it
  t.equal((await api(CITY, 'PUT', '/api/devices/13988880002', { category: 'bodycam', org: 'wuhan/hongshan' })).status, 200);
  const term2 = await TestTerminal.tcp(server.ports.jt808, { phone: '013988880002' });
  t.teardown(() => term2.close());
  await term2.login();
  await term2.ackOf(term2.send(0x0200, locationBody(OUTSIDE)));
  const after = (await api(JH, 'GET', '/api/duty-areas/beat/status')).json;
  t.notOk([...after.onPost, ...after.offPost, ...after.silent].some((u: { terminal: string }) => u.terminal === '13988880002'), 'not shown to Jianghan');
  t.equal(after.counts.assigned, 3);
  t.equal((await api(CITY, 'GET', '/api/duty-areas/beat/status')).json.counts.assigned, 4, 'the city sees it still assigned');
});
