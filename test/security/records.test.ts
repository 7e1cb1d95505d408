/**
 * The records routes (issue 17) against a caller who acts for someone else or sends what no
 * client would: another district's device, person, case or incident is never read, changed or
 * taken over (404, never 409, and nothing changes), filters and cursors that are not what they
 * claim answer 400 before any SQL, and bodies past their bound are refused whole.
 */
import t from 'tap';
import type { Test } from 'tap';
import type { Server } from '../../server/server.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { call } from '../gateway/helpers/http.js';
import type { Answer } from '../gateway/helpers/http.js';

const CITY = 'city-admin-token-000000000000001';
const JH = 'jianghan-admin-token-0000000001';
const JH_READ = 'jianghan-reader-token-000000001';
const HS = 'hongshan-admin-token-0000000001';

async function start(t: Test): Promise<{ server: Server; api: (token: string, method: string, path: string, body?: unknown, type?: string) => Promise<Answer> }> {
  const server = await startTestServer(t, {
    api: {
      tokens: [
        { token: CITY, org: '', name: 'city', rights: ['read', 'admin', 'command'] },
        { token: JH, org: 'wuhan/jianghan', name: 'jianghan-admin', rights: ['read', 'admin', 'command'] },
        { token: JH_READ, org: 'wuhan/jianghan', name: 'jianghan-reader' },
        { token: HS, org: 'wuhan/hongshan', name: 'hongshan-admin', rights: ['read', 'admin', 'command'] },
      ],
    },
  });
  return { server, api: (token, method, path, body, type) => call(server.ports.http, token, method, path, body, type) };
}

t.test("another district's device is not taken over by import, by a person's carried devices, or by a move", async (t) => {
  const { server, api } = await start(t);
  t.equal((await api(HS, 'PUT', '/api/devices/13933330001', { category: 'vehicle', org: 'wuhan/hongshan', plate: '鄂A11111' })).status, 200);
  // the Jianghan admin names Hongshan's terminal as its own in an import (JSON and CSV)
  const json = await api(JH, 'POST', '/api/devices/import', { terminals: [{ terminal: '13933330001', category: 'bodycam', org: 'wuhan/jianghan' }] });
  t.not(json.status, 200, `a JSON import does not take it (${json.status})`);
  const csv = await api(JH, 'POST', '/api/devices/import', 'type,id,category,org,plate,officer,lat,lng,name,terminalId,epoch\nterminal,13933330001,bodycam,wuhan/jianghan,,,,,,,\n', 'text/csv');
  t.not(csv.status, 200, `nor a CSV one (${csv.status})`);
  // a person in Jianghan claims to carry it
  const person = await api(JH, 'PUT', '/api/people/P-9', { name: '王五', role: 'officer', org: 'wuhan/jianghan', devices: ['13933330001'] });
  t.equal(person.status, 400, 'a device outside the scope is as unknown as one that does not exist');
  t.notMatch(person.text, /hongshan|鄂A11111/, 'and the answer tells nothing about it');
  // the city moves it to Jianghan and back: only the city could
  t.equal((await api(JH, 'PUT', '/api/devices/13933330001', { category: 'vehicle', org: 'wuhan/jianghan' })).status, 404);
  const still = await api(CITY, 'GET', '/api/devices/13933330001');
  t.match(still.json, { org: 'wuhan/hongshan', category: 'vehicle', plate: '鄂A11111' }, 'unchanged');
  t.equal(server.gateway.registry.lookup('13933330001')?.org, 'wuhan/hongshan', "and the gateway's copy too");
  t.equal((await api(JH, 'GET', '/api/devices/export?format=csv')).text.includes('13933330001'), false, 'not in the export');
});

t.test('org paths: no way out of the subtree', async (t) => {
  const { api } = await start(t);
  t.equal((await api(CITY, 'POST', '/api/orgs', { path: 'wuhan', kind: 'city', name: '武汉市' })).status, 201);
  t.equal((await api(CITY, 'POST', '/api/orgs', { path: 'wuhan/jianghan', kind: 'district', name: '江汉区' })).status, 201);
  t.equal((await api(CITY, 'POST', '/api/orgs', { path: 'wuhan/hongshan', kind: 'district', name: '洪山区' })).status, 201);
  for (const path of ['wuhan/jianghan/../hongshan/x', 'wuhan/jianghan/./x', 'wuhan/jianghan//x', 'wuhan/jianghan/%2e%2e', '/wuhan/jianghan/x', 'wuhan/jianghanx/y']) {
    const r = await api(JH, 'POST', '/api/orgs', { path, kind: 'squad', name: 'x' });
    t.ok(r.status === 400 || r.status === 403, `${path}: ${r.status}`);
  }
  t.equal((await api(JH, 'PATCH', '/api/orgs/wuhan/jianghan/../hongshan', { name: 'taken' })).status >= 400, true, 'PATCH with .. in the URL');
  t.equal((await api(JH, 'PATCH', '/api/orgs/wuhan/jianghanx', { name: 'taken' })).status, 404, 'a sibling whose name starts like ours is not ours');
  t.equal((await api(CITY, 'GET', '/api/orgs')).json.find((o: { path: string }) => o.path === 'wuhan/hongshan').name, '洪山区');
});

t.test('filters and cursors are checked before any SQL', async (t) => {
  const { api } = await start(t);
  const probes = [
    "/api/incidents?kind=sos'%3B%20DROP%20TABLE%20incidents%3B--",
    '/api/incidents?status=open,closed%20OR%201=1',
    '/api/incidents?terminal=1%27%20OR%20%271%27=%271',
    '/api/incidents?after=AAAA',
    `/api/incidents?after=${Buffer.from(JSON.stringify({ t: 'x', id: "' OR 1=1 --" })).toString('base64url')}`,
    '/api/incidents?limit=100000',
    '/api/incidents/not-a-uuid',
    '/api/cases?after=garbage',
    '/api/cases?bbox=1,2,3',
    '/api/cases?status=open%3Bselect',
    '/api/devices?category=vehicle%27--',
    '/api/devices?after=%00%01',
  ];
  for (const path of probes) {
    const r = await api(JH, 'GET', path);
    t.ok(r.status === 400 || r.status === 404, `${path}: ${r.status} ${r.json?.message ?? ''}`);
  }
  t.equal((await api(JH, 'GET', '/api/incidents')).status, 200, 'the table is still there');
});

t.test('bodies past their bounds are refused whole', async (t) => {
  const { server, api } = await start(t);
  // an import over its 8 MB limit: 413, nothing imported
  const line = (i: number) => `terminal,${13800000000 + i},vehicle,wuhan/jianghan,,,,,,,`;
  const big = ['type,id,category,org,plate,officer,lat,lng,name,terminalId,epoch', ...Array.from({ length: 200_000 }, (_, i) => line(i))].join('\n');
  t.ok(big.length > 8 * 1024 * 1024, `${(big.length / 1048576).toFixed(1)} MB`);
  t.equal((await api(JH, 'POST', '/api/devices/import', big, 'text/csv')).status, 413);
  t.same((await api(JH, 'GET', '/api/devices')).json.items, [], 'nothing imported');
  // the other write routes keep the API's default limit
  const note = 'x'.repeat(3000);
  t.equal((await api(JH, 'PUT', '/api/devices/13944440001', { category: 'vehicle', org: 'wuhan/jianghan', plate: note })).status, 400, 'a plate past its length');
  const carrying = (n: number) => ({ name: 'a', role: 'officer', org: 'wuhan/jianghan', devices: Array.from({ length: n }, (_, i) => String(13800000000 + i)) });
  t.equal((await api(JH, 'PUT', '/api/people/P-1', carrying(65))).status, 400, 'a person carrying more than 64 devices');
  t.equal((await api(JH, 'PUT', '/api/people/P-1', carrying(10_000))).status, 413, 'ten thousand: past the body limit before any parsing of the list');
  t.equal((await api(JH, 'PUT', '/api/devices/13944440001', { category: 'vehicle', org: 'wuhan/jianghan', channels: Array.from({ length: 1000 }, (_, i) => i) })).status, 400, 'a thousand video channels');
  t.equal(server.gateway.registry.lookup('13944440001'), undefined, 'none of them stored');
});

t.test('read right only: nothing changes', async (t) => {
  const { api } = await start(t);
  for (const [method, path, body] of [
    ['PUT', '/api/devices/13955550001', { category: 'vehicle', org: 'wuhan/jianghan' }],
    ['POST', '/api/devices/import', { terminals: [] }],
    ['PUT', '/api/people/P-1', { name: 'a', role: 'officer', org: 'wuhan/jianghan', devices: [] }],
    ['POST', '/api/orgs', { path: 'wuhan/jianghan/s', kind: 'squad', name: 's' }],
    ['POST', '/api/incidents/00000000-0000-4000-8000-000000000000/ack', {}],
    ['POST', '/api/cases', { type: 'x', location: { lat: 30.5, lng: 114.3 } }],
  ] as const) {
    t.equal((await api(JH_READ, method, path, body)).status, 403, `${method} ${path}`);
  }
});
