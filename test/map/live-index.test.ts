/**
 * The live index against a brute-force model: after any sequence of upserts, moves, alarm
 * changes, removals and sweeps, every cluster zoom's cells sum to exactly the terminals the
 * model selects, per category; high-zoom buckets hold exactly the selected terminals.
 */
import fc from 'fast-check';
import t from 'tap';
import { CATEGORIES } from '../../events/categories.js';
import { GRID_BITS, LiveIndex, categoryIndex } from '../../map/live-index.js';
import { worldX, worldY } from '../../map/mercator.js';
import { orgMatcher } from '../../events/scope.js';

interface Model {
  lng: number;
  lat: number;
  cat: number;
  org: string;
  alarm: boolean;
  seen: number;
}

const ORGS = ['a', 'a/x', 'a/y', 'b', 'b/z'];
const op = fc.oneof(
  fc.record({ kind: fc.constant('upsert' as const), id: fc.integer({ min: 0, max: 30 }), lng: fc.double({ min: -179.9, max: 179.9, noNaN: true }), lat: fc.double({ min: -80, max: 80, noNaN: true }), cat: fc.integer({ min: 0, max: 4 }), org: fc.constantFrom(...ORGS), alarm: fc.boolean(), old: fc.boolean() }),
  fc.record({ kind: fc.constant('nudge' as const), id: fc.integer({ min: 0, max: 30 }), d: fc.double({ min: -0.05, max: 0.05, noNaN: true }) }),
  fc.record({ kind: fc.constant('remove' as const), id: fc.integer({ min: 0, max: 30 }) }),
  fc.record({ kind: fc.constant('alarm' as const), id: fc.integer({ min: 0, max: 30 }), on: fc.boolean() }),
  fc.record({ kind: fc.constant('sweep' as const) }),
);

t.test('cluster counts equal a brute-force count, at every zoom, under any filter', async (t) => {
  fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 120 }), fc.constantFrom('', 'a', 'a/x', 'b'), fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }), fc.option(fc.boolean(), { nil: undefined }), (ops, scope, cat, online) => {
      const now = Date.now();
      const index = new LiveIndex({ capacity: 16, offlineAfterMs: 60_000 });
      const model = new Map<string, Model>();
      for (const o of ops) {
        const id = `t${'id' in o ? o.id : 0}`;
        if (o.kind === 'upsert') {
          const seen = o.old ? now - 120_000 : now;
          const taken = index.upsert(id, o.lng, o.lat, o.cat, o.org, o.alarm, 0, 0, seen, seen);
          // a frame older than the one held is refused (late arrival)
          if (taken !== (seen >= (model.get(id)?.seen ?? -Infinity))) throw new Error('late-frame rule');
          if (taken) model.set(id, { lng: o.lng, lat: o.lat, cat: o.cat, org: o.org, alarm: o.alarm, seen });
        } else if (o.kind === 'nudge') {
          const m = model.get(id);
          if (!m) continue;
          m.lng = Math.max(-179.9, Math.min(179.9, m.lng + o.d));
          m.lat = Math.max(-80, Math.min(80, m.lat + o.d));
          index.upsert(id, m.lng, m.lat, m.cat, m.org, m.alarm, 0, 0, m.seen, m.seen);
        } else if (o.kind === 'remove') {
          t.equal(index.remove(id), model.delete(id));
        } else if (o.kind === 'alarm') {
          index.setAlarm(id, o.on);
          const m = model.get(id);
          if (m) m.alarm = o.on;
        } else index.sweep(now);
      }
      // terminals seen long ago are online until a sweep says otherwise: sweep to compare
      index.sweep(now);
      const allowed = orgMatcher(scope);
      const sel = index.selection({ categories: cat === undefined ? undefined : [cat], online }, allowed);
      const expected = [...model.values()].filter((m) => allowed(m.org) && (cat === undefined || m.cat === cat) && (online === undefined || online === m.seen >= now - 60_000));
      if (index.size !== model.size) throw new Error(`size ${index.size} != ${model.size}`);
      for (const z of [0, 3, 6]) {
        const per = 2 ** (z + GRID_BITS);
        const got = new Int32Array(CATEGORIES.length);
        let total = 0;
        let alarms = 0;
        index.cellsIn(z, 0, per - 1, 0, per - 1, sel, (c) => {
          total += c.count;
          alarms += c.alarms;
          for (let k = 0; k < got.length; k++) got[k]! += c.byCategory[k]!;
          const cx = Math.floor(c.wx * per);
          const cy = Math.floor(c.wy * per);
          if (cx !== c.cx || cy !== c.cy) throw new Error(`centroid outside its cell at z${z}`);
        });
        if (total !== expected.length) throw new Error(`z${z}: ${total} != ${expected.length}`);
        if (alarms !== expected.filter((m) => m.alarm).length) throw new Error(`z${z}: ${alarms} in alarm`);
        for (let k = 0; k < got.length; k++) if (got[k] !== expected.filter((m) => m.cat === k).length) throw new Error(`z${z} category ${k}`);
      }
      // each selected terminal is in the bucket and the z12 cell of its position; others are not
      for (const [id, m] of model) {
        const v = index.get(id)!;
        if (v.lng !== m.lng || v.alarm !== m.alarm || v.category !== CATEGORIES[m.cat]) throw new Error(`view of ${id}`);
        const bx = Math.floor(worldX(m.lng) * 2 ** 15);
        const by = Math.floor(worldY(m.lat) * 2 ** 15);
        const inBucket: string[] = [];
        index.slotsIn(bx, bx, by, by, sel, (s) => inBucket.push(index.idOf(s)));
        if (inBucket.includes(id) !== expected.includes(m)) throw new Error(`bucket of ${id}`);
        // z12 and z11 are summed from buckets, z10 from count rows: all agree with the model
        for (const [z, shift] of [[12, 0], [11, 1], [10, 2]] as const) {
          let inCell = 0;
          index.cellsIn(z, bx >> shift, bx >> shift, by >> shift, by >> shift, sel, (c) => (inCell += c.count));
          const want = expected.filter((e) => Math.floor(worldX(e.lng) * 2 ** 15) >> shift === bx >> shift && Math.floor(worldY(e.lat) * 2 ** 15) >> shift === by >> shift).length;
          if (inCell !== want) throw new Error(`z${z} cell of ${id}: ${inCell} != ${want}`);
        }
      }
    }),
    { numRuns: 300 },
  );
  t.pass('300 random histories');
});

t.test('single terminals, expansion zoom, late frames, capacity growth', async (t) => {
  const index = new LiveIndex({ capacity: 16 });
  const now = Date.now();
  for (let i = 0; i < 100; i++) index.upsert(`v${i}`, 114 + i * 0.01, 30, categoryIndex('vehicle'), 'wuhan', false, i, i, now);
  t.equal(index.size, 100, 'grew past the initial capacity');
  t.equal(index.upsert('v0', 0, 0, 0, 'wuhan', false, 0, 0, now, now - 1), false, 'a late frame is refused');
  t.equal(index.get('v0')!.lng, 114);
  index.upsert('lonely', -70, -30, categoryIndex('bodycam'), 'x', true, 0, 0, now);
  const sel = index.selection({}, () => true);
  const singles: number[] = [];
  index.cellsIn(5, 0, 2 ** 8 - 1, 0, 2 ** 8 - 1, sel, (c) => {
    if (c.single >= 0) singles.push(c.single);
  });
  t.same(singles.map((s) => index.idOf(s)), ['lonely'], 'a cell with one terminal names it');
  // the vehicles span 1° of longitude: at z0 they are one cell that splits some zooms later
  let key = -1;
  index.cellsIn(0, 0, 7, 0, 7, sel, (c) => {
    if (c.count === 100) key = c.key;
  });
  t.not(key, -1);
  const ez = index.expansionZoom(GRID_BITS, Math.floor(key / 8), key % 8, sel);
  t.ok(ez >= 1 && ez <= 7, `expansion zoom ${ez}`);
  t.same(index.get('lonely'), { id: 'lonely', lng: -70, lat: -30, category: 'bodycam', org: 'x', online: true, alarm: true, heading: 0, speed: 0, lastSeen: now, static: false });
  t.throws(() => new LiveIndex({ clusterMaxZoom: 13 }), /clusterMaxZoom/);
});

t.test('presence: an ended session turns a terminal offline at once; a stale end, a report received before it and a static resource do not change', async (t) => {
  const now = Date.now();
  const index = new LiveIndex();
  const cat = categoryIndex('bodycam');
  const onlineCount = () => {
    let n = 0;
    index.cellsIn(0, 0, 7, 0, 7, index.selection({ online: true }, () => true), (c) => (n += c.count));
    return n;
  };
  index.upsert('a', 114.3, 30.5, cat, 'wuhan', false, 0, 0, now);
  index.upsert('b', 114.4, 30.6, cat, 'wuhan', false, 0, 0, now);
  index.upsert('cam', 114.5, 30.7, categoryIndex('fixedcam'), 'wuhan', false, 0, 0, now, now, true);
  t.equal(onlineCount(), 3, 'all three online');

  t.equal(index.setOnline('a', false, now + 10), true, 'a logs out after its report: changed');
  t.equal(index.get('a')?.online, false);
  t.equal(onlineCount(), 2, 'the counts follow at once');
  t.equal(index.setOnline('b', false, now - 10), false, "b's end is older than its last report: stale, no change");
  t.equal(index.get('b')?.online, true);
  t.equal(index.setOnline('cam', false, now + 10), false, 'a static resource has no session');
  t.equal(index.setOnline('nobody', false, now), false, 'unknown terminal: nothing');

  index.upsert('a', 114.31, 30.51, cat, 'wuhan', false, 0, 0, now + 5, now + 5);
  t.equal(index.get('a')?.online, false, 'a report received before the logout, delivered late: still offline');
  t.equal(index.get('a')?.lng, 114.31, 'its position is still taken');
  index.upsert('a', 114.32, 30.52, cat, 'wuhan', false, 0, 0, now + 20, now + 20);
  t.equal(index.get('a')?.online, true, 'a report received after the logout: online again');

  t.equal(index.setOnline('b', false, now + 30), true);
  t.equal(index.setOnline('b', true, now + 40), true, 'a new login: online before its first report');
  t.equal(index.get('b')?.lastSeen, now + 40, 'heard from at the login');
  t.equal(onlineCount(), 3);
  index.remove('a');
  index.upsert('c', 114.3, 30.5, cat, 'wuhan', false, 0, 0, now + 1, now + 1);
  t.equal(index.get('c')?.online, true, "a new terminal in a's freed slot does not inherit its logout");
});

t.test('a selection that took every org unit does not take one that appeared after it (every-org rows)', async (t) => {
  const index = new LiveIndex();
  const now = Date.now();
  index.upsert('a1', 114.3, 30.5, 0, 'wuhan/a', false, 0, 0, now);
  const every = index.selection({}, () => true);
  t.equal(every.everyOrg, true);
  index.upsert('b1', 114.3001, 30.5001, 0, 'wuhan/b', false, 0, 0, now);
  const count = (sel: ReturnType<LiveIndex['selection']>) => {
    let n = 0;
    index.cellsIn(5, 0, 2 ** (5 + GRID_BITS) - 1, 0, 2 ** (5 + GRID_BITS) - 1, sel, (c) => (n += c.count));
    return n;
  };
  t.equal(count(every), 1, 'the earlier selection: wuhan/a only, as its org mask says');
  t.equal(count(index.selection({}, () => true)), 2, 'a selection made now takes both');
  t.equal(count(index.selection({}, (o) => o === 'wuhan/b')), 1, 'one org unit: read from its org rows');
  index.remove('b1');
  t.equal(count(index.selection({}, () => true)), 1, 'removed from the every-org row too');
});
