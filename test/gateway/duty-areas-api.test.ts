/**
 * /api/duty-areas on a whole gateway (issue 18): created, read, replaced and deleted with the
 * admin right, within the token's scope (another district's area is a 404), bodies checked
 * against their schema and geometries by their rules (a 400 naming the field), a GeoJSON
 * FeatureCollection imported all or nothing with every bad feature named, and exported as a
 * FeatureCollection that imports again as it is.
 */
import t from 'tap';
import type { Test } from 'tap';
import type { Server } from '../../server/server.js';
import { startTestServer } from './helpers/server.js';
import { call } from './helpers/http.js';
import type { Answer } from './helpers/http.js';
import { districtTokens } from '../helpers/district-tokens.js';

const { CITY, JH, HS, tokens: TOKENS } = districtTokens('duty-admin', ['read', 'admin']);
const JH_READ = 'jianghan-duty-reader-token-00001';

const ring = (lng: number, lat: number, d: number) => [
  [lng, lat],
  [lng + d, lat],
  [lng + d, lat + d],
  [lng, lat + d],
  [lng, lat],
];

const beat = (over: object = {}) => ({
  name: '江汉一巡区',
  org: 'wuhan/jianghan',
  geometry: { type: 'Polygon', coordinates: [ring(114.27, 30.58, 0.01)] },
  shifts: [
    { day: 'mon', start: '08:00', end: '16:00' },
    { day: 'mon', start: '22:00', end: '06:00' },
  ],
  devices: ['013900000001'],
  people: [],
  ...over,
});

async function start(t: Test, duty: object = {}): Promise<{ server: Server; api: (token: string, method: string, path: string, body?: unknown) => Promise<Answer> }> {
  const server = await startTestServer(t, {
    api: {
      tokens: [
        ...TOKENS,
        { token: JH_READ, org: 'wuhan/jianghan', name: 'jianghan-reader' },
      ],
    },
    duty,
  } as never);
  const api = (token: string, method: string, path: string, body?: unknown) => call(server.ports.http, token, method, path, body);
  const devices = [
    { terminal: '13900000001', category: 'bodycam', org: 'wuhan/jianghan/s1' },
    { terminal: '13900000002', category: 'vehicle', org: 'wuhan/hongshan' },
  ];
  t.equal((await api(CITY, 'POST', '/api/devices/import', { terminals: devices })).status, 200);
  return { server, api };
}

t.test('create, read, replace, delete: admin right, within scope', async (t) => {
  const { api } = await start(t);
  t.equal((await api(JH_READ, 'PUT', '/api/duty-areas/jh-1', beat())).status, 403, 'the read right changes nothing');
  const created = await api(JH, 'PUT', '/api/duty-areas/jh-1', beat());
  t.equal(created.status, 201, created.text);
  t.match(created.json, { id: 'jh-1', name: '江汉一巡区', org: 'wuhan/jianghan', devices: ['13900000001'], shifts: [{ day: 'mon', start: '08:00', end: '16:00' }, { day: 'mon', start: '22:00', end: '06:00' }] });
  t.match((await api(JH_READ, 'GET', '/api/duty-areas/jh-1')).json, { id: 'jh-1', geometry: { type: 'Polygon', coordinates: [ring(114.27, 30.58, 0.01)] } }, 'the reader reads it');
  t.same((await api(JH_READ, 'GET', '/api/duty-areas')).json.items.map((a: { id: string }) => a.id), ['jh-1']);

  t.equal((await api(HS, 'GET', '/api/duty-areas/jh-1')).status, 404, "another district's area is not found");
  t.same((await api(HS, 'GET', '/api/duty-areas')).json.items, []);
  t.equal((await api(HS, 'PUT', '/api/duty-areas/jh-1', beat({ org: 'wuhan/hongshan', devices: [] }))).status, 404, 'nor replaced');
  t.equal((await api(HS, 'DELETE', '/api/duty-areas/jh-1')).status, 404, 'nor deleted');
  t.equal((await api(JH, 'PUT', '/api/duty-areas/jh-2', beat({ org: 'wuhan/hongshan', devices: [] }))).status, 403, 'an area for another district');

  const replaced = await api(JH, 'PUT', '/api/duty-areas/jh-1', beat({ name: 'renamed', shifts: [], devices: ['13900000001', '0013900000001'] }));
  t.equal(replaced.status, 200, 'replaced: 200');
  t.match(replaced.json, { name: 'renamed', shifts: [], devices: ['13900000001'] }, 'one terminal however it is written');
  t.equal((await api(JH, 'DELETE', '/api/duty-areas/jh-1')).status, 204);
  t.equal((await api(JH, 'GET', '/api/duty-areas/jh-1')).status, 404);
});

t.test('every body checked: a 400 naming the field', async (t) => {
  const { api } = await start(t);
  const cases: [string, object, RegExp][] = [
    ['no name', beat({ name: undefined }), /name/],
    ['an unknown field', { ...beat(), colour: 'red' }, /colour|additional/],
    ['a bad day', beat({ shifts: [{ day: 'funday', start: '08:00', end: '16:00' }] }), /shifts\/0\/day/],
    ['a bad time', beat({ shifts: [{ day: 'mon', start: '8:00', end: '16:00' }] }), /shifts\/0\/start/],
    ['25:00', beat({ shifts: [{ day: 'mon', start: '08:00', end: '25:00' }] }), /shifts\/0\/end/],
    ['a bad org path', beat({ org: 'wuhan//x' }), /org/],
    ['a Point', beat({ geometry: { type: 'Point', coordinates: [114.27, 30.58] } }), /geometry/],
    ['coordinates as strings', beat({ geometry: { type: 'Polygon', coordinates: [ring(114.27, 30.58, 0.01).map(([x, y]) => [String(x), 'north ' + String(y)])] } }), /geometry/],
    ['a ring left open', beat({ geometry: { type: 'Polygon', coordinates: [ring(114.27, 30.58, 0.01).slice(0, 4)] } }), /geometry\.coordinates\[0\]: not closed/],
    ['lat and lng swapped', beat({ geometry: { type: 'Polygon', coordinates: [ring(114.27, 30.58, 0.01).map(([x, y]) => [y!, x!])] } }), /geometry\.coordinates\[0\]\[0\]: latitude 114\.27/],
    ['a device that is not registered', beat({ devices: ['13999999999'] }), /devices: 13999999999/],
    ['a device id that is no terminal id', beat({ devices: ['../x'] }), /devices\/0/],
    ['an id that is no id', beat(), /id/],
  ];
  for (const [what, body, field] of cases) {
    const r = await api(JH, 'PUT', what === 'an id that is no id' ? '/api/duty-areas/a%20b' : '/api/duty-areas/jh-x', body);
    t.equal(r.status, 400, `${what}: 400`);
    t.match(r.json?.message, field, `${what}: ${r.json?.message}`);
  }
  t.same((await api(CITY, 'GET', '/api/duty-areas')).json.items, [], 'nothing written');
});

t.test('a FeatureCollection imported all or nothing, every bad feature named; exported as one that imports again', async (t) => {
  const { api } = await start(t);
  const feature = (id: unknown, over: object = {}, geometry: object = { type: 'Polygon', coordinates: [ring(114.27, 30.58, 0.01)] }) => {
    const { geometry: _g, ...properties } = beat(over);
    return { type: 'Feature', id, properties, geometry };
  };
  const bad = await api(JH, 'POST', '/api/duty-areas/import', {
    type: 'FeatureCollection',
    features: [
      feature('ok-1'),
      feature('bow-tie', {}, { type: 'Polygon', coordinates: [[[114, 30], [114.1, 30.1], [114.1, 30], [114, 30.1], [114, 30]]] }),
      feature(undefined),
      feature('ok-1'),
      feature('bad-shift', { shifts: [{ day: 'mon', start: '08:00' }] }),
      { type: 'Point' },
      feature('hongshan', { devices: ['13900000002'] }),
    ],
  });
  t.equal(bad.status, 400);
  t.match(bad.json.errors, [
    /^features\[1\]\.geometry: edge .* crosses/,
    /^features\[2\]\.id: /,
    /^features\[3\]\.id: "ok-1" is also features\[0\]'s/,
    /^features\[4\]\.properties\.shifts\[0\]/,
    /^features\[5\]: not a GeoJSON Feature/,
  ]);
  t.equal(bad.json.errors.length, 5, 'every bad feature named, once');
  t.same((await api(JH, 'GET', '/api/duty-areas')).json.items, [], 'nothing imported');

  const refused = await api(JH, 'POST', '/api/duty-areas/import', { type: 'FeatureCollection', features: [feature('ok-1'), feature('hongshan', { devices: ['13900000002'] })] });
  t.equal(refused.status, 400, "a feature naming another district's device");
  t.same(refused.json.errors, ["features[1] (hongshan): devices: 13900000002 not in the registry under the area's org unit"]);
  t.same((await api(JH, 'GET', '/api/duty-areas')).json.items, [], 'still nothing: the good one is not kept either');

  const good = await api(JH, 'POST', '/api/duty-areas/import', { type: 'FeatureCollection', features: [feature('ok-1'), { ...feature(undefined, { name: '二巡区' }), properties: { ...feature(undefined).properties, id: 'ok-2' } }] });
  t.equal(good.status, 200, good.text);
  t.same(good.json, { created: 2, replaced: 0 });

  const exported = await api(JH, 'GET', '/api/duty-areas?format=geojson');
  t.equal(exported.json.type, 'FeatureCollection');
  t.same(exported.json.features.map((f: { id: string }) => f.id), ['ok-1', 'ok-2']);
  // the export's properties carry updatedAt, which an import does not take: dropped, the rest as it is
  const again = { type: 'FeatureCollection', features: exported.json.features.map((f: { properties: { updatedAt?: string } }) => ({ ...f, properties: { ...f.properties, updatedAt: undefined } })) };
  t.same((await api(JH, 'POST', '/api/duty-areas/import', JSON.parse(JSON.stringify(again)))).json, { created: 0, replaced: 2 }, 'the export imports again');
});
