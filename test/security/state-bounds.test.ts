/**
 * Issue 14, section 6: "state keyed by attacker input is bounded". Every phone that passes
 * authentication used to stay in the live indexes (the map's and /api/live's, one index since
 * issue 15) and keep a track ring for good: 80,000 made-up phones were 80,000 entries after disconnect. Now a terminal the
 * registry does not list is dropped once not heard from for map.offlineAfterMs +
 * map.unregisteredGraceMs, and at most map.maxUnregistered of them are held (past it the least
 * recently heard goes). Registered terminals are bounded by the registry and stay.
 *
 * Expected numbers are worked out from the settings: with a cap of 500 and 2,000 made-up phones,
 * 500 are held and 2,000 - 500 = 1,500 were pushed out.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { MapMetrics } from '../../map/metrics.js';
import type { Server } from '../../server/server.js';
import { authCodeFor } from '../../gateway/session/auth-code.js';
import { TEST_SECRET, startTestServer } from '../gateway/helpers/server.js';
import { until } from '../gateway/helpers/http.js';
import { TestTerminal, authBody, locationBody } from '../gateway/helpers/terminal.js';

const REGISTERED = '013900000001';
const CAP = 500;
const PHONES = 2000;
/** connections at once while flooding (one phone per connection: one identity per connection) */
const PARALLEL = 20;

function madeUp(i: number): string {
  return `0150${String(i).padStart(8, '0')}`;
}

/** One connection: 0x0102 with the phone's valid code, one 0x0200, then gone. Returns the 0x0200 result. */
async function reportOnce(port: number, phone: string, alarm = 0): Promise<number> {
  const term = await TestTerminal.tcp(port, { phone });
  try {
    const code = authCodeFor(TEST_SECRET, phone.replace(/^0+/, ''), { terminalId: 'T000001', epoch: 0 });
    const auth = term.send(0x0102, authBody(term.version, code));
    const pos = term.send(0x0200, locationBody({ alarm, lat: 30.5 + (Number(phone.slice(-4)) % 100) / 1000 }));
    if ((await term.ackOf(auth)).result !== 0) throw new Error(`authentication refused for ${phone}`);
    return (await term.ackOf(pos)).result;
  } finally {
    term.close();
  }
}

async function flood(server: Server, phones: string[], check: () => void, alarm = 0): Promise<void> {
  for (let i = 0; i < phones.length; i += PARALLEL) {
    const results = await Promise.all(phones.slice(i, i + PARALLEL).map((p) => reportOnce(server.ports.jt808, p, alarm)));
    if (results.some((r) => r !== 0)) throw new Error('a location report was refused');
    check();
  }
}

async function counter(metrics: MapMetrics, labels: Record<string, string>, which: 'liveEvictions' | 'casesDropped' = 'liveEvictions'): Promise<number> {
  const { values } = await metrics[which].get();
  return values.find((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x))?.value ?? 0;
}

async function gauge(metrics: MapMetrics, labels: Record<string, string>): Promise<number | undefined> {
  const { values } = await metrics.liveEntries.get();
  return values.find((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x))?.value;
}

function registryWith(phone: string): { file: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dipper-bounds-'));
  const file = join(dir, 'devices.json');
  writeFileSync(file, JSON.stringify({ terminals: [{ terminal: phone.replace(/^0+/, ''), category: 'vehicle', org: 'wuhan/jianghan' }] }));
  return { file, dir };
}

t.test('2,000 made-up phones hold at most map.maxUnregistered entries in the live index (and in /api/live); the registered terminal stays', async (t) => {
  const reg = registryWith(REGISTERED);
  t.teardown(() => rmSync(reg.dir, { recursive: true, force: true }));
  // expiry far away: only the cap is at work here
  const server = await startTestServer(t, { devices: reg.file, map: { maxUnregistered: CAP, offlineAfterMs: 600_000, unregisteredGraceMs: 600_000 } });
  const { map } = server;
  t.equal(await reportOnce(server.ports.jt808, REGISTERED), 0, 'the registered terminal reports');
  const registered = REGISTERED.replace(/^0+/, '');
  let most = 0;
  const phones = Array.from({ length: PHONES }, (_, i) => madeUp(i));
  await flood(server, phones, () => {
    most = Math.max(most, map.unregistered.size);
    // the cap holds at every step, in the map index, the positions it keeps for /api/live and its track rings
    const kept = map.index.positions().length;
    if (map.index.size > CAP + 1 || kept > CAP + 1 || map.ring.terminals > CAP + 1) throw new Error(`over the cap: map ${map.index.size}, positions ${kept}, rings ${map.ring.terminals}`);
  });
  // the sinks see each position once the queue delivers it: wait for the last one
  await until('the last phone indexed', () => map.unregistered.has(phones.at(-1)!.replace(/^0+/, '')) && map.index.position(phones.at(-1)!.replace(/^0+/, '')) !== undefined);
  t.equal(most, CAP, 'the unregistered count reached the cap and never passed it');
  t.equal(map.index.size, CAP + 1, 'map index: the cap plus the registered terminal');
  const answer = (await (await fetch(`http://127.0.0.1:${server.ports.http}/api/live`)).json()) as { positions: { terminal: string }[] };
  t.equal(answer.positions.length, CAP + 1, '/api/live: the cap plus the registered terminal');
  t.equal(map.ring.terminals, CAP + 1, 'track rings go with their index entries');
  t.ok(map.index.has(registered) && map.index.position(registered), 'the registered terminal is still indexed, with its position');
  t.notOk(map.index.has(madeUp(0).replace(/^0+/, '')), 'the least recently heard phone was pushed out');
  t.equal(await counter(server.map.metrics, { index: 'map', reason: 'cap' }), PHONES - CAP, 'map evictions at the cap counted');
  // the gauges are refreshed by the map's sweep (every 5 s)
  await until('entries by kind: unregistered at the cap', async () => (await gauge(server.map.metrics, { index: 'map', kind: 'unregistered' })) === CAP);
  t.equal(await gauge(server.map.metrics, { index: 'map', kind: 'unregistered' }), CAP, 'entries by kind: unregistered');
  t.equal(await gauge(server.map.metrics, { index: 'map', kind: 'registered' }), 1, 'entries by kind: registered');
});

t.test('after disconnect, made-up phones expire after offlineAfterMs + unregisteredGraceMs; the registered terminal only turns offline', async (t) => {
  const reg = registryWith(REGISTERED);
  t.teardown(() => rmSync(reg.dir, { recursive: true, force: true }));
  const server = await startTestServer(t, { devices: reg.file, map: { maxUnregistered: CAP, offlineAfterMs: 1000, unregisteredGraceMs: 500 } });
  const { map } = server;
  t.equal(await reportOnce(server.ports.jt808, REGISTERED), 0, 'the registered terminal reports');
  const registered = REGISTERED.replace(/^0+/, '');
  const phones = Array.from({ length: PHONES }, (_, i) => madeUp(i));
  await flood(server, phones, () => {
    if (map.unregistered.size > CAP || map.index.positions().length > CAP + 1) throw new Error('over the cap');
  });
  // every connection is closed; nothing reports any more: the made-up phones must go
  await until('only the registered terminal left in the index, its positions and the rings', () => map.index.size === 1 && map.index.positions().length === 1 && map.ring.terminals === 1);
  t.ok(map.index.has(registered) && map.index.position(registered), 'the registered terminal stays');
  await until('the registered terminal turns offline', () => map.index.get(registered)?.online === false);
  t.equal(map.unregistered.size, 0, 'no unregistered entries left');
  const expired = (await counter(server.map.metrics, { index: 'map', reason: 'expired' })) + (await counter(server.map.metrics, { index: 'map', reason: 'cap' }));
  t.equal(expired, PHONES, 'every made-up phone left the map index, counted as expired or pushed out');
});

t.test('track rings and the alarm tracker hold at most map.trackMaxTerminals and normalise.maxAlarmTerminals', async (t) => {
  const RINGS = 100;
  const ALARMS = 50;
  const N = 300;
  const server = await startTestServer(t, { map: { trackMaxTerminals: RINGS }, normalise: { maxAlarmTerminals: ALARMS } });
  const { map } = server;
  const metrics = server.gateway.metrics;
  const mapMetrics = server.map.metrics;
  const phones = Array.from({ length: N }, (_, i) => madeUp(i));
  let most = 0;
  // every report with the emergency bit (alarm bit 0) set: each phone is an alarm start to remember
  await flood(
    server,
    phones,
    () => {
      most = Math.max(most, map.ring.terminals);
      if (map.ring.terminals > RINGS) throw new Error(`${map.ring.terminals} track rings`);
      if (server.gateway.normalise.alarms.size > ALARMS) throw new Error(`${server.gateway.normalise.alarms.size} terminals in the alarm tracker`);
    },
    1,
  );
  const last = phones.at(-1)!.replace(/^0+/, '');
  await until('the last phone on the map', () => map.index.has(last));
  t.equal(most, RINGS, 'track rings reached map.trackMaxTerminals and never passed it');
  t.equal((await map.tracks.track(last, 0, Date.now() + 60_000)).length, 1, 'the newest terminal has its track');
  t.equal((await mapMetrics.trackTerminals.get()).values[0]?.value, RINGS, 'dipper_track_ring_terminals');
  t.equal((await mapMetrics.trackPoints.get()).values[0]?.value, RINGS, 'dipper_track_ring_points: one point per ring');
  t.equal((await mapMetrics.trackEvictions.get()).values[0]?.value, N - RINGS, 'rings dropped at the cap counted');
  t.equal(server.gateway.normalise.alarms.size, ALARMS, 'the alarm tracker holds normalise.maxAlarmTerminals');
  t.equal((await metrics.alarmTerminals.get()).values[0]?.value, ALARMS, 'dipper_alarm_tracker_terminals');
  t.equal((await metrics.alarmEvictions.get()).values[0]?.value, N - ALARMS, 'terminals forgotten by the alarm tracker counted');
});

t.test('the case store holds at most map.maxCases: the oldest closed case makes room, all open refuses (507)', async (t) => {
  const MAX = 20;
  const server = await startTestServer(t, { map: { maxCases: MAX } });
  const base = `http://127.0.0.1:${server.ports.http}/api/cases`;
  const post = (id: string) =>
    fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, type: 'theft', location: { lat: 30.58, lng: 114.27 }, time: '2024-05-01T08:00:00Z' }) });
  for (let i = 0; i < MAX; i++) t.equal((await post(`case-${i}`)).status, 201, `case ${i} created`);
  const refused = await post('case-over');
  t.equal(refused.status, 507, 'all open: a case past the cap is refused');
  t.equal(server.map.cases.size, MAX, 'the store holds the cap');
  t.equal(await counter(server.map.metrics, { outcome: 'refused' }, 'casesDropped'), 1, 'the refusal counted');
  const closed = await fetch(`${base}/case-3`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'closed' }) });
  t.equal(closed.status, 200, 'case-3 closed');
  t.equal((await post('case-over')).status, 201, 'with a closed case to drop, the new one is stored');
  t.equal(server.map.cases.size, MAX, 'still the cap');
  t.notOk(server.map.cases.get('case-3'), 'the closed case made room');
  t.equal(await counter(server.map.metrics, { outcome: 'evicted' }, 'casesDropped'), 1, 'the eviction counted');
  t.equal((await server.map.metrics.cases.get()).values[0]?.value, MAX, 'dipper_cases');
});
