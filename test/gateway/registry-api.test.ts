/**
 * The registry through the API (issue 17): org units as a tree, devices, people, scoped by the
 * token's org and changed only with the admin right; a CSV with bad rows imports nothing and
 * names every bad line; a device moved to another squad is counted there without a new report.
 */
import t from 'tap';
import type { Test } from 'tap';
import type { Server } from '../../server/server.js';
import { startTestServer } from './helpers/server.js';
import { call, until } from './helpers/http.js';
import { TestTerminal, locationBody } from './helpers/terminal.js';

const CITY = 'city-admin-token-000000000000001';
const JH_ADMIN = 'jianghan-admin-token-0000000001';
const JH_READ = 'jianghan-reader-token-000000001';
const HS_ADMIN = 'hongshan-admin-token-0000000001';

async function start(t: Test): Promise<Server> {
  return startTestServer(t, {
    api: {
      tokens: [
        { token: CITY, org: '', name: 'city', rights: ['read', 'admin'] },
        { token: JH_ADMIN, org: 'wuhan/jianghan', name: 'jianghan-admin', rights: ['read', 'admin'] },
        { token: JH_READ, org: 'wuhan/jianghan', name: 'jianghan-reader' },
        { token: HS_ADMIN, org: 'wuhan/hongshan', name: 'hongshan-admin', rights: ['read', 'admin'] },
      ],
    },
  });
}

t.test('org units: a tree, created under an existing parent, deleted only when empty, within the scope', async (t) => {
  const server = await start(t);
  const api = (token: string, method: string, path: string, body?: unknown) => call(server.ports.http, token, method, path, body);
  t.equal((await api(CITY, 'POST', '/api/orgs', { path: 'wuhan', kind: 'city', name: '武汉市' })).status, 201);
  t.equal((await api(CITY, 'POST', '/api/orgs', { path: 'wuhan/jianghan', kind: 'district', name: '江汉区' })).status, 201);
  t.equal((await api(CITY, 'POST', '/api/orgs', { path: 'wuhan/hongshan', kind: 'district', name: '洪山区' })).status, 201);
  const orphan = await api(JH_ADMIN, 'POST', '/api/orgs', { path: 'wuhan/jianghan/a/b', kind: 'squad', name: 'b' });
  t.equal(orphan.status, 400);
  t.match(orphan.json.message, /parent "wuhan\/jianghan\/a"/);
  t.equal((await api(JH_ADMIN, 'POST', '/api/orgs', { path: 'wuhan/jianghan/squad-1', kind: 'squad', name: '一中队' })).status, 201);
  t.equal((await api(JH_ADMIN, 'POST', '/api/orgs', { path: 'wuhan/jianghan/squad-2', kind: 'squad', name: '二中队' })).status, 201);
  t.equal((await api(JH_ADMIN, 'POST', '/api/orgs', { path: 'wuhan/hongshan/squad-9', kind: 'squad', name: 'x' })).status, 403, "not in another district's tree");
  t.equal((await api(JH_READ, 'POST', '/api/orgs', { path: 'wuhan/jianghan/squad-3', kind: 'squad', name: 'x' })).status, 403, 'admin right needed');
  const bad = await api(JH_ADMIN, 'POST', '/api/orgs', { path: 'wuhan/jianghan/squad 3', kind: 'platoon', name: 'x' });
  t.equal(bad.status, 400);
  t.match(bad.json.message, /path|kind/, 'the 400 names the field');
  t.same((await api(JH_READ, 'GET', '/api/orgs')).json.map((o: { path: string }) => o.path), ['wuhan/jianghan', 'wuhan/jianghan/squad-1', 'wuhan/jianghan/squad-2']);
  t.equal((await api(JH_ADMIN, 'PATCH', '/api/orgs/wuhan/jianghan/squad-2', { name: '第二中队' })).json.name, '第二中队');
  t.equal((await api(HS_ADMIN, 'PATCH', '/api/orgs/wuhan/jianghan/squad-2', { name: 'taken over' })).status, 404, '404, never 409');
  // a device in squad-2: the unit is not empty
  t.equal((await api(JH_ADMIN, 'PUT', '/api/devices/13900000001', { category: 'bodycam', org: 'wuhan/jianghan/squad-2' })).status, 200);
  const busy = await api(JH_ADMIN, 'DELETE', '/api/orgs/wuhan/jianghan/squad-2');
  t.equal(busy.status, 409);
  t.match(busy.json.message, /devices/);
  t.equal((await api(JH_ADMIN, 'DELETE', '/api/devices/13900000001')).status, 204);
  t.equal((await api(JH_ADMIN, 'DELETE', '/api/orgs/wuhan/jianghan/squad-2')).status, 204);
  t.equal((await api(HS_ADMIN, 'DELETE', '/api/orgs/wuhan/jianghan/squad-1')).status, 404);
});

t.test('devices and people: scoped, validated, carried devices; a move reaches the live map at once', async (t) => {
  const server = await start(t);
  const api = (token: string, method: string, path: string, body?: unknown) => call(server.ports.http, token, method, path, body);
  const put = await api(JH_ADMIN, 'PUT', '/api/devices/013911110001', { category: 'vehicle', org: 'wuhan/jianghan/squad-1', officer: '张三', channels: [1, 2] });
  t.equal(put.status, 200);
  t.match(put.json, { terminal: '13911110001', category: 'vehicle', org: 'wuhan/jianghan/squad-1', officer: '张三', channels: [1, 2], epoch: 0 });
  const badCategory = await api(JH_ADMIN, 'PUT', '/api/devices/13911110002', { category: 'spaceship', org: 'wuhan/jianghan' });
  t.equal(badCategory.status, 400);
  t.match(badCategory.json.message, /category/);
  t.equal((await api(JH_ADMIN, 'PUT', '/api/devices/13911110002', { category: 'vehicle', org: 'wuhan/hongshan' })).status, 403, 'not into another district');
  t.equal((await api(HS_ADMIN, 'GET', '/api/devices/13911110001')).status, 404);
  t.equal((await api(HS_ADMIN, 'PUT', '/api/devices/13911110001', { category: 'vehicle', org: 'wuhan/hongshan' })).status, 404, 'a device of another scope is not taken over: 404, never 409');
  t.equal((await api(HS_ADMIN, 'DELETE', '/api/devices/13911110001')).status, 404);

  const person = await api(JH_ADMIN, 'PUT', '/api/people/P-001', { name: '张三', role: 'officer', org: 'wuhan/jianghan/squad-1', devices: ['13911110001'] });
  t.equal(person.status, 200);
  t.same(person.json.devices, ['13911110001']);
  t.equal((await api(JH_ADMIN, 'GET', '/api/devices/13911110001')).json.person, 'P-001', 'the device says who carries it');
  const unknownDevice = await api(JH_ADMIN, 'PUT', '/api/people/P-002', { name: '李四', role: 'auxiliary', org: 'wuhan/jianghan', devices: ['13999999999'] });
  t.equal(unknownDevice.status, 400);
  t.match(unknownDevice.json.message, /13999999999/);
  t.same((await api(HS_ADMIN, 'GET', '/api/people')).json, []);

  // the terminal reports from squad-1; moved to squad-2, it is counted there before it reports again
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: '013911110001' });
  t.teardown(() => term.close());
  await term.login();
  await term.ackOf(term.send(0x0200, locationBody()));
  const inSquad = async (squad: string) => (await api(JH_READ, 'GET', `/api/terminals?org=wuhan/jianghan/${squad}`)).json.items.map((i: { id: string }) => i.id);
  await until('the terminal on the map in squad-1', async () => ((await inSquad('squad-1')).includes('13911110001') ? true : undefined));
  t.equal((await api(JH_ADMIN, 'PUT', '/api/devices/13911110001', { category: 'vehicle', org: 'wuhan/jianghan/squad-2', officer: '张三' })).status, 200);
  t.same(await inSquad('squad-2'), ['13911110001'], 'counted in squad-2 now');
  t.same(await inSquad('squad-1'), [], 'and no longer in squad-1');
  // its session reads the new entry: its next report is published under squad-2
  await term.ackOf(term.send(0x0200, locationBody({ lat: 30.6 })));
  await until('the next report under squad-2', () => (server.map.index.position('13911110001')?.org === 'wuhan/jianghan/squad-2' && server.map.index.position('13911110001')?.lat === 30.6 ? true : undefined));
  t.pass('the session took the move');
});

t.test('import and export: CSV and JSON, all or nothing, every bad line named', async (t) => {
  const server = await start(t);
  const api = (token: string, method: string, path: string, body?: unknown, type?: string) => call(server.ports.http, token, method, path, body, type);
  // lines 3 and 5 are bad (a category that is not one, a terminal that is not digits); line 4 is a comment
  const bad = ['type,id,category,org,plate,officer,lat,lng,name,terminalId,epoch', 'terminal,13922220001,vehicle,wuhan/jianghan,鄂A00001,,,,,,', 'terminal,13922220002,spaceship,wuhan/jianghan,,,,,,,', '# a comment line', 'terminal,13922zz0003,bodycam,wuhan/jianghan,,,,,,,', 'resource,cam-1,fixedcam,wuhan/jianghan,,,30.58,114.27,north gate,,'].join('\n');
  const refused = await api(JH_ADMIN, 'POST', '/api/devices/import', bad, 'text/csv');
  t.equal(refused.status, 400);
  t.equal(refused.json.errors.length, 2, 'both bad rows');
  t.match(refused.json.errors[0], /^line 3: category "spaceship"/);
  t.match(refused.json.errors[1], /^line 5: terminal "13922zz0003"/);
  t.same((await api(JH_ADMIN, 'GET', '/api/devices')).json.items, [], 'nothing imported');

  const good = bad.split('\n').filter((_, i) => i !== 2 && i !== 4).join('\n');
  const done = await api(JH_ADMIN, 'POST', '/api/devices/import', good, 'text/csv');
  t.same(done.json, { devices: 1, resources: 1 });
  t.equal(server.gateway.registry.lookup('13922220001')?.plate, '鄂A00001', 'in the gateway without a restart');
  const outside = await api(JH_ADMIN, 'POST', '/api/devices/import', { terminals: [{ terminal: '13922220009', category: 'vehicle', org: 'wuhan/hongshan' }] });
  t.equal(outside.status, 403);
  t.equal(server.gateway.registry.lookup('13922220009'), undefined);

  const csv = await api(JH_READ, 'GET', '/api/devices/export?format=csv');
  t.match(csv.type, /text\/csv/);
  t.same(csv.text.trim().split('\n'), ['type,id,category,org,plate,officer,lat,lng,name,terminalId,epoch', 'terminal,13922220001,vehicle,wuhan/jianghan,鄂A00001,,,,,,', 'resource,cam-1,fixedcam,wuhan/jianghan,,,30.58,114.27,north gate,,']);
  const json = await api(JH_READ, 'GET', '/api/devices/export?format=json');
  t.same(json.json, { terminals: [{ terminal: '13922220001', category: 'vehicle', org: 'wuhan/jianghan', plate: '鄂A00001' }], resources: [{ id: 'cam-1', kind: 'fixedcam', org: 'wuhan/jianghan', lat: 30.58, lng: 114.27, name: 'north gate' }] });
  t.same((await api(HS_ADMIN, 'GET', '/api/devices/export?format=json')).json, { terminals: [], resources: [] });
  // the export imports as it is, into another gateway
  const other = await start(t);
  t.same((await call(other.ports.http, CITY, 'POST', '/api/devices/import', csv.text, 'text/csv')).json, { devices: 1, resources: 1 });
  t.same((await call(other.ports.http, CITY, 'GET', '/api/devices/export?format=json')).json, json.json);
});
