/**
 * The simulator's duty areas (issue 18): a scenario with duty.squads gives each squad a duty
 * area around its post (a 12-sided polygon of duty.radiusM, checked here against the haversine
 * distance and the shoelace orientation), assigns its members, registers both through the API,
 * and the units it says will stray leave their area while the others stay on post: the gateway
 * judges them from their reports over TCP and opens an off-post incident for each stray.
 */
import t from 'tap';
import { Fleet } from '../../simulators/fleet.js';
import { buildScenario } from '../../simulators/scenario.js';
import { registerDutyAreas, registerFleet } from '../../simulators/register.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { call, until } from '../gateway/helpers/http.js';

const ADMIN = 'duty-sim-admin-token-000000000001';

/** great-circle distance, haversine, metres (R = 6,371,008.8 m, the IUGG mean radius) */
function metres(a: [number, number], b: [number, number]): number {
  const r = Math.PI / 180;
  const h = Math.sin(((b[1] - a[1]) * r) / 2) ** 2 + Math.cos(a[1] * r) * Math.cos(b[1] * r) * Math.sin(((b[0] - a[0]) * r) / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(h));
}

interface Area {
  id: string;
  properties: { name: string; org: string; shifts: { day: string; start: string; end: string }[]; devices: string[] };
  geometry: { type: 'Polygon'; coordinates: [number, number][][] };
}

t.test('one duty area per squad: its polygon, its shifts, its members', async (t) => {
  const fleet = new Fleet(buildScenario({ vehicles: 3, walkers: 9, seed: 7, duty: { squads: 4, radiusM: 1000, shift: '08:00-20:00' } }));
  const areas = fleet.dutyAreas().features as unknown as Area[];
  t.equal(areas.length, 4);
  t.same(areas.map((a) => a.properties.org), ['wuhan/jiangan/squad-1', 'wuhan/jianghan/squad-1', 'wuhan/qiaokou/squad-1', 'wuhan/hanyang/squad-1']);
  const phones = fleet.terminals.map((x) => x.phone);
  // terminal i is in squad i mod 4
  for (const [k, a] of areas.entries()) t.same(a.properties.devices, phones.filter((_, i) => i % 4 === k), `${a.id}: its members`);
  for (const a of areas) {
    const ring = a.geometry.coordinates[0]!;
    t.equal(ring.length, 13, 'twelve sides, closed');
    t.same(ring[0], ring[12]);
    const post = fleet.squads.find((q) => q.id === a.id)!.post;
    for (const p of ring.slice(0, 12)) t.ok(Math.abs(metres([post.lng, post.lat], p) - 1000) < 5, 'each corner 1000 m from the post');
    let twice = 0;
    for (let i = 0; i < 12; i++) twice += ring[i]![0] * ring[i + 1]![1] - ring[i + 1]![0] * ring[i]![1];
    t.ok(twice > 0, 'counter-clockwise (RFC 7946)');
    t.same(new Set(a.properties.shifts.map((s) => `${s.start}-${s.end}`)), new Set(['08:00-20:00']));
    t.equal(a.properties.shifts.length, 7, 'every day');
  }
  const csv = fleet.devicesCsv().trim().split('\n').slice(1);
  for (const [i, row] of csv.entries()) t.equal(row.split(',')[3], areas[i % 4]!.properties.org, 'registered in its squad');
  t.same(new Fleet(buildScenario({ vehicles: 3, walkers: 9, seed: 7 })).squads, [], 'no squads, no areas, by default');
});

t.test('the strays leave their area and open off-post incidents; the others stay on post', async (t) => {
  const server = await startTestServer(t, { api: { tokens: [{ token: ADMIN, org: '', name: 'admin', rights: ['read', 'admin'] }] }, duty: { offPostGraceMs: 500, checkMs: 50 } } as never);
  const api = (method: string, path: string, body?: unknown) => call(server.ports.http, ADMIN, method, path, body);
  // a report every 5 simulated s, 100 per real second; strays leave at 120 s (about a second in).
  // The device clock starts three hours back: at 100x it would otherwise run past the gateway's
  // normalise.maxFutureMs within seconds, and reports from the future are not positions. No blind
  // areas: a terminal reconnects after a real-time backoff, an age at this speed.
  const fleet = new Fleet(
    buildScenario({
      target: { port: server.ports.jt808 },
      vehicles: 2,
      walkers: 6,
      intervalS: 5,
      speedup: 100,
      startTime: new Date(Date.now() - 3 * 3_600_000).toISOString(),
      blindArea: { perHour: 0 },
      rampS: 0.2,
      replyTimeoutMs: 5000,
      seed: 18,
      duty: { squads: 2, radiusM: 800, strayShare: 0.5, strayAfterS: 120, strayS: 1_000_000 },
    }),
  );
  t.teardown(() => fleet.stop());
  t.ok(fleet.strays.length > 0 && fleet.strays.length < 8, `some stray, some stay (${fleet.strays.length} of 8)`);
  const base = `http://127.0.0.1:${server.ports.http}`;
  t.equal((await registerFleet(fleet.devicesCsv(), base, ADMIN)).devices, 8);
  t.equal(await registerDutyAreas(fleet.dutyAreas(), base, ADMIN), 2);
  fleet.start();

  const ids = fleet.squads.map((q) => q.id);
  const status = async () => {
    const all = await Promise.all(ids.map(async (id) => (await api('GET', `/api/duty-areas/${id}/status`)).json as { onPost: { terminal: string }[]; offPost: { terminal: string }[] }));
    const on = all.flatMap((s) => s.onPost.map((u) => u.terminal)).sort();
    const off = all.flatMap((s) => s.offPost.map((u) => u.terminal)).sort();
    return { on, off };
  };
  const stayed = fleet.terminals.map((x) => x.phone).filter((p) => !fleet.strays.includes(p)).sort();
  const final = await until('the strays off post, the rest on post', async () => {
    const s = await status();
    return JSON.stringify(s.off) === JSON.stringify([...fleet.strays].sort()) && JSON.stringify(s.on) === JSON.stringify(stayed) ? s : undefined;
  });
  t.same(final.on, stayed, 'the others on post');
  const incidents = await until('an off-post incident for each stray', async () => {
    const items = (await api('GET', '/api/incidents?kind=off-post')).json.items as { terminal: string }[];
    return items.length === fleet.strays.length ? items : undefined;
  });
  t.same(incidents.map((i) => i.terminal).sort(), [...fleet.strays].sort());
});
