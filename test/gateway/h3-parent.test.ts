/**
 * The normaliser's bit-arithmetic parents against h3-js's own cellToParent (the reference
 * implementation), for random points at every resolution and every coarser parent.
 */
import fc from 'fast-check';
import { cellToParent, latLngToCell } from 'h3-js';
import t from 'tap';
import { cellParents } from '../../gateway/normalise/h3-parent.js';

const ALL = Array.from({ length: 16 }, (_, r) => r);

t.test('every parent of random cells equals h3-js cellToParent', async (t) => {
  fc.assert(
    fc.property(fc.double({ min: -89.9, max: 89.9, noNaN: true }), fc.double({ min: -180, max: 180, noNaN: true }), fc.integer({ min: 0, max: 15 }), (lat, lng, res) => {
      const cell = latLngToCell(lat, lng, res);
      const got = cellParents(cell, ALL);
      const want: Record<string, string> = {};
      for (let p = 0; p < res; p++) want[p] = cellToParent(cell, p);
      t.same(got, want, `${cell} at ${lat},${lng} r${res}`);
    }),
    { numRuns: 500 },
  );
});

t.test('pentagons, the poles and the antimeridian', async (t) => {
  for (const [lat, lng] of [[90, 0], [-90, 0], [0, 180], [0, -180], [64.7, 10.5], [30.5928, 114.3055]] as const) {
    const cell = latLngToCell(lat, lng, 15);
    for (const p of [0, 1, 5, 7, 9, 10, 11, 14]) t.equal(cellParents(cell, [p])[p], cellToParent(cell, p), `${lat},${lng} -> r${p}`);
  }
});

t.test('resolutions not coarser than the cell are left out', async (t) => {
  const cell = latLngToCell(30.5928, 114.3055, 9);
  t.same(Object.keys(cellParents(cell, [9, 12, 7, 5])).sort(), ['5', '7']);
});
