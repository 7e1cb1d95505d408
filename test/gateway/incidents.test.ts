/**
 * Alarms handled as incidents, end to end with real terminals over TCP (issue 17): an SOS
 * episode is one incident however long it is held; acknowledging it sends 0x8203 (JT/T
 * 808-2013 8.37: manual alarm confirmation, alarm type bit 0 = emergency) and records what the
 * terminal answered; the lifecycle refuses impossible steps by name; scopes hold on every route.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import type { Message } from '../../decoders/index.js';
import type { Incident } from '../../events/incident.js';
import { startTestServer } from './helpers/server.js';
import type { Server } from '../../server/server.js';
import { TestTerminal, locationBody } from './helpers/terminal.js';
import { call, until } from './helpers/http.js';
import { openStream } from './helpers/stream.js';

const JIANGHAN = '013912340001';
const HONGSHAN = '013912340002';
const DUTY = 'duty-officer-token-jianghan-0001';
const VIEWER = 'viewer-token-jianghan-000000001';
const OTHER = 'duty-officer-token-hongshan-0001';
const CITY = 'city-admin-token-0000000000000001';

function registry(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'dipper-incidents-')), 'devices.json');
  writeFileSync(file, JSON.stringify({ terminals: [{ terminal: JIANGHAN, category: 'vehicle', org: 'wuhan/jianghan' }, { terminal: HONGSHAN, category: 'vehicle', org: 'wuhan/hongshan' }] }));
  return file;
}

const api = (server: Server, token: string, method: string, path: string, body?: unknown) => call(server.ports.http, token, method, path, body);

async function start(t: Test): Promise<Server> {
  return startTestServer(t, {
    devices: registry(),
    api: {
      tokens: [
        { token: DUTY, org: 'wuhan/jianghan', name: 'duty-jianghan', rights: ['read', 'command'] },
        { token: VIEWER, org: 'wuhan/jianghan', name: 'viewer' },
        { token: OTHER, org: 'wuhan/hongshan', name: 'duty-hongshan', rights: ['read', 'command'] },
        { token: CITY, org: '', name: 'city', rights: ['read', 'command', 'admin'] },
      ],
    },
  });
}

const SOS = 1; // alarm bit 0

t.test('an SOS held and pressed again is one incident; ack sends 0x8203 and records the answer; the lifecycle holds', async (t) => {
  const server = await start(t);
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: JIANGHAN });
  t.teardown(() => term.close());
  await term.login();
  // 40 reports with SOS held, 5 without, 40 with it again: two rising edges, one episode
  const word = [...Array(40).fill(SOS), ...Array(5).fill(0), ...Array(40).fill(SOS)];
  const risingEdges = word.filter((w, i) => w === SOS && (i === 0 || word[i - 1] === 0)).length;
  for (const alarm of word) await term.ackOf(term.send(0x0200, locationBody({ alarm })));
  const incident = await until('the SOS incident with both alarms counted', async () => {
    const { json } = await api(server, DUTY, 'GET', `/api/incidents?terminal=${JIANGHAN.replace(/^0/, '')}`);
    const items = (json?.items ?? []) as Incident[];
    return items.length === 1 && items[0]!.alarmCount === risingEdges ? items[0] : undefined;
  });
  t.equal(incident.kind, 'sos');
  t.equal(incident.status, 'open');
  t.equal(incident.org, 'wuhan/jianghan');
  t.same(incident.location, { lat: 30.583, lng: 114.271 }, 'where the alarm was raised');
  const counts = await api(server, DUTY, 'GET', '/api/incidents/counts');
  t.same(counts.json, { sos: 1 }, 'the panel counts it');
  // a page over a GCJ-02 base map asks every route with ?crs=gcj02: the location comes shifted, a few hundred metres
  const shifted = (await api(server, DUTY, 'GET', `/api/incidents?crs=gcj02&terminal=${JIANGHAN.replace(/^0/, '')}`)).json.items[0] as Incident;
  const metres = Math.hypot((shifted.location!.lng - 114.271) * 96_000, (shifted.location!.lat - 30.583) * 111_000);
  t.ok(metres > 200 && metres < 1000, `GCJ-02: ${Math.round(metres)} m from the WGS-84 fix`);
  t.same((await api(server, DUTY, 'GET', `/api/incidents/${incident.id}?crs=gcj02`)).json.location, shifted.location, 'one incident too');
  t.same((await api(server, DUTY, 'GET', '/api/incidents/counts?crs=gcj02')).json, { sos: 1 }, 'the counts accept the datum the page sends');

  // a read-only token may look, not act
  t.equal((await api(server, VIEWER, 'POST', `/api/incidents/${incident.id}/ack`, {})).status, 403);
  // another district: the incident does not exist for it, on every route
  t.same((await api(server, OTHER, 'GET', '/api/incidents')).json.items, []);
  t.equal((await api(server, OTHER, 'GET', `/api/incidents/${incident.id}`)).status, 404);
  t.equal((await api(server, OTHER, 'GET', `/api/incidents/${incident.id}/history`)).status, 404);
  t.equal((await api(server, OTHER, 'POST', `/api/incidents/${incident.id}/ack`, {})).status, 404, '404, never 409');
  t.same((await api(server, OTHER, 'GET', '/api/incidents/counts')).json, {});

  // closing an incident nobody acknowledged is refused, naming the step
  const early = await api(server, DUTY, 'POST', `/api/incidents/${incident.id}/close`, {});
  t.equal(early.status, 409);
  t.match(early.json.message, /from open to closed/);

  // ack: the terminal is asked to clear its SOS (0x8203, serial 0 = every such alarm, bit 0)
  const acking = api(server, DUTY, 'POST', `/api/incidents/${incident.id}/ack`, { note: 'seen on the wall' });
  const down = (await term.next(0x8203)) as Message<{ alarmSerial: number; alarmType: number }>;
  t.same(down.body, { alarmSerial: 0, alarmType: 0x00000001 }, '0x8203 names the emergency bit');
  term.send(0x0001, { ackSerial: down.serial, ackMsgId: 0x8203, result: 0 });
  const acked = await acking;
  t.equal(acked.status, 200);
  t.equal(acked.json.incident.status, 'acknowledged');
  t.same(acked.json.confirmation, { sent: true, result: 0 });

  // assign needs an assignee, named in the 400
  const bare = await api(server, DUTY, 'POST', `/api/incidents/${incident.id}/assign`, { note: 'go' });
  t.equal(bare.status, 400);
  t.match(bare.json.message, /assignee/);
  const unknownField = await api(server, DUTY, 'POST', `/api/incidents/${incident.id}/assign`, { assignee: 'squad 3', priority: 1 });
  t.equal(unknownField.status, 400);
  t.match(unknownField.json.message, /priority|additional/);
  t.equal((await api(server, DUTY, 'POST', `/api/incidents/${incident.id}/assign`, { assignee: 'squad 3', note: 'nearest free unit' })).json.incident.assignee, 'squad 3');
  t.equal((await api(server, DUTY, 'POST', `/api/incidents/${incident.id}/resolve`, { note: 'false alarm: pocket press' })).json.incident.status, 'resolved');
  t.equal((await api(server, DUTY, 'POST', `/api/incidents/${incident.id}/close`, {})).json.incident.status, 'closed');
  const again = await api(server, DUTY, 'POST', `/api/incidents/${incident.id}/close`, {});
  t.equal(again.status, 409);
  t.match(again.json.message, /closed is final/);

  const history = await api(server, DUTY, 'GET', `/api/incidents/${incident.id}/history`);
  t.same(
    history.json.map((e: { actor: string; action: string }) => [e.action, e.actor]),
    [
      ['opened', `terminal:${JIANGHAN.replace(/^0/, '')}`],
      ['acknowledged', 'duty-jianghan'],
      ['terminal-confirmation', 'duty-jianghan'],
      ['assigned', 'duty-jianghan'],
      ['resolved', 'duty-jianghan'],
      ['closed', 'duty-jianghan'],
    ],
    'every step on record, by whom',
  );
  t.equal(history.json[1].note, 'seen on the wall');
  t.match(history.json[2].changes, { result: 0, alarmBit: 0 });
  t.same(history.json[3].changes.assignee, { from: null, to: 'squad 3' });

  // closed is final: the next SOS opens a new incident
  await term.ackOf(term.send(0x0200, locationBody({ alarm: 0 })));
  await term.ackOf(term.send(0x0200, locationBody({ alarm: SOS })));
  const second = await until('a second incident', async () => {
    const { json } = await api(server, CITY, 'GET', '/api/incidents?status=open');
    return json.items.length === 1 ? (json.items[0] as Incident) : undefined;
  });
  t.not(second.id, incident.id);
  t.same((await api(server, CITY, 'GET', '/api/incidents?status=closed')).json.items.map((i: Incident) => i.id), [incident.id]);
});

t.test('an alarm the terminal clears by itself is acknowledged without 0x8203; an offline terminal is said so', async (t) => {
  const server = await start(t);
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: HONGSHAN });
  await term.login();
  await term.ackOf(term.send(0x0200, locationBody({ alarm: 0b10 }))); // overspeed: held while true
  await term.ackOf(term.send(0x0200, locationBody({ alarm: 0b11 }))); // and SOS
  const byKind = await until('two incidents', async () => {
    const { json } = await api(server, OTHER, 'GET', '/api/incidents');
    return json.items.length === 2 ? new Map((json.items as Incident[]).map((i) => [i.kind, i])) : undefined;
  });
  const overspeed = await api(server, OTHER, 'POST', `/api/incidents/${byKind.get('overspeed')!.id}/ack`, {});
  t.equal(overspeed.status, 200);
  t.equal(overspeed.json.confirmation, undefined, 'nothing to confirm');
  t.notOk(term.received.some((m) => m.msgId === 0x8203), 'no 0x8203 sent');
  term.close();
  await until('the session gone', async () => (server.gateway.sessions.size === 0 ? true : undefined));
  const sos = await api(server, OTHER, 'POST', `/api/incidents/${byKind.get('sos')!.id}/ack`, {});
  t.equal(sos.status, 200, 'the acknowledgement stands');
  t.same(sos.json.confirmation, { sent: false, reason: 'offline' });
});

t.test('the stream carries incident changes within the scope', async (t) => {
  const server = await start(t);
  const stream = await openStream(t, server.ports.http, DUTY, 'types=incident');
  const seen = () => stream.map((e) => e.data as Incident);
  const other = await TestTerminal.tcp(server.ports.jt808, { phone: HONGSHAN });
  const mine = await TestTerminal.tcp(server.ports.jt808, { phone: JIANGHAN });
  t.teardown(() => (other.close(), mine.close()));
  await other.login();
  await mine.login();
  await other.ackOf(other.send(0x0200, locationBody({ alarm: SOS })));
  await mine.ackOf(mine.send(0x0200, locationBody({ alarm: SOS })));
  const opened = await until('the opened incident on the stream', async () => seen().find((e) => e.status === 'open'));
  t.equal(opened.terminal, JIANGHAN.replace(/^0/, ''));
  // the step is on the stream before the terminal has answered the 0x8203 it causes
  const acking = api(server, DUTY, 'POST', `/api/incidents/${opened.id}/ack`, {});
  await until('the acknowledged incident on the stream', async () => seen().find((e) => e.status === 'acknowledged'));
  const down = await mine.next(0x8203);
  mine.send(0x0001, { ackSerial: down.serial, ackMsgId: 0x8203, result: 0 });
  t.equal((await acking).status, 200);
  t.ok(seen().every((e) => e.org === 'wuhan/jianghan'), "another district's incident never reaches this stream");
});
