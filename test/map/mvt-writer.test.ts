/** The MVT writer writes vt-pbf's bytes (the library it replaces on the tile path), and they decode. */
import fc from 'fast-check';
import t from 'tap';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import vtpbf from 'vt-pbf';
import { writeMvt } from '../../map/mvt-writer.js';
import type { MvtFeature, MvtLayer } from '../../map/mvt-writer.js';

const coord = fc.integer({ min: -200, max: 4300 });
const point = fc.tuple(coord, coord);
const value = fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: -1000, max: 1e9 }), fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.boolean(), fc.constantFrom(0, 1, 'a', true, 2.5));
const tags = fc.dictionary(fc.constantFrom('id', 'cluster', 'point_count', 'n_vehicle', 'category', 'speed', 'x'), value, { maxKeys: 6 });
const pointFeature = fc.record({ id: fc.option(fc.nat(), { nil: undefined }), type: fc.constant(1 as const), geometry: fc.array(point, { minLength: 1, maxLength: 3 }), tags });
// closed rings (first vertex repeated), as place() hands them over
const ring = fc.array(point, { minLength: 3, maxLength: 7 }).map((r) => [...r, r[0]!] as [number, number][]);
const polygonFeature = fc.record({ id: fc.option(fc.nat(), { nil: undefined }), type: fc.constant(3 as const), geometry: fc.array(ring, { minLength: 1, maxLength: 2 }), tags });
const layers = fc.uniqueArray(fc.record({ name: fc.constantFrom('clusters', 'cases', 'positions', 'alarms'), features: fc.array(fc.oneof(pointFeature, polygonFeature), { minLength: 1, maxLength: 12 }) }), { selector: (l) => l.name, maxLength: 3 });

const viaVtPbf = (ls: MvtLayer[]) => vtpbf.fromGeojsonVt(Object.fromEntries(ls.map((l) => [l.name, { features: l.features as object[] }])), { version: 2, extent: 4096 });

t.test('byte for byte what vt-pbf writes', async (t) => {
  fc.assert(
    fc.property(layers, (ls) => {
      t.same(Buffer.from(writeMvt(ls, 4096, 2)), Buffer.from(viaVtPbf(ls)));
    }),
    { numRuns: 300 },
  );
});

t.test('decodes with @mapbox/vector-tile', async (t) => {
  const features: MvtFeature[] = [
    { id: 7, type: 1, geometry: [[100, 200]], tags: { cluster: true, point_count: 12, point_count_abbreviated: '12', speed: 31.5, skipped: null } },
    { type: 1, geometry: [[-10, 4100]], tags: { id: '13000000001', alarm: false, heading: 0 } },
    { id: 9, type: 3, geometry: [[[0, 0], [10, 0], [10, 10], [0, 0]]], tags: { count: 3, delta: -4 } },
  ];
  const tile = new VectorTile(new PbfReader(writeMvt([{ name: 'clusters', features }])));
  const layer = tile.layers.clusters!;
  t.equal(layer.version, 2);
  t.equal(layer.extent, 4096);
  t.equal(layer.length, 3);
  const a = layer.feature(0);
  t.equal(a.id, 7);
  t.same(a.properties, { cluster: true, point_count: 12, point_count_abbreviated: '12', speed: 31.5 });
  t.same(
    a.loadGeometry().map((r) => r.map((p) => [p.x, p.y])),
    [[[100, 200]]],
  );
  const b = layer.feature(1);
  t.equal(b.id, undefined);
  t.same(b.properties, { id: '13000000001', alarm: false, heading: 0 });
  t.same(
    b.loadGeometry().map((r) => r.map((p) => [p.x, p.y])),
    [[[-10, 4100]]],
  );
  const c = layer.feature(2);
  t.equal(c.type, 3);
  t.same(c.properties, { count: 3, delta: -4 });
  t.same(
    c.loadGeometry().map((r) => r.map((p) => [p.x, p.y])),
    [[[0, 0], [10, 0], [10, 10], [0, 0]]],
  );
});
