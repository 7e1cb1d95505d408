/**
 * The nearest-units search against two independent answers: a brute-force model (every
 * terminal's great-circle distance by the spherical law of cosines, sorted) under random
 * fleets, filters, scopes, exclusions and radii; and geokdbush (a peer's k-d tree search) on
 * the same points. Ties are compared by distance, not by which of two equidistant ids came first.
 */
import fc from 'fast-check';
import KDBush from 'kdbush';
import { around } from 'geokdbush';
import t from 'tap';
import { CATEGORIES } from '../../events/categories.js';
import { orgMatcher } from '../../events/scope.js';
import { LiveIndex } from '../../map/live-index.js';
import { nearest } from '../../map/nearest.js';

const R = 6_371_008.8;
/** the spherical law of cosines: another formula than the code's haversine */
function cosinesM(lng1: number, lat1: number, lng2: number, lat2: number): number {
  const r = Math.PI / 180;
  const c = Math.sin(lat1 * r) * Math.sin(lat2 * r) + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.cos((lng2 - lng1) * r);
  return R * Math.acos(Math.max(-1, Math.min(1, c)));
}

const ORGS = ['wuhan/jianghan', 'wuhan/wuchang', 'wuhan/hongshan/s1', 'xiaogan'];
interface Unit {
  lng: number;
  lat: number;
  cat: number;
  org: string;
  alarm: boolean;
  stale: boolean;
}
// a city and its surroundings (Wuhan ± 1°), and a few far away
const unit = fc.record({
  lng: fc.oneof({ weight: 9, arbitrary: fc.double({ min: 113.3, max: 115.3, noNaN: true }) }, { weight: 1, arbitrary: fc.double({ min: 70, max: 135, noNaN: true }) }),
  lat: fc.oneof({ weight: 9, arbitrary: fc.double({ min: 29.6, max: 31.6, noNaN: true }) }, { weight: 1, arbitrary: fc.double({ min: 18, max: 53, noNaN: true }) }),
  cat: fc.integer({ min: 0, max: CATEGORIES.length - 1 }),
  org: fc.constantFrom(...ORGS),
  alarm: fc.boolean(),
  stale: fc.boolean(),
});

t.test('the k nearest as a brute-force model has them, under filters, scopes, exclusions and radii', async (t) => {
  fc.assert(
    fc.property(
      fc.array(unit, { minLength: 0, maxLength: 400 }),
      fc.record({ lng: fc.double({ min: 113.5, max: 115, noNaN: true }), lat: fc.double({ min: 29.8, max: 31.4, noNaN: true }) }),
      fc.integer({ min: 1, max: 30 }),
      fc.option(fc.subarray([0, 1, 2, 3, 4], { minLength: 1 }), { nil: undefined }),
      fc.option(fc.boolean(), { nil: undefined }),
      fc.constantFrom('', 'wuhan', 'wuhan/hongshan', 'xiaogan'),
      fc.integer({ min: 1, max: 7 }),
      fc.option(fc.integer({ min: 500, max: 200_000 }), { nil: undefined }),
      (units: Unit[], at, k, categories, online, scope, excludeEvery, maxM) => {
        const now = Date.now();
        const index = new LiveIndex({ offlineAfterMs: 60_000 });
        units.forEach((u, i) => index.upsert(`t${i}`, u.lng, u.lat, u.cat, u.org, u.alarm, 0, 0, u.stale ? now - 120_000 : now));
        index.sweep(now);
        const inScope = orgMatcher(scope);
        const sel = index.selection({ categories, online }, inScope);
        // "engaged elsewhere": every excludeEvery-th terminal
        const engaged = (id: string) => Number(id.slice(1)) % excludeEvery === 0 && excludeEvery > 1;
        const got = nearest(index, at.lng, at.lat, k, sel, (slot) => !engaged(index.idOf(slot)), maxM);

        const model = units
          .map((u, i) => ({ id: `t${i}`, u, d: cosinesM(at.lng, at.lat, u.lng, u.lat) }))
          .filter(({ id, u, d }) => (!categories || categories.includes(u.cat)) && (online === undefined || online === !u.stale) && inScope(u.org) && !engaged(id) && (maxM === undefined || d <= maxM))
          .sort((a, b) => a.d - b.d)
          .slice(0, k);
        if (got.length !== model.length) throw new Error(`${got.length} found, the model has ${model.length}`);
        got.forEach((g, i) => {
          // the same distance at each rank (to a millimetre: two formulas), and each found id has it
          if (Math.abs(g.distanceM - model[i]!.d) > 1e-3) throw new Error(`rank ${i}: ${g.distanceM} m, the model ${model[i]!.d} m`);
          const u = units[Number(index.idOf(g.slot).slice(1))]!;
          if (Math.abs(cosinesM(at.lng, at.lat, u.lng, u.lat) - g.distanceM) > 1e-3) throw new Error(`rank ${i}: the distance is not its terminal's`);
        });
      },
    ),
    { numRuns: 300 },
  );
  t.pass('300 random fleets and queries');
});

t.test('the same order as geokdbush on 20,000 points', async (t) => {
  let seed = 2026;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const n = 20_000;
  const pts = Array.from({ length: n }, () => [113.7 + rand() * 1.2, 30.2 + rand() * 0.8] as const);
  const index = new LiveIndex();
  pts.forEach(([lng, lat], i) => index.upsert(String(i), lng, lat, 0, 'wuhan', false, 0, 0, Date.now()));
  const kd = new KDBush(n);
  for (const [lng, lat] of pts) kd.add(lng, lat);
  kd.finish();
  const sel = index.selection({}, () => true);
  for (let q = 0; q < 200; q++) {
    const lng = 113.7 + rand() * 1.2;
    const lat = 30.2 + rand() * 0.8;
    const ours = nearest(index, lng, lat, 20, sel).map((x) => Number(index.idOf(x.slot)));
    const peer = around(kd, lng, lat, 20);
    // equal distances may come in either order: compare the distances rank by rank
    const dist = (i: number) => cosinesM(lng, lat, pts[i]![0], pts[i]![1]);
    if (ours.some((id, r) => Math.abs(dist(id) - dist(peer[r]!)) > 1e-3)) t.fail(`query ${q}: ${ours} vs geokdbush ${peer}`);
  }
  t.pass('200 queries, 20 nearest each, as geokdbush has them');
});

t.test('nothing selected, k of 0, a radius nobody is in', async (t) => {
  const index = new LiveIndex();
  t.same(nearest(index, 114.3, 30.6, 5, index.selection({}, () => true)), [], 'an empty index');
  index.upsert('a', 114.3, 30.6, 0, 'wuhan', false, 0, 0, Date.now());
  index.upsert('b', 114.31, 30.6, 0, 'wuhan', false, 0, 0, Date.now());
  const all = index.selection({}, () => true);
  t.same(nearest(index, 114.3, 30.6, 0, all), []);
  t.same(nearest(index, 114.5, 30.6, 5, all, () => true, 100), [], 'nobody within 100 m');
  t.same(nearest(index, 114.3, 30.6, 5, index.selection({ categories: [1] }, () => true)), [], 'no bodycam');
  t.same(nearest(index, 114.3, 30.6, 5, all).map((x) => index.idOf(x.slot)), ['a', 'b'], 'both, nearest first');
  index.remove('a');
  t.same(nearest(index, 114.3, 30.6, 5, all).map((x) => index.idOf(x.slot)), ['b'], 'a removed terminal is gone');
});

t.test('near the antipode the distance keeps its decimetres (a haversine lost 0.13 m there)', async (t) => {
  const index = new LiveIndex();
  index.upsert('a', 0, 0, 0, 'o', false, 0, 0, Date.now());
  const [got] = nearest(index, -179.99999879258175, 0, 1, index.selection({}, () => true));
  // on the equator the distance is R times the longitude difference: 180 - 1.2074e-6 degrees
  const expected = (6_371_008.8 * 179.99999879258175 * Math.PI) / 180;
  t.ok(Math.abs(got!.distanceM - expected) < 0.01, `${got!.distanceM} m, worked out ${expected} m`);
});
