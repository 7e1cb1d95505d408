/**
 * The duty-area routes against a caller who sends what no drawing tool would, or acts for
 * another district: a polygon past duty.maxVertices or a body past its bound is refused whole
 * before anything is written (and a huge one of few vertices held as a coarse cover within
 * duty.maxCellsPerArea), a self-crossing ring is refused (which side is inside would
 * depend on the rule used), another district's devices and people cannot be assigned (and the
 * answer tells nothing about them), another district's area is neither replaced nor taken over
 * by an import, and the number of areas stays within duty.maxAreas.
 */
import t from 'tap';
import type { Test } from 'tap';
import type { Server } from '../../server/server.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { call } from '../gateway/helpers/http.js';
import type { Answer } from '../gateway/helpers/http.js';
import { square } from '../helpers/duty.js';
import { districtTokens } from '../helpers/district-tokens.js';

const { CITY, JH, HS, tokens: TOKENS } = districtTokens('duty-sec', ['read', 'admin']);

const area = (org: string, over: object = {}) => ({ name: 'beat', org, geometry: square(114.27, 30.58, 0.01), shifts: [], devices: [], people: [], ...over });

async function start(t: Test, duty: object = {}): Promise<{ server: Server; api: (token: string, method: string, path: string, body?: unknown) => Promise<Answer> }> {
  const server = await startTestServer(t, {
    api: {
      tokens: [
        ...TOKENS,
      ],
    },
    duty: { maxVertices: 200, maxAreas: 3, maxAssigned: 5, ...duty },
  } as never);
  const api = (token: string, method: string, path: string, body?: unknown) => call(server.ports.http, token, method, path, body);
  const import_ = await api(CITY, 'POST', '/api/devices/import', {
    terminals: [
      { terminal: '13977770001', category: 'bodycam', org: 'wuhan/jianghan' },
      { terminal: '13977770002', category: 'vehicle', org: 'wuhan/hongshan', plate: '鄂A77777' },
      { terminal: '13977770003', category: 'vehicle', org: 'wuhan' },
    ],
  });
  t.equal(import_.status, 200);
  t.equal((await api(HS, 'PUT', '/api/people/hs-zhao', { name: '赵警官', role: 'officer', org: 'wuhan/hongshan', devices: ['13977770002'] })).status, 200);
  return { server, api };
}

t.test('huge polygons: refused whole before anything is written', async (t) => {
  const { api } = await start(t);
  // a circle of 300 positions (duty.maxVertices is 200)
  const circle = Array.from({ length: 300 }, (_, i) => [114.3 + 0.01 * Math.cos((2 * Math.PI * i) / 300), 30.6 + 0.01 * Math.sin((2 * Math.PI * i) / 300)]);
  const many = await api(JH, 'PUT', '/api/duty-areas/big', area('wuhan/jianghan', { geometry: { type: 'Polygon', coordinates: [[...circle, circle[0]]] } }));
  t.equal(many.status, 400);
  t.match(many.json.message, /geometry\.coordinates.*duty\.maxVertices|maxItems|must NOT have more than/);
  // the same number of positions spread over rings and parts counts as well
  const parts = Array.from({ length: 4 }, (_, p) => [[...circle.slice(0, 60).map(([x, y]) => [x! + p, y!]), [circle[0]![0]! + p, circle[0]![1]!]]]);
  const spread = await api(JH, 'PUT', '/api/duty-areas/big', area('wuhan/jianghan', { geometry: { type: 'MultiPolygon', coordinates: parts } }));
  t.equal(spread.status, 400);
  t.match(spread.json.message, /244 positions, more than duty\.maxVertices \(200\)/);
  // a body far past what 200 positions need: 413 from its length, before it is parsed
  const padded = await api(JH, 'PUT', '/api/duty-areas/big', { ...area('wuhan/jianghan'), name: 'x'.repeat(2 * 1024 * 1024) });
  t.equal(padded.status, 413);
  // nested past http.maxJsonDepth
  const deep = await api(JH, 'PUT', '/api/duty-areas/big', `{"name":"x","org":"wuhan/jianghan","geometry":${'['.repeat(100)}${']'.repeat(100)}}`);
  t.equal(deep.status, 400);
  // an import of more features than duty.maxAreas
  const flood = await api(JH, 'POST', '/api/duty-areas/import', { type: 'FeatureCollection', features: Array.from({ length: 4 }, (_, i) => ({ type: 'Feature', id: `f${i}`, properties: { name: 'x', org: 'wuhan/jianghan' }, geometry: square(114, 30, 0.01) })) });
  t.equal(flood.status, 400);
  t.same((await api(CITY, 'GET', '/api/duty-areas')).json.items, [], 'nothing written');
});

t.test('a huge polygon of few vertices: taken, its cover made coarse within duty.maxCellsPerArea', async (t) => {
  const { server, api } = await start(t, { maxCellsPerArea: 500 });
  // most of China in eight vertices: at resolution 9 it would be ~90 million cells
  const china = { type: 'Polygon', coordinates: [[[75, 20], [100, 18], [122, 22], [135, 48], [120, 53], [90, 49], [74, 40], [73, 30], [75, 20]]] };
  const r = await api(CITY, 'PUT', '/api/duty-areas/china', area('wuhan', { geometry: china }));
  t.equal(r.status, 201, r.text);
  const cover = server.duty!.area('china')!.cover;
  t.ok(cover.size <= 500, `${cover.size} cells at resolution ${cover.res}`);
});

t.test('a self-crossing ring is refused, naming the edges', async (t) => {
  const { api } = await start(t);
  const bowTie = { type: 'Polygon', coordinates: [[[114.27, 30.58], [114.28, 30.59], [114.28, 30.58], [114.27, 30.59], [114.27, 30.58]]] };
  const r = await api(JH, 'PUT', '/api/duty-areas/x', area('wuhan/jianghan', { geometry: bowTie }));
  t.equal(r.status, 400);
  t.match(r.json.message, /edge geometry\.coordinates\[0\]\[0\]-\[1\] crosses edge geometry\.coordinates\[0\]\[2\]-\[3\]/);
});

t.test("another district's devices, people and areas are not the caller's", async (t) => {
  const { api } = await start(t);
  const dev = await api(JH, 'PUT', '/api/duty-areas/jh-1', area('wuhan/jianghan', { devices: ['13977770001', '13977770002'] }));
  t.equal(dev.status, 400, "Hongshan's car in a Jianghan beat");
  t.notMatch(dev.text, /hongshan|鄂A77777|vehicle/, 'the answer tells nothing about it');
  t.equal((await api(JH, 'PUT', '/api/duty-areas/jh-1', area('wuhan/jianghan', { people: ['hs-zhao'] }))).status, 400, "Hongshan's officer");
  t.equal((await api(JH, 'PUT', '/api/duty-areas/jh-1', area('wuhan/jianghan', { devices: ['13977770003'] }))).status, 400, "the city's own car: not under the area's org unit");
  t.equal((await api(JH, 'PUT', '/api/duty-areas/jh-1', area('wuhan/hongshan'))).status, 403, 'an area owned by Hongshan');
  t.equal((await api(JH, 'PUT', '/api/duty-areas/jh-1', area('wuhan/jianghan', { devices: ['13977770001'] }))).status, 201);

  t.equal((await api(HS, 'PUT', '/api/duty-areas/hs-1', area('wuhan/hongshan', { people: ['hs-zhao'] }))).status, 201);
  // Jianghan writes Hongshan's area by its id, directly and by import
  t.equal((await api(JH, 'PUT', '/api/duty-areas/hs-1', area('wuhan/jianghan'))).status, 404);
  const taken = await api(JH, 'POST', '/api/duty-areas/import', { type: 'FeatureCollection', features: [{ type: 'Feature', id: 'hs-1', properties: { name: 'mine now', org: 'wuhan/jianghan' }, geometry: square(114, 30, 0.01) }] });
  t.equal(taken.status, 400);
  t.match((await api(HS, 'GET', '/api/duty-areas/hs-1')).json, { org: 'wuhan/hongshan', name: 'beat', people: ['hs-zhao'] }, "Hongshan's area unchanged");
  t.equal((await api(JH, 'GET', '/api/duty-areas/hs-1')).status, 404);
  t.same((await api(JH, 'GET', '/api/duty-areas')).json.items.map((a: { id: string }) => a.id), ['jh-1'], 'the list shows its own only');
});

t.test('the number of areas and assignments stays within its bounds', async (t) => {
  const { api } = await start(t);
  for (const id of ['a1', 'a2', 'a3']) t.equal((await api(JH, 'PUT', `/api/duty-areas/${id}`, area('wuhan/jianghan'))).status, 201);
  const fourth = await api(HS, 'PUT', '/api/duty-areas/a4', area('wuhan/hongshan'));
  t.equal(fourth.status, 409, 'duty.maxAreas is for the whole gateway: its memory holds them all');
  t.match(fourth.json.message, /duty\.maxAreas/);
  t.equal((await api(JH, 'PUT', '/api/duty-areas/a3', area('wuhan/jianghan', { name: 'replaced' }))).status, 200, 'replacing takes no new place');
  const six = ['1', '2', '3', '4', '5', '6'].map((n) => `1397777100${n}`);
  t.equal((await api(JH, 'PUT', '/api/duty-areas/a1', area('wuhan/jianghan', { devices: six }))).status, 400, 'more devices than duty.maxAssigned');
});
