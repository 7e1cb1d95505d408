/**
 * Cluster tiles skip ring cells whose centroid is outside the buffer before building them;
 * the tile must come out exactly as when the encoder drops them (every zoom, every CRS).
 */
import t from 'tap';
import { clusterFeatures } from '../../map/cluster-tile.js';
import { place, toMvt } from '../../map/encode.js';
import { LiveIndex } from '../../map/live-index.js';

t.test('skipping ring cells early changes no tile', async (t) => {
  const index = new LiveIndex();
  let s = 7;
  const r = () => (s = (s * 16807) % 2147483647) / 2147483647;
  // three towns, one on the antimeridian, so the ring wraps
  const towns: [number, number][] = [[114.27, 30.58], [114.9, 30.1], [179.99, -16.5]];
  for (let i = 0; i < 20000; i++) {
    const [lng, lat] = towns[i % 3]!;
    const dl = (r() - 0.5) * 0.8;
    index.upsert(String(i), (((lng + dl + 180) % 360) + 360) % 360 - 180, lat + (r() - 0.5) * 0.6, i % 4, `org-${i % 5}`, i % 50 === 0, 0, 0, Date.now());
  }
  const sel = index.selection({}, () => true);
  let tiles = 0;
  let features = 0;
  for (const crs of ['wgs84', 'gcj02', 'bd09'] as const) {
    for (let z = 0; z <= 12; z++) {
      for (const [lng, lat] of towns) {
        const n = 2 ** z;
        const cx = Math.floor(((lng + 180) / 360) * n);
        const sn = Math.sin((lat * Math.PI) / 180);
        const cy = Math.floor((0.5 - Math.log((1 + sn) / (1 - sn)) / (4 * Math.PI)) * n);
        for (const [x, y] of [[cx, cy], [(cx + 1) % n, cy], [(cx + n - 1) % n, cy], [cx, Math.min(n - 1, cy + 1)]] as [number, number][]) {
          const all = place(clusterFeatures(index, z, x, y, sel, crs, { maxFeatures: 4000 }), z, x, y, { buffer: 64, maxFeatures: 4000 });
          const early = place(clusterFeatures(index, z, x, y, sel, crs, { maxFeatures: 4000, buffer: 64 }), z, x, y, { buffer: 64, maxFeatures: 4000 });
          if (!toMvt({ clusters: all }).equals(toMvt({ clusters: early }))) t.fail(`tile ${z}/${x}/${y} ${crs} differs`);
          tiles++;
          features += early.length;
        }
      }
    }
  }
  t.ok(features > 1000, `${tiles} tiles, ${features} features, all the same`);
});
