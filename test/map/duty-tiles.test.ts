/**
 * The duty tile layer (issue 18): duty areas coloured by coverage, the share of assigned units
 * on post now, with real terminals over TCP. Expected counts follow from where each terminal
 * reported (inside, outside, no fix, never heard), as GET /api/duty-areas/{id}/status judges
 * them; the tile's x/y are worked out here from the Web Mercator formula, not read from the
 * server.
 */
import t from 'tap';
import { startTestServer } from '../gateway/helpers/server.js';
import { call, until } from '../gateway/helpers/http.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';
import { ALWAYS, INSIDE, OUTSIDE } from '../helpers/duty.js';
import { districtTokens } from '../helpers/district-tokens.js';

const { CITY, JH, HS, tokens: TOKENS } = districtTokens('duty-tiles', ['read', 'admin']);

const RING = [
  [114.27, 30.58],
  [114.29, 30.58],
  [114.29, 30.6],
  [114.27, 30.6],
  [114.27, 30.58],
];
// a second part far enough away to sit in another z12 tile
const ISLAND = [
  [114.4, 30.5],
  [114.41, 30.5],
  [114.41, 30.51],
  [114.4, 30.51],
  [114.4, 30.5],
];

/** slippy-map tile of a point (OSM wiki formula) */
function tileOf(lng: number, lat: number, z: number): [number, number] {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return [Math.floor(((lng + 180) / 360) * n), Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n)];
}

interface Feature {
  geometry: { type: string; coordinates: number[][][] };
  properties: Record<string, unknown>;
}

t.test('duty tiles: each area with its units on post, off post and silent; scoped; a move shows on the next tile', async (t) => {
  const server = await startTestServer(t, {
    api: {
      tokens: [
        ...TOKENS,
      ],
    },
    duty: { noSignalMs: 600_000, checkMs: 50 },
  } as never);
  const api = (token: string, method: string, path: string, body?: unknown) => call(server.ports.http, token, method, path, body);
  const ids = ['13977770001', '13977770002', '13977770003', '13977770004'];
  t.equal((await api(CITY, 'POST', '/api/devices/import', { terminals: ids.map((terminal) => ({ terminal, category: 'bodycam', org: 'wuhan/jianghan/s1' })) })).status, 200);
  const geometry = { type: 'MultiPolygon', coordinates: [[RING], [ISLAND]] };
  t.equal((await api(JH, 'PUT', '/api/duty-areas/beat', { name: '江汉一巡区', org: 'wuhan/jianghan', geometry, shifts: ALWAYS, devices: ids })).status, 201);

  const terminals = new Map<string, TestTerminal>();
  const report = async (id: string, body: object) => {
    let term = terminals.get(id);
    if (!term) {
      term = await TestTerminal.tcp(server.ports.jt808, { phone: `0${id}` });
      t.teardown(() => term!.close());
      await term.login();
      terminals.set(id, term);
    }
    await term.ackOf(term.send(0x0200, body));
  };
  await report(ids[0]!, locationBody(INSIDE));
  await report(ids[1]!, locationBody(OUTSIDE));
  await report(ids[2]!, locationBody({ lat: 0, lng: 0, status: 0x1 })); // heard, no fix
  // ids[3]: never heard from

  const tj = (await api(JH, 'GET', '/tiles/duty.json')).json;
  t.same(
    tj.vector_layers.map((l: { id: string }) => l.id),
    ['duty'],
  );
  t.match(tj.tiles[0], /\/tiles\/duty\/\{z\}\/\{x\}\/\{y\}\.mvt/);

  const [x, y] = tileOf(INSIDE.lng, INSIDE.lat, 12);
  const tile = async (token: string, query = '') => {
    const r = await api(token, 'GET', `/tiles/duty/12/${x}/${y}.geojson${query}`);
    return r.status === 204 ? [] : (JSON.parse(r.text) as { features: Feature[] }).features;
  };
  const features = await tile(JH);
  t.equal(features.length, 1, 'one feature: the part in this tile (the island is in another)');
  const [f] = features;
  t.same(f!.properties, { layer: 'duty', id: 'beat', name: '江汉一巡区', org: 'wuhan/jianghan', assigned: 4, onPost: 1, offPost: 1, silent: 2, coverage: 0.25, onShift: true });
  t.equal(f!.geometry.type, 'Polygon');
  t.same(f!.geometry.coordinates, [RING], 'the ring as drawn, in WGS-84');

  const [ix, iy] = tileOf(114.405, 30.505, 12);
  t.not(`${ix}/${iy}`, `${x}/${y}`);
  const island = JSON.parse((await api(JH, 'GET', `/tiles/duty/12/${ix}/${iy}.geojson`)).text) as { features: Feature[] };
  t.same(island.features.map((g) => [g.properties.id, g.geometry.coordinates]), [['beat', [ISLAND]]], 'the other part, same area');

  t.same(await tile(HS), [], "another district's token: no area");
  t.same(await tile(CITY, '?org=wuhan/hongshan'), [], 'org narrows the areas shown');
  t.equal((await tile(CITY))[0]!.properties.assigned, 4, 'the city sees the same area');

  const shifted = (await tile(JH, '?crs=gcj02'))[0]!;
  const [lng0, lat0] = shifted.geometry.coordinates[0]![0]!;
  t.ok(Math.abs(lng0! - RING[0]![0]!) > 0.002 && Math.abs(lng0! - RING[0]![0]!) < 0.01 && Math.abs(lat0! - RING[0]![1]!) < 0.01, 'GCJ-02: the ring shifted by a few hundred metres');

  // the unit on post walks out: the next tile says so
  await report(ids[0]!, locationBody(OUTSIDE));
  const moved = await until('the tile showing the unit off post', async () => {
    const p = (await tile(JH))[0]!.properties;
    return p.onPost === 0 ? p : undefined;
  });
  t.match(moved, { assigned: 4, onPost: 0, offPost: 2, silent: 2, coverage: 0 });

  // a unit moved to another district leaves Jianghan's counts (as the status route shows it)
  t.equal((await api(CITY, 'PUT', `/api/devices/${ids[1]}`, { category: 'bodycam', org: 'wuhan/hongshan' })).status, 200);
  await report(ids[1]!, locationBody(OUTSIDE));
  const scoped = await until('the moved unit out of Jianghan\'s counts', async () => {
    const p = (await tile(JH))[0]!.properties;
    return p.assigned === 3 ? p : undefined;
  });
  t.match(scoped, { assigned: 3, offPost: 1 });
  t.equal((await tile(CITY))[0]!.properties.assigned, 4, 'the city counts it still');
});

t.test('without duty areas the layer is empty', async (t) => {
  const server = await startTestServer(t);
  const [x, y] = tileOf(INSIDE.lng, INSIDE.lat, 12);
  t.equal((await call(server.ports.http, undefined, 'GET', `/tiles/duty/12/${x}/${y}.mvt`)).status, 204);
});
