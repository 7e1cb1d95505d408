/**
 * Commands reach a terminal on any gateway (issue 21), as a deployment runs it: two gateway
 * processes (server/main.ts) on one Mosquitto (11983, scripts/mosquitto.sh) and one PostgreSQL
 * (15492, scripts/postgres.sh), the same auth.secret; a terminal on each. A command posted to
 * either gateway reaches the terminal on the other and its answer comes back as the terminal
 * gave it; offline, a bad body, no answer and a busy relay are answered 404, 400, 504 and 503 as
 * for a local terminal; an incident acknowledgement (0x8203) and a dispatch order (0x8300 in the
 * holder's edition) cross gateways too. With commands.relay "off" a gateway reaches its own only.
 */
import { randomBytes } from 'node:crypto';
import t from 'tap';
import type { Message } from '../../decoders/index.js';
import type { Incident } from '../../events/incident.js';
import { loadConfig } from '../../server/config.js';
import { openPostgres } from '../../store/postgres.js';
import { startMain } from '../helpers/main-process.js';
import { sample, scrape } from '../ops/helpers.js';
import { mosquitto, script } from '../sinks/helpers/servers.js';
import { call, until } from './helpers/http.js';
import { startTestServer } from './helpers/server.js';
import { TestTerminal, locationBody } from './helpers/terminal.js';

const SECRET = 'command-relay-test-secret-of-32-bytes-at-least';
const ACCEPT_MS = 1000;
const PG = { POSTGRES_PORT: '15492' };
// A on gateway 1 (2013), B on gateway 2 (2019), C registered but never connected
const A = '013977770001';
const B = '00000000013977770002';
const C = '013977770003';
const id = (phone: string) => phone.replace(/^0+/, '');

const broker = await mosquitto(t, 11983);
await script('postgres.sh', 'start', PG);
t.teardown(() => script('postgres.sh', 'stop', PG));
// a fresh database: the cluster under .servers/ outlives the run
const server0 = (await script('postgres.sh', 'url', PG)).trim();
const name = `t_${randomBytes(6).toString('hex')}`;
const admin = await openPostgres(server0, 1, () => {});
await admin.query(`CREATE DATABASE ${name}`);
await admin.close();
t.teardown(async () => {
  const dropper = await openPostgres(server0, 1, () => {});
  await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await dropper.close();
});
const settings = { database: { url: server0.replace(/\/dipper$/, `/${name}`) }, commands: { relayAcceptMs: ACCEPT_MS, maxRelayed: 4 } };
const env = { DIPPER_MQTT_URL: broker.url };

const g1 = await startMain(t, SECRET, env, settings);
// the registry in the shared database before gateway 2 reads it at its start
const imported = await call(g1.ports.http, undefined, 'POST', '/api/devices/import', { terminals: [A, B, C].map((p) => ({ terminal: id(p), category: 'vehicle', org: 'wuhan' })) });
if (imported.status !== 200) throw new Error(`import: ${imported.status} ${imported.text}`);
const g2 = await startMain(t, SECRET, env, settings);

const termA = await TestTerminal.tcp(g1.ports.jt808, { phone: A });
t.teardown(() => termA.close());
await termA.login();
const termB = await TestTerminal.tcp(g2.ports.jt808, { phone: B, version: '2019' });
t.teardown(() => termB.close());
await termB.login();

const command = (port: number, phone: string, payload: object) => call(port, undefined, 'POST', `/api/terminals/${phone}/commands`, payload);
const relayed = async (port: number, role: string, outcome: string) => sample(await scrape(port), `dipper_command_relay_total{role="${role}",outcome="${outcome}"}`);

t.test('a command posted to either gateway reaches the terminal on the other; its answer comes back as given', async (t) => {
  // gateway 1 -> B on gateway 2: a position B chose
  const asking = command(g1.ports.http, id(B), { command: 'positionQuery' });
  const query = await termB.next(0x8201);
  const time = '2026-12-03T08:15:30.000Z';
  termB.send(0x0201, { ackSerial: query.serial, ...locationBody({ lat: 30.612345, lng: 114.405678, speed: 42.5, time }) });
  const answer = await asking;
  t.equal(answer.status, 200);
  const reply = answer.json.reply as Message<{ ackSerial: number; lat: number; lng: number; speed: number; time: string }>;
  t.equal(reply.msgId, 0x0201);
  t.equal(reply.phone, B, "the answer's own header: B's 20 digits");
  t.match(reply.body, { ackSerial: query.serial, lat: 30.612345, lng: 114.405678, speed: 42.5, time }, 'exactly the location B sent');

  // and the reverse: gateway 2 -> A on gateway 1
  const reverse = command(g2.ports.http, id(A), { command: 'positionQuery' });
  const queryA = await termA.next(0x8201);
  termA.send(0x0201, { ackSerial: queryA.serial, ...locationBody({ lat: 30.5, lng: 114.25, speed: 0, time }) });
  const answerA = await reverse;
  t.equal(answerA.status, 200);
  t.match(answerA.json.reply.body, { ackSerial: queryA.serial, lat: 30.5, lng: 114.25, speed: 0, time });

  t.equal(await relayed(g1.ports.http, 'requested', 'answered'), 1, 'gateway 1 relayed one');
  t.equal(await relayed(g2.ports.http, 'served', 'answered'), 1, 'gateway 2 served it');
  t.equal(await relayed(g2.ports.http, 'requested', 'answered'), 1);
  t.equal(await relayed(g1.ports.http, 'served', 'answered'), 1);
  t.equal(sample(await scrape(g1.ports.http), 'dipper_command_relay_pending'), 0, 'nothing left waiting');
});

t.test('a terminal on no gateway: 404 once the accept wait is over', async (t) => {
  const started = Date.now();
  const offline = await command(g1.ports.http, id(C), { command: 'positionQuery' });
  const took = Date.now() - started;
  t.equal(offline.status, 404);
  t.match(offline.json.message, /not online/);
  t.ok(took >= ACCEPT_MS, `answered after the accept wait (${took} ms >= ${ACCEPT_MS})`);
  t.equal(await relayed(g1.ports.http, 'requested', 'offline'), 1);
});

t.test("a body the holder's encoder refuses: 400 naming the field, as for a local terminal", async (t) => {
  const bad = await command(g1.ports.http, id(B), { command: 'setParameters', body: { params: [{ id: 0x0001, value: 'sixty' }] } });
  t.equal(bad.status, 400);
  t.equal(bad.json.message, 'cannot encode 0x8103 (setParameters): body.params[0]: parameter 0x0001 is DWORD, got a string');
  t.equal(await relayed(g2.ports.http, 'served', 'bad-command'), 1);
});

t.test('a terminal that does not answer: 504', async (t) => {
  const silent = command(g1.ports.http, id(B), { command: 'textMessage', body: { flag: 0, text: 'anyone?' }, timeoutMs: 300 });
  const text = (await termB.next(0x8300)) as Message<{ text: string }>;
  t.equal(text.body.text, 'anyone?', 'received, never answered');
  const timeout = await silent;
  t.equal(timeout.status, 504);
  t.match(timeout.json.message, /no reply to 0x8300 within 300 ms/);
  t.equal(await relayed(g2.ports.http, 'served', 'timeout'), 1);
  t.equal(await relayed(g1.ports.http, 'requested', 'timeout'), 1);
});

t.test('past commands.maxRelayed waiting, a relayed command is answered 503; a local one still goes', async (t) => {
  // four waiting on B's silence fill gateway 1's relay (maxRelayed 4)
  const waiting = [1, 2, 3, 4].map((i) => command(g1.ports.http, id(B), { command: 'textMessage', body: { flag: 0, text: `wait ${i}` }, timeoutMs: 60_000 }));
  const texts: Message<{ text: string }>[] = [];
  for (let i = 0; i < 4; i++) texts.push((await termB.next(0x8300)) as Message<{ text: string }>);
  const busy = await command(g1.ports.http, id(B), { command: 'positionQuery' });
  t.equal(busy.status, 503);
  t.match(busy.json.message, /commands\.maxRelayed/);
  t.equal(await relayed(g1.ports.http, 'requested', 'busy'), 1);
  const local = command(g1.ports.http, id(A), { command: 'textMessage', body: { flag: 0, text: 'local' } });
  const localText = await termA.next(0x8300);
  termA.send(0x0001, { ackSerial: localText.serial, ackMsgId: 0x8300, result: 0 });
  t.equal((await local).status, 200, "the gateway's own terminal is no relay's business");
  for (const m of texts) termB.send(0x0001, { ackSerial: m.serial, ackMsgId: 0x8300, result: 0 });
  t.same((await Promise.all(waiting)).map((r) => r.status), [200, 200, 200, 200]);
});

t.test("an incident raised on gateway 2 and acknowledged on gateway 1: B gets 0x8203, its answer on the incident's record", async (t) => {
  t.equal((await termB.ackOf(termB.send(0x0200, locationBody({ alarm: 1 })))).result, 0, 'the SOS report is acknowledged by gateway 2');
  const incident = await until('the SOS incident in the shared database', async () => {
    const list = await call(g1.ports.http, undefined, 'GET', `/api/incidents?terminal=${id(B)}`);
    return (list.json?.items as Incident[] | undefined)?.[0];
  });
  t.equal(incident.kind, 'sos');
  const acking = call(g1.ports.http, undefined, 'POST', `/api/incidents/${incident.id}/ack`, { note: 'seen' });
  const down = (await termB.next(0x8203)) as Message<{ alarmSerial: number; alarmType: number }>;
  t.same(down.body, { alarmSerial: 0, alarmType: 1 }, 'the emergency bit');
  termB.send(0x0001, { ackSerial: down.serial, ackMsgId: 0x8203, result: 0 });
  const acked = await acking;
  t.equal(acked.status, 200);
  t.same(acked.json.confirmation, { sent: true, result: 0 });
});

t.test('a dispatch order from gateway 1 reaches B on gateway 2 in its own edition; a unit on no gateway is refused', async (t) => {
  const created = await call(g1.ports.http, undefined, 'POST', '/api/cases', { id: 'C-21', type: 'dispute', location: { lat: 30.58, lng: 114.28 }, time: new Date().toISOString(), org: 'wuhan' });
  t.equal(created.status, 201);
  const started = Date.now();
  const refused = await call(g1.ports.http, undefined, 'POST', '/api/cases/C-21/dispatch', { terminals: [id(B), id(C)] });
  t.equal(refused.status, 409, 'C is on no gateway');
  t.equal(refused.json.message, `not online, no order can reach them: ${id(C)}`, 'B is not called offline for being on another gateway');
  t.ok(Date.now() - started >= ACCEPT_MS, 'after the accept wait');
  t.same((await call(g1.ports.http, undefined, 'GET', '/api/cases/C-21/dispatches')).json, [], 'nothing written');

  const sending = call(g1.ports.http, undefined, 'POST', '/api/cases/C-21/dispatch', { terminals: [id(B)] });
  const text = (await termB.next(0x8300)) as Message<{ flag: number; textType?: number; text: string }>;
  t.equal(text.body.flag, 0b1110, "2019's urgent text: chosen by the gateway holding B's session");
  t.equal(text.body.textType, 1);
  t.match(text.body.text, /dispute 30\.58000,114\.28000/);
  termB.send(0x0001, { ackSerial: text.serial, ackMsgId: 0x8300, result: 0 });
  const sent = await sending;
  t.equal(sent.status, 200);
  t.same(sent.json.orders.map((o: { terminal: string; answer: number }) => [o.terminal, o.answer]), [[id(B), 0]]);
});

t.test('commands.relay "off" (DIPPER_COMMANDS_RELAY=off): only the gateway\'s own terminals, as before the relay', async (t) => {
  t.equal(loadConfig({ defaultsFile: null, env: { DIPPER_COMMANDS_RELAY: 'off' } }).commands.relay, 'off');
  t.equal(loadConfig({ defaultsFile: null }).commands.relay, 'auto', 'on by default (with an external broker)');
  t.throws(() => loadConfig({ defaultsFile: null, env: { DIPPER_COMMANDS_RELAY: 'on' } }), /commands\.relay.*one of "auto", "off"/, 'a closed set');
  const off = await startTestServer(t, { mqttExternal: { url: broker.url }, commands: { relay: 'off', relayAcceptMs: ACCEPT_MS } });
  t.equal(off.relay, undefined, 'no relay');
  const started = Date.now();
  const offline = await command(off.ports.http, id(B), { command: 'positionQuery' });
  t.equal(offline.status, 404, "B's session is on gateway 2: not reached");
  t.ok(Date.now() - started < ACCEPT_MS, 'at once: nobody is asked');
});
