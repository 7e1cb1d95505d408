/**
 * The terminals tile layer (map/tiles/terminals.ts): every terminal in the tile as a single
 * point, at every zoom, scoped and filtered like the clusters. Positions are placed at chosen
 * fractions of a z14 tile (inverse Web Mercator), and which of them belong to a tile is worked
 * out here with the standard slippy-map formulas (x = (lng + 180) / 360 * 2^z,
 * y = (1 - ln(tan φ + sec φ) / π) / 2 * 2^z), not with the map's code.
 */
import t from 'tap';
import { CAMERA, JIANGHAN, TOKENS, WUCHANG, get, mvt, position, startMapServer } from './helpers.js';
import type { DecodedFeature } from './helpers.js';

const EXTENT = 4096;
const BUFFER = 64; // map.buffer's default

/** fractional tile coordinates of a point at zoom z */
function tileXY(lng: number, lat: number, z: number): [number, number] {
  const n = 2 ** z;
  const phi = (lat * Math.PI) / 180;
  return [((lng + 180) / 360) * n, ((1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2) * n];
}

/** the point at fractional tile coordinates (inverse of tileXY) */
function lngLatOf(tx: number, ty: number, z: number): [number, number] {
  const n = 2 ** z;
  return [(tx / n) * 360 - 180, (Math.atan(Math.sinh(Math.PI * (1 - (2 * ty) / n))) * 180) / Math.PI];
}

interface Sent {
  id: string;
  lng: number;
  lat: number;
  org: string;
  category: string;
  online: boolean;
  alarm: boolean;
}

t.test('terminals layer: exactly the terminals in the tile, with id, category, online and alarm, within the token scope', async (t) => {
  const { server, base } = await startMapServer(t);
  const Z = 14;
  const [cx, cy] = tileXY(114.3, 30.58, Z).map(Math.floor) as [number, number];
  // 6 × 5 fractions: four columns and three rows inside the tile, the others in neighbour tiles beyond the buffer
  const fxs = [0.1, 0.37, 0.62, 0.9, -0.4, 1.4];
  const fys = [0.15, 0.5, 0.85, -0.3, 1.25];
  const registry = [...JIANGHAN, ...WUCHANG];
  const hourAgo = new Date(Date.now() - 3600_000).toISOString();
  const sent: Sent[] = [];
  const events = registry.map((d, k) => {
    const [lng, lat] = lngLatOf(cx + fxs[k % 6]!, cy + fys[Math.floor(k / 6)]!, Z);
    const offline = k % 5 === 4;
    const alarm = k % 7 === 0;
    sent.push({ id: d.terminal, lng, lat, org: d.org, category: d.category, online: !offline, alarm });
    return { kind: 'position' as const, position: position(d.terminal, d.category, d.org, lat, lng, { alarm: alarm ? 1 : 0, ...(offline ? { time: hourAgo, receivedAt: hourAgo } : {}) }) };
  });
  await server.map.publish(events);
  // the registry's fixed camera is a terminal of the index as well (static: always online)
  sent.push({ id: CAMERA.id, lng: CAMERA.lng, lat: CAMERA.lat, org: CAMERA.org, category: 'fixedcam', online: true, alarm: false });

  const inTile = (s: Sent, z: number, x: number, y: number) => {
    const [px, py] = tileXY(s.lng, s.lat, z);
    return Math.floor(px) === x && Math.floor(py) === y;
  };
  const check = async (z: number, x: number, y: number, token: string, scope: string, query = '', keep: (s: Sent) => boolean = () => true) => {
    const res = await get(base, `/tiles/terminals/${z}/${x}/${y}.mvt${query}`, token);
    const expected = sent.filter((s) => s.org.startsWith(scope) && keep(s) && inTile(s, z, x, y));
    if (expected.length === 0) {
      t.equal(res.status, 204, `z${z} ${scope}${query}: nothing there, a 204`);
      return;
    }
    t.equal(res.status, 200, `z${z} ${scope}${query}: a tile`);
    const layer = (await mvt(res)).layers.terminals;
    t.ok(layer, 'an MVT layer named terminals');
    const features = layer?.features ?? [];
    const inside = features.filter((f: DecodedFeature) => f.x >= 0 && f.y >= 0 && f.x < EXTENT && f.y < EXTENT);
    t.ok(
      features.every((f) => f.x >= -BUFFER && f.y >= -BUFFER && f.x <= EXTENT + BUFFER && f.y <= EXTENT + BUFFER),
      'the rest lie in the buffer',
    );
    t.same(inside.map((f) => f.props.id).sort(), expected.map((s) => s.id).sort(), `z${z} ${scope}${query}: the ${expected.length} terminals the tile math puts there`);
    for (const s of expected) {
      const f = inside.find((g) => g.props.id === s.id);
      if (!f) continue;
      const [px, py] = tileXY(s.lng, s.lat, z);
      t.ok(Math.abs(f.x - (px - x) * EXTENT) <= 1 && Math.abs(f.y - (py - y) * EXTENT) <= 1, `${s.id} where it was sent`);
      t.same({ category: f.props.category, online: f.props.online, alarm: f.props.alarm }, { category: s.category, online: s.online, alarm: s.alarm }, `${s.id}: category, online, alarm`);
    }
  };

  // z14: the tile itself and a neighbour (walked by buckets); z5: the whole city in one tile (walked by position)
  await check(Z, cx, cy, TOKENS.city.token, 'wuhan');
  await check(Z, cx + 1, cy, TOKENS.city.token, 'wuhan');
  await check(Z, cx, cy, TOKENS.jianghan.token, 'wuhan/jianghan');
  await check(Z, cx, cy, TOKENS.wuchang.token, 'wuhan/wuchang');
  const [x5, y5] = tileXY(114.3, 30.58, 5).map(Math.floor) as [number, number];
  await check(5, x5, y5, TOKENS.city.token, 'wuhan');
  await check(5, x5, y5, TOKENS.jianghan.token, 'wuhan/jianghan');
  await check(Z, cx, cy, TOKENS.city.token, 'wuhan', '?online=false', (s) => !s.online);
  await check(Z, cx, cy, TOKENS.city.token, 'wuhan', '?alarm=true&category=vehicle', (s) => s.alarm && s.category === 'vehicle');

  const tj = (await (await get(base, '/tiles/terminals.json', TOKENS.city.token)).json()) as { tiles: string[]; vector_layers: { id: string }[] };
  t.match(tj.tiles[0], /^\/tiles\/terminals\/\{z\}\/\{x\}\/\{y\}\.mvt\?/, 'TileJSON: the layer\'s tile URL');
  t.same(tj.vector_layers.map((l) => l.id), ['terminals'], 'TileJSON: one vector layer, terminals');
  const counted = (await server.map.metrics.tileRequests.get()).values.filter((v) => v.labels.layer === 'terminals' && v.labels.status === '200');
  // (every layer's series start at 0: the count is in the hit or the miss series)
  t.ok(counted.reduce((n, v) => n + v.value, 0) > 0, 'dipper_tile_requests_total counts under the layer\'s name');
});
