/**
 * What must outlive a restart does (issue 17): org units, devices, people, a case with its
 * history and incidents in every state, written through the API and by terminals over TCP, are
 * all there after the gateway is stopped and started again: on the embedded PGlite (the same
 * dataDir) and on a PostgreSQL server (scripts/postgres.sh, a fresh database).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import type { Incident } from '../../events/incident.js';
import { silentLogger } from '../../gateway/log.js';
import { startServer } from '../../server/server.js';
import type { Server } from '../../server/server.js';
import { freshDatabaseUrl } from '../store/engines.js';
import { pgliteTemplate } from '../helpers/pglite-template.js';
import { testConfig } from './helpers/server.js';
import { call, until } from './helpers/http.js';
import { TestTerminal, locationBody } from './helpers/terminal.js';

const CITY = 'city-duty-admin-token-000000001';
const tokens = [{ token: CITY, org: '', name: 'city', rights: ['read', 'command', 'admin'] as ('read' | 'command' | 'admin')[] }];
// overspeed, fatigue, GNSS fault, antenna open, antenna short: bits 1, 2, 4, 5, 6 (none asks for 0x8203)
const ALARMS = 0b1110110;
const STEPS: Record<string, string[]> = { overspeed: [], fatigue: ['ack'], gnssFault: ['ack', 'assign'], gnssAntennaOpen: ['ack', 'resolve'], gnssAntennaShort: ['ack', 'close'] };
const FINAL: Record<string, string> = { overspeed: 'open', fatigue: 'acknowledged', gnssFault: 'assigned', gnssAntennaOpen: 'resolved', gnssAntennaShort: 'closed' };

/** everything the API says, for comparing before and after */
async function record(server: Server): Promise<Record<string, unknown>> {
  const get = async (path: string) => (await call(server.ports.http, CITY, 'GET', path)).json;
  const incidents = (await get('/api/incidents')).items as Incident[];
  const histories: Record<string, unknown> = {};
  for (const i of incidents) histories[i.kind] = await get(`/api/incidents/${i.id}/history`);
  return { orgs: await get('/api/orgs'), devices: await get('/api/devices'), people: await get('/api/people'), case: await get('/api/cases/C-2026-0001'), caseHistory: await get('/api/cases/C-2026-0001/history'), incidents, histories };
}

async function populate(t: Test, server: Server): Promise<void> {
  const api = (method: string, path: string, body?: unknown) => call(server.ports.http, CITY, method, path, body);
  for (const [path, kind, name] of [['wuhan', 'city', '武汉市'], ['wuhan/jianghan', 'district', '江汉区'], ['wuhan/jianghan/squad-1', 'squad', '一中队']]) t.equal((await api('POST', '/api/orgs', { path, kind, name })).status, 201);
  t.equal((await api('PUT', '/api/devices/13933330001', { category: 'vehicle', org: 'wuhan/jianghan/squad-1', channels: [1] })).status, 200);
  t.equal((await api('PUT', '/api/people/P-7', { name: '王五', role: 'officer', org: 'wuhan/jianghan/squad-1', devices: ['13933330001'] })).status, 200);
  t.equal((await api('POST', '/api/cases', { id: 'C-2026-0001', type: 'traffic', location: { lat: 30.58, lng: 114.27 }, time: '2026-12-03T08:00:00Z', org: 'wuhan/jianghan', note: 'called in' })).status, 201);
  t.equal((await api('PATCH', '/api/cases/C-2026-0001', { status: 'dispatched', note: 'squad 1 sent' })).status, 200);
  t.equal((await api('PATCH', '/api/cases/C-2026-0001', { status: 'onscene' })).status, 200);
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: '013933330001' });
  await term.login();
  await term.ackOf(term.send(0x0200, locationBody({ alarm: ALARMS })));
  term.close();
  const incidents = await until('five incidents', async () => {
    const items = (await api('GET', '/api/incidents')).json.items as Incident[];
    return items.length === 5 ? items : undefined;
  });
  for (const i of incidents) {
    for (const step of STEPS[i.kind]!) t.equal((await api('POST', `/api/incidents/${i.id}/${step}`, step === 'assign' ? { assignee: 'squad-1', note: 'nearest' } : { note: step })).status, 200, `${i.kind}: ${step}`);
  }
}

for (const engine of ['pglite', 'postgres'] as const) {
  t.test(`${engine}: stopped and started, everything is there`, async (t) => {
    await pgliteTemplate();
    const dataDir = mkdtempSync(join(tmpdir(), 'dipper-restart-'));
    t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
    const config = testConfig({ dataDir, api: { tokens }, database: { url: engine === 'postgres' ? await freshDatabaseUrl(t) : '' } });
    const first = await startServer(config, silentLogger());
    let before: Record<string, unknown>;
    try {
      await populate(t, first);
      before = await record(first);
    } finally {
      await first.close();
    }
    const incidents = before.incidents as Incident[];
    t.same(Object.fromEntries(incidents.map((i) => [i.kind, i.status])), FINAL, 'an incident in each state');
    t.equal((before.caseHistory as unknown[]).length, 3, 'created, dispatched, on scene');
    const second = await startServer(config, silentLogger());
    t.teardown(() => second.close());
    t.same(await record(second), before, 'the same after the restart');
    t.equal(second.map.cases.size, 1, 'the case is on the map again');
    t.equal(second.gateway.registry.lookup('13933330001')?.org, 'wuhan/jianghan/squad-1', "the gateway's registry from the database");
  });
}
