/**
 * A database outage degrades the workflow, never the terminals (issue 17): with its PostgreSQL
 * stopped (its own server on 15472, scripts/postgres.sh), the gateway keeps acknowledging
 * reports, /readyz says "degraded" with the database's detail, dipper_database_up is 0, the
 * workflow routes answer 503 (nothing changed, try again); an alarm raised meanwhile waits in
 * memory and becomes its incident once the server is back, and a photo uploaded meanwhile is
 * answered at once and recorded once it is back.
 */
import { createHash, randomBytes } from 'node:crypto';
import t from 'tap';
import type { Message } from '../../decoders/index.js';
import type { MediaRecord } from '../../events/media-record.js';
import { openPostgres } from '../../store/postgres.js';
import type { Incident } from '../../events/incident.js';
import { script } from '../sinks/helpers/servers.js';
import { startTestServer } from './helpers/server.js';
import { call, until } from './helpers/http.js';
import { TestTerminal, locationBody } from './helpers/terminal.js';

const env = { POSTGRES_PORT: '15472' };

t.test('PostgreSQL stopped and started under a running gateway', async (t) => {
  await script('postgres.sh', 'start', env);
  t.teardown(() => script('postgres.sh', 'stop', env));
  // a fresh database: the cluster under .servers/ outlives the run
  const server0 = (await script('postgres.sh', 'url', env)).trim();
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = await openPostgres(server0, 1, () => {});
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.close();
  const url = server0.replace(/\/dipper$/, `/${name}`);
  // probe often, so the test sees the state change without waiting on a long interval
  const server = await startTestServer(t, { database: { url, probeMs: 100 }, incidents: { retryMs: 50, maxRetryMs: 500 } });
  const http = (path: string, method = 'GET', body?: unknown) => call(server.ports.http, undefined, method, path, body);
  const metric = async () => Number(/^dipper_database_up (\d)/m.exec((await http('/metrics')).text)?.[1]);
  t.equal((await http('/readyz')).json.status, 'ready');
  t.equal(await metric(), 1);

  await script('postgres.sh', 'stop', env);
  const ready = await until('readyz degraded', async () => {
    const r = await http('/readyz');
    return r.json.status === 'degraded' ? r : undefined;
  });
  t.equal(ready.status, 200, 'terminals are still served');
  t.match(ready.json.database, { engine: 'postgres', up: false });
  t.equal(await metric(), 0);
  const list = await http('/api/incidents');
  t.equal(list.status, 503);
  t.match(list.json.message, /database/);
  const created = await http('/api/cases', 'POST', { id: 'C-1', type: 'traffic', location: { lat: 30.5, lng: 114.3 }, time: '2026-12-03T08:00:00Z' });
  t.equal(created.status, 503, 'refused, not dropped');

  // a terminal's SOS during the outage: acknowledged at once, its incident written later
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: '013944440001' });
  t.teardown(() => term.close());
  await term.login();
  const ack = await term.ackOf(term.send(0x0200, locationBody({ alarm: 1 })));
  t.equal(ack.result, 0, 'the report is acknowledged while the database is away');
  t.equal((await http('/readyz')).json.database.pendingAlarms, 1, 'the alarm waits in memory');
  // a photo meanwhile: its bytes stored and answered 0x8800 at once (the terminal may delete its copy), its record written later
  const photo = Buffer.from('ffd8ffe000104a4649460001ffd9', 'hex');
  term.send(0x0801, { mediaId: 9, type: 0, format: 0, event: 1, channel: 1, location: locationBody(), data: photo });
  const answer = (await term.next(0x8800)) as Message<{ mediaId: number; retransmitIds?: number[] }>;
  t.same(answer.body, { mediaId: 9 }, 'the upload is answered while the database is away');
  t.equal((await http('/readyz')).json.database.pendingMedia, 1, 'its record waits in memory');
  t.equal((await http('/api/media')).status, 503, 'the media list answers 503');

  await script('postgres.sh', 'start', env);
  const incident = await until('the incident written after the outage', async () => {
    const r = await http('/api/incidents');
    return r.status === 200 && r.json.items.length === 1 ? (r.json.items[0] as Incident) : undefined;
  });
  t.match(incident, { terminal: '13944440001', kind: 'sos', status: 'open', alarmCount: 1 });
  const media = await until('the photo recorded after the outage', async () => {
    const r = await http('/api/media');
    return r.status === 200 && r.json.total === 1 ? (r.json.items[0] as MediaRecord) : undefined;
  });
  t.match(media, { terminal: '13944440001', mediaId: 9, bytes: photo.length, sha256: createHash('sha256').update(photo).digest('hex'), removedAt: null });
  await until('readyz ready', async () => ((await http('/readyz')).json.status === 'ready' ? true : undefined));
  t.equal(await metric(), 1);
  t.equal((await http('/api/cases', 'POST', { id: 'C-1', type: 'traffic', location: { lat: 30.5, lng: 114.3 }, time: '2026-12-03T08:00:00Z' })).status, 201, 'writes work again');
  await server.close();
  const dropper = await openPostgres(server0, 1, () => {});
  await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await dropper.close();
});
