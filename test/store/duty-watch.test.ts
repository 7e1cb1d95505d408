/**
 * The duty watch on its own (no gateway, no database), its clock driven by the test through
 * sweep(now): an off-post episode raises once and again only after the unit came back and left
 * again, silence counts from the last report (from the assignment for a device never heard), nothing is raised off shift, in a cluster only
 * the terminals whose session is on this worker are judged, and an area reloaded unchanged keeps
 * its cover and its units' state.
 */
import t from 'tap';
import { latLngToCell } from 'h3-js';
import type { DutyArea, DutyChange } from '../../events/duty.js';
import type { GatewayEvent, Position } from '../../events/model.js';
import type { WatchedArea } from '../../store/duty-areas.js';
import { DutyWatch } from '../../store/duty-watch.js';
import type { DutyWatchHooks } from '../../store/duty-watch.js';
import { validate } from '../../server/config.js';
import { ALWAYS, BEAT, INSIDE, OUTSIDE } from '../helpers/duty.js';

const GRACE = 60_000;
const SILENCE = 300_000;
const settings = { ...validate({}).duty, timeZone: validate({}).web.timeZone, offPostGraceMs: GRACE, noSignalMs: SILENCE, checkMs: 600_000 };

const area = (id: string, shifts = ALWAYS): DutyArea => ({ id, name: id, org: 'wuhan/jianghan', geometry: BEAT, shifts, devices: [], people: [], updatedAt: '2026-12-01T00:00:00.000Z' });
const watched = (a: DutyArea, terminals: string[]): WatchedArea => ({ area: a, units: terminals.map((terminal) => ({ terminal, org: 'wuhan/jianghan/s1', category: 'bodycam' })) });

function position(terminal: string, at: { lat: number; lng: number }): GatewayEvent {
  const now = new Date().toISOString();
  const p: Position = { terminal, category: 'bodycam', org: 'wuhan/jianghan/s1', time: now, receivedAt: now, ...at, speed: 0, heading: 0, altitude: 0, alarm: 0, status: 3, alarms: [], flags: [], extras: {}, h3: latLngToCell(at.lat, at.lng, 9), h3Parents: {}, valid: true, backfill: false };
  return { kind: 'position', position: p };
}

function watch(t: { teardown(fn: () => unknown): void }, here?: (terminal: string) => boolean) {
  const raised: { terminal: string; kind: string; at: Date }[] = [];
  const changes: DutyChange[] = [];
  const hooks: DutyWatchHooks = {
    publish: (events) => events.forEach((e) => e.kind === 'duty' && changes.push(e.duty)),
    raise: (i) => raised.push({ terminal: i.terminal, kind: i.kind, at: i.at }),
    ...(here ? { here } : {}),
  };
  const w = new DutyWatch(undefined, settings, 9, hooks, { warn: () => undefined });
  t.teardown(() => w.close());
  return { w, raised, changes };
}

t.test('off post: once an episode; again after coming back and leaving again', async (t) => {
  const { w, raised, changes } = watch(t);
  await w.load([watched(area('a'), ['1'])]);
  await w.publish([position('1', INSIDE)]);
  t.same(changes, [], 'the first report sets the state, no event');
  const left = Date.now();
  await w.publish([position('1', OUTSIDE)]);
  t.same(changes.map((c) => c.change), ['left']);
  t.equal(w.sweep(left + GRACE - 1_000), 0, 'within the grace');
  t.equal(w.sweep(left + GRACE + 1_000), 1, 'past it');
  t.equal(w.sweep(left + GRACE + 5_000), 0, 'once an episode');
  await w.publish([position('1', INSIDE)]);
  await w.publish([position('1', OUTSIDE)]);
  const again = Date.now();
  t.equal(w.sweep(again + GRACE + 1_000), 1, 'a new episode');
  t.same(raised.map((r) => r.kind), ['off-post', 'off-post']);
  t.same(changes.map((c) => c.change), ['left', 'entered', 'left']);
});

t.test('silence counts from the last report; off shift nothing is raised', async (t) => {
  const { w, raised } = watch(t);
  const sunday = area('off', [{ day: 'sun', start: '00:00', end: '00:01' }]);
  await w.load([watched(area('on'), ['1']), watched(sunday, ['2'])]);
  const heard = Date.now();
  await w.publish([position('1', INSIDE), position('2', OUTSIDE)]);
  // a Tuesday noon in Wuhan (04:00 UTC), a week or more ahead: the one-minute Sunday shift is not
  // running. Day 0 of the epoch, 1 January 1970, was a Thursday: Tuesdays are the days d with d % 7 = 5.
  const today = Math.floor(heard / 86_400_000);
  const tuesday = (today + ((5 - (today % 7) + 7) % 7) + 7) * 86_400_000 + 4 * 3_600_000;
  t.equal(new Date(tuesday).getUTCDay(), 2, 'a Tuesday');
  w.sweep(tuesday);
  t.same(raised.map((r) => [r.terminal, r.kind]), [['1', 'no-signal']], 'the unit on shift, silent for days; the other off shift');
  t.equal(raised[0]!.at.getTime(), tuesday);
});

t.test('a device never heard from is silent from its assignment, not from the watch start', async (t) => {
  const { w, raised } = watch(t);
  await w.load([watched(area('on'), ['1'])]);
  // a second device assigned later: silent for as long as it has been watched, not since the watch began
  const before = Date.now();
  await w.load([watched(area('on'), ['1', '2'])]);
  const after = Date.now();
  w.sweep(before + SILENCE - 1);
  t.notOk(raised.some((r) => r.terminal === '2'), 'the new one: taken on less than noSignalMs ago, not silent yet');
  w.sweep(after + SILENCE);
  t.same(raised.map((r) => r.terminal).sort(), ['1', '2'], 'both silent past noSignalMs from when each was taken on');
  // assignment counted once: a reload with the same units does not restart anyone's silence
  const { w: w2, raised: raised2 } = watch(t);
  await w2.load([watched(area('on'), ['3'])]);
  const first = Date.now();
  await w2.load([watched(area('on'), ['3'])]);
  t.equal(w2.sweep(first + SILENCE), 1, 'silent from its first assignment, the reload changed nothing');
  t.same(raised2.map((r) => r.terminal), ['3']);
});

t.test('in a cluster only the terminals whose session is here are judged', async (t) => {
  const connected = new Set(['1']);
  const { w, raised } = watch(t, (terminal) => connected.has(terminal));
  await w.load([watched(area('a'), ['1', '2'])]);
  w.sweep(Date.now() + SILENCE + 1_000);
  t.same(raised.map((r) => r.terminal), ['1'], 'the other is connected to another worker (or nowhere)');
});

t.test('an area loaded again unchanged keeps its cover and its units', async (t) => {
  const { w, changes } = watch(t);
  const a = area('a');
  await w.load([watched(a, ['1'])]);
  const cover = w.area('a')!.cover;
  await w.publish([position('1', INSIDE)]);
  await w.load([watched({ ...a }, ['1', '2'])]);
  t.equal(w.area('a')!.cover, cover, 'the same cover');
  await w.publish([position('1', OUTSIDE)]);
  t.same(changes.map((c) => c.change), ['left'], 'its state kept: leaving is a change');
  await w.load([watched({ ...a, geometry: { ...BEAT, coordinates: [[[114.27, 30.61], [114.29, 30.61], [114.29, 30.63], [114.27, 30.63], [114.27, 30.61]]] }, updatedAt: '2026-12-02T00:00:00.000Z' }, ['1'])]);
  t.not(w.area('a')!.cover, cover, 'changed: a new cover');
  await w.publish([position('1', OUTSIDE)]);
  t.same(changes.map((c) => c.change), ['left', 'entered'], 'judged by the new shape');
  t.equal(w.unitCount, 1);
});

t.test('coverage: counts per area, and a version that moves with every change a tile must show', async (t) => {
  const { w } = watch(t);
  await w.load([watched(area('a'), ['1', '2', '3'])]);
  const v0 = w.coverageVersion;
  await w.publish([position('1', INSIDE), position('2', OUTSIDE)]);
  const v1 = w.coverageVersion;
  t.ok(v1 > v0, 'first fixes move it');
  t.match(w.coverage(), [{ assigned: 3, onPost: 1, offPost: 1, silent: 1, onShift: true }], '3 never heard: silent');
  t.match(w.coverage(Date.now(), (org) => org === 'elsewhere'), [{ assigned: 0, onPost: 0, offPost: 0, silent: 0 }], 'no unit within the scope');
  await w.publish([position('1', INSIDE)]);
  t.equal(w.coverageVersion, v1, 'nothing changed: the same version (the tiles stay cached)');
  await w.publish([position('1', OUTSIDE)]);
  const v2 = w.coverageVersion;
  t.ok(v2 > v1, 'leaving moves it');
  const later = Date.now() + SILENCE + 1_000;
  w.sweep(later);
  t.ok(w.coverageVersion > v2, 'falling silent moves it (at the sweep)');
  t.match(w.coverage(later), [{ assigned: 3, onPost: 0, offPost: 0, silent: 3 }]);
  const v3 = w.coverageVersion;
  w.sweep(later + 1_000);
  t.equal(w.coverageVersion, v3, 'still silent: unchanged');
});
