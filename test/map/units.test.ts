/** Small pieces of the map API: CRS shifts, the zoom -> H3 rule, abbreviations, scopes, the track ring. */
import t from 'tap';
import { abbreviate } from '../../map/cluster-tile.js';
import type { MapFeature } from '../../map/cluster-tile.js';
import { place } from '../../map/encode.js';
import { thin } from '../../map/thin.js';
import { gcj02ToBd09, shifter, wgs84ToGcj02 } from '../../map/crs.js';
import { HeatIndex, resolutionForZoom } from '../../map/heat.js';
import { latOf, lngOf, tileBounds, worldX, worldY } from '../../map/mercator.js';
import { orgMatcher, within } from '../../events/scope.js';
import { RingTrackStore, simplify } from '../../map/track-ring.js';

t.test('GCJ-02 and BD-09', async (t) => {
  // Tiananmen: the widely published pair WGS-84 116.391349,39.907375 -> GCJ-02 ≈ 116.397590,39.908775
  const [g, h] = wgs84ToGcj02(116.391349, 39.907375);
  t.ok(Math.abs(g - 116.39759) < 2e-5 && Math.abs(h - 39.908775) < 2e-5, `gcj02 ${g},${h}`);
  const [b, c] = gcj02ToBd09(g, h);
  t.ok(Math.abs(b - 116.403963) < 2e-5 && Math.abs(c - 39.915119) < 2e-5, `bd09 ${b},${c} (Baidu: 116.403963,39.915119)`);
  t.same(wgs84ToGcj02(2.35, 48.85), [2.35, 48.85], 'no shift outside China');
  t.same(shifter('wgs84')(1, 2), [1, 2]);
  t.same(shifter('bd09')(116.391349, 39.907375), [b, c]);
});

t.test('mercator round trip and tile bounds', async (t) => {
  t.ok(Math.abs(lngOf(worldX(114.27)) - 114.27) < 1e-9);
  t.ok(Math.abs(latOf(worldY(30.58)) - 30.58) < 1e-9);
  t.same(tileBounds(0, 0, 0).map((v) => Math.round(v)), [-180, -85, 180, 85]);
  t.equal(worldY(90), worldY(86), 'clamped at the Mercator limit');
});

t.test('zoom -> H3 resolution rule', async (t) => {
  t.same([0, 5, 8, 10, 12, 14, 18].map((z) => resolutionForZoom(z, 9)), [0, 4, 6, 7, 8, 9, 9]);
  t.equal(resolutionForZoom(18, 15), 12);
});

t.test('abbreviations, thinning, scopes', async (t) => {
  t.same([abbreviate(999), abbreviate(1234), abbreviate(12345)], ['999', '1.2k', '12k']);
  t.same(thin([1, 2], [3, 4, 5, 6, 7, 8], 4), [1, 2, 3, 6]);
  t.same(thin([1, 2, 3], [4], 2), [1, 2]);
  t.ok(within('', 'anything'));
  t.ok(within('wuhan', 'wuhan/jianghan'));
  t.notOk(within('wuhan', 'wuhanxi/a'), 'a prefix is a path, not a string prefix');
  t.ok(orgMatcher('wuhan', ['wuhan/a', 'wuhan/b'])('wuhan/b/c'));
  t.notOk(orgMatcher('wuhan/a', ['wuhan'])('wuhan/b'), 'a filter never widens the scope');
});

t.test('the encoder caps a tile with the same thinning: alarms first, then an even stride', async (t) => {
  // 8 points inside tile 0/0/0: ids 1 and 5 in alarm (one a terminal, one a cluster); cap 4
  const props = (id: number): MapFeature['props'] => (id === 1 ? { alarm: true } : id === 5 ? { cluster: true, n_alarm: 2 } : { alarm: false });
  const features: MapFeature[] = [1, 2, 3, 4, 5, 6, 7, 8].map((id) => ({ id, lng: id, lat: id, props: props(id) }));
  const kept = place(features, 0, 0, 0, { buffer: 64, maxFeatures: 4 }).map((p) => p.feature.id);
  // alarms 1, 5; room 2 in the other six (2 3 4 6 7 8), stride 3: the 0th and 3rd, i.e. 2 and 6
  t.same(kept, [1, 5, 2, 6]);
  t.same(place(features, 0, 0, 0, { buffer: 64, maxFeatures: 8 }).map((p) => p.feature.id), [1, 2, 3, 4, 5, 6, 7, 8], 'under the cap: all, in order');
});

t.test('track ring: bounded, ordered, recent; Douglas-Peucker', async (t) => {
  const ring = new RingTrackStore({ hours: 1, maxPoints: 100 });
  const now = Date.now();
  for (let i = 0; i < 250; i++) ring.record('a', now - (250 - i) * 1000, 114 + i * 1e-4, 30, 10, 90);
  ring.record('a', now - 2 * 3600_000, 0, 0, 0, 0);
  const all = await ring.track('a', 0, now);
  t.equal(all.length, 99, 'at most maxPoints kept, older than the ring hours dropped');
  t.ok(all.every((p, i) => i === 0 || p.t > all[i - 1]!.t), 'in time order');
  t.same(await ring.track('b', 0, now), []);
  t.equal(ring.terminals, 1);
  const zigzag = Array.from({ length: 11 }, (_, i) => ({ t: i, lng: 114 + i * 0.001, lat: 30 + (i === 5 ? 0.001 : 0), speed: 0, heading: 0 }));
  t.same(simplify(zigzag, 10).map((p) => p.t), [0, 4, 5, 6, 10], 'keeps the 110 m spike, drops the straight parts');
  t.equal(simplify(zigzag, 1000).length, 2, 'a big tolerance keeps the ends');
  t.equal(simplify(zigzag, 0).length, 11);
});

t.test('heat: counts per window and org; the key budget bounds memory', async (t) => {
  const heat = new HeatIndex({ resolutions: [9, 7, 5], maxWindowMinutes: 10, maxKeys: 1000 });
  const now = Date.now();
  for (let i = 0; i < 600; i++) heat.add('positions', now, i % 2 ? 'a/x' : 'b', 30 + i * 0.01, 114);
  t.ok(heat.keys <= 1000 + 2 * 600, 'coarser resolutions keep counting');
  t.ok(heat.dropped > 0, 'the finest resolution stopped at the budget');
  const all = (org: string) => org !== '';
  const at5 = [...heat.counts('positions', 5, 15, all, now).values()].reduce((a, b) => a + b, 0);
  t.equal(at5, 600, 'res 5 counted every event');
  const onlyA = [...heat.counts('positions', 5, 15, (o) => o.startsWith('a'), now).values()].reduce((a, b) => a + b, 0);
  t.equal(onlyA, 300, 'per org');
  const rolled = [...heat.counts('positions', 3, 15, all, now).values()].reduce((a, b) => a + b, 0);
  t.equal(rolled, 600, 'coarser than stored: rolled up with cellToParent');
  t.equal([...heat.counts('positions', 5, 15, all, now + 20 * 60_000).values()].length, 0, 'outside the window: nothing');
  // ten minutes later the ring slot is reused: its keys are freed
  const before = heat.keys;
  heat.add('positions', now + 10 * 60_000, 'b', 30, 114);
  t.ok(heat.keys < before, 'an expired minute frees its keys');
});
