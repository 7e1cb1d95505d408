/**
 * The command relay under attack (issue 21: "no open-by-default command path", "every byte from
 * the network is hostile"). Anyone able to publish on the deployment's broker could otherwise
 * command every terminal through {prefix}/relay/commands. Two gateway processes on one Mosquitto
 * (11993), a terminal on gateway 2; a plain mqtt.js client publishes forged requests (no
 * signature, a wrong one, one under another secret, stale both ways, a replay of a request it
 * captured, over the size bound, an unknown command, signed nonsense) and forged answers to
 * gateway 1's pending command. The terminal receives none of it, checked on its socket after a
 * command that does arrive (so the check is not vacuous); each refusal is counted by reason,
 * and logged once per reason. Signatures are made here from the design (HKDF-SHA256 of
 * auth.secret, info "dipper command relay v1"; HMAC-SHA256 of the JSON; `<hex>.<json>`).
 */
import { createHmac, hkdfSync, randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import t from 'tap';
import type { Message } from '../../decoders/index.js';
import { OfflineError } from '../../events/commands.js';
import type { SessionHolder } from '../../events/commands.js';
import { CommandRelay } from '../../sinks/command-relay.js';
import { CommandRelayMetrics } from '../../sinks/command-relay-metrics.js';
import { startMain } from '../helpers/main-process.js';
import type { MainProcess } from '../helpers/main-process.js';
import { sample, scrape } from '../ops/helpers.js';
import { mosquitto } from '../sinks/helpers/servers.js';
import { call, until } from '../gateway/helpers/http.js';
import { TestTerminal } from '../gateway/helpers/terminal.js';

const SECRET = 'command-relay-security-secret-32-bytes-or-more';
const PHONE = '013955550001';
const TERMINAL = '13955550001';
const REQUESTS = 'dipper/relay/commands';

const broker = await mosquitto(t, 11993);
const env = { DIPPER_MQTT_URL: broker.url };
const g1 = await startMain(t, SECRET, env);
const g2 = await startMain(t, SECRET, env);
const term = await TestTerminal.tcp(g2.ports.jt808, { phone: PHONE });
t.teardown(() => term.close());
await term.login();

const attacker = await mqtt.connectAsync(broker.url, { clientId: `attacker-${randomUUID()}` });
t.teardown(() => attacker.endAsync());
const captured: Buffer[] = [];
attacker.on('message', (topic, payload) => topic === REQUESTS && captured.push(payload));
await attacker.subscribeAsync(REQUESTS, { qos: 1 });

const keyOf = (secret: string) => Buffer.from(hkdfSync('sha256', secret, '', 'dipper command relay v1', 32));
const KEY = keyOf(SECRET);
const signed = (key: Buffer, json: string) => Buffer.from(`${createHmac('sha256', key).update(json).digest('hex')}.${json}`);
const request = (over: object = {}) => JSON.stringify({ type: 'request', id: randomUUID(), from: randomUUID(), issuedAt: Date.now(), acceptMs: 2000, terminal: TERMINAL, kind: 'command', msgId: 0x8300, body: { flag: 0, text: 'forged' }, ...over });
const publish = (payload: Buffer | string, topic = REQUESTS) => attacker.publishAsync(topic, payload, { qos: 1 });

async function refusals(g: MainProcess): Promise<Record<string, number | undefined>> {
  const text = await scrape(g.ports.http);
  const out: Record<string, number | undefined> = {};
  for (const reason of ['too-large', 'unsigned', 'bad-signature', 'malformed', 'stale', 'late', 'replay', 'unknown-command']) out[reason] = sample(text, `dipper_command_relay_refused_total{reason="${reason}"}`);
  return out;
}
const logged = (g: MainProcess) => g.lines.filter((l) => String(l.msg).startsWith('command relay: message refused')).map((l) => l.reason as string);

t.test('forged answers to a pending command are refused; the caller gets the terminal\'s own answer', async (t) => {
  const sending = call(g1.ports.http, undefined, 'POST', `/api/terminals/${TERMINAL}/commands`, { command: 'textMessage', body: { flag: 0, text: 'control 1' } });
  const text = (await term.next(0x8300)) as Message<{ text: string }>;
  t.equal(text.body.text, 'control 1', 'the positive control arrives');
  const genuine = await until('the relayed request seen on the broker', () => captured[0]);
  const { id, from } = JSON.parse(genuine.subarray(65).toString()) as { id: string; from: string };
  const fake = JSON.stringify({ type: 'answer', id, from: randomUUID(), to: from, issuedAt: Date.now(), phase: 'answer', outcome: 'answered', reply: { msgId: 1, body: { result: 99 } } });
  await publish(fake, `dipper/relay/answers/${from}`);
  await publish(signed(keyOf('another-deployment-secret-of-32-bytes!!'), fake), `dipper/relay/answers/${from}`);
  await until('both forged answers refused by gateway 1', async () => {
    const r = await refusals(g1);
    return r.unsigned === 1 && r['bad-signature'] === 1;
  });
  term.send(0x0001, { ackSerial: text.serial, ackMsgId: 0x8300, result: 0 });
  const answer = await sending;
  t.equal(answer.status, 200);
  t.same(answer.json.reply.body, { ackSerial: text.serial, ackMsgId: 0x8300, result: 0 }, "the terminal's answer, not the forged result 99");
});

t.test('forged requests reach no terminal; each refusal is counted by reason and logged once', async (t) => {
  const genuine = captured[0]!;
  await publish(request()); // no signature
  await publish(request());
  await publish(`${'0'.repeat(64)}.${request()}`); // a wrong signature
  await publish(signed(keyOf('another-deployment-secret-of-32-bytes!!'), request()));
  await publish(signed(KEY, request({ issuedAt: Date.now() - 60_000 }))); // stale, both ways
  await publish(signed(KEY, request({ issuedAt: Date.now() + 60_000 })));
  // a signed request for a terminal no gateway holds (taken, nothing to do), then the same bytes again
  const once = signed(KEY, request({ terminal: '13999999999' }));
  await publish(once);
  await publish(once);
  // signed and fresh (within 30 s) but past its 2 s accept window and 5 s of skew: nobody waits for it
  await publish(signed(KEY, request({ issuedAt: Date.now() - 10_000 })));
  await publish(signed(KEY, request({ body: { flag: 0, text: 'x'.repeat(1024 * 1024) } }))); // over 1 MiB
  await publish(signed(KEY, request({ msgId: 0x8100 }))); // not a command the API may send
  await publish(signed(KEY, JSON.stringify({ type: 'request', terminal: TERMINAL }))); // signed nonsense

  const holder = { 'too-large': 1, unsigned: 2, 'bad-signature': 2, malformed: 1, stale: 2, late: 1, replay: 1, 'unknown-command': 1 };
  await until('every forgery refused by gateway 2', async () => {
    const r = await refusals(g2);
    return Object.entries(holder).every(([k, v]) => r[k] === v) ? r : undefined;
  });
  // gateway 1 saw the same requests, and before them the two forged answers
  t.same(await refusals(g1), { ...holder, unsigned: 3, 'bad-signature': 3 }, 'gateway 1 refused the same, and the forged answers');
  t.same(logged(g2).sort(), Object.keys(holder).sort(), 'gateway 2 logged each reason once');
  t.same(logged(g1).sort(), Object.keys(holder).sort(), 'gateway 1 too');
  t.equal(sample(await scrape(g2.ports.http), 'dipper_command_relay_total{role="served",outcome="answered"}'), 1, 'gateway 2 served the control only');

  // the control's own request, captured on the broker and published again: refused (as a replay, or
  // as late once its accept window has passed: which one depends on how long this test took)
  const before = await refusals(g2);
  await publish(genuine);
  await until('the captured request refused', async () => {
    const r = await refusals(g2);
    return (r.replay ?? 0) + (r.late ?? 0) === (before.replay ?? 0) + (before.late ?? 0) + 1;
  });

  // a command after the forgeries does arrive, and it is the first downlink since the control: none of theirs came before it
  const sending = call(g1.ports.http, undefined, 'POST', `/api/terminals/${TERMINAL}/commands`, { command: 'textMessage', body: { flag: 0, text: 'control 2' } });
  const text = (await term.next(0x8300)) as Message<{ text: string }>;
  t.equal(text.body.text, 'control 2');
  t.same(term.received.map((m) => m.msgId.toString(16)), [], 'no forged frame reached the terminal');
  term.send(0x0001, { ackSerial: text.serial, ackMsgId: 0x8300, result: 0 });
  t.equal((await sending).status, 200);
});

t.test('one token keeping relayed commands waiting holds its own share (commands.maxRelayedPerToken), not every slot; presence questions have their own pool', async (t) => {
  // a relay of its own on the same broker: its commands are for terminals no gateway holds, so each
  // waits its accept window (long here) and holds its slot meanwhile
  const nobody: SessionHolder = {
    reaches: () => false,
    command: () => Promise.reject(new OfflineError('not here')),
    commandByEdition: () => Promise.reject(new OfflineError('not here')),
    online: async () => false,
  };
  const relay = await CommandRelay.start(nobody, { url: broker.url, clientId: 'per-token-test', username: '', password: '', topicPrefix: 'per-token-test', secret: SECRET, acceptMs: 30_000, maxRelayed: 3, maxRelayedPerCaller: 2, timeoutMs: 1000 }, new CommandRelayMetrics(new Registry()), pino({ level: 'silent' }), (e) => t.error(e));
  const [a, b] = [{ token: 'a' }, { token: 'b' }];
  const held = [relay.command('13900000001', 0x8201, {}, undefined, a), relay.command('13900000002', 0x8201, {}, undefined, a)];
  held.forEach((p) => p.catch(() => undefined));
  await t.rejects(relay.command('13900000003', 0x8201, {}, undefined, a), { name: 'BusyError', message: /commands\.maxRelayedPerToken/ }, "token a's third: refused, its share is full");
  const other = relay.command('13900000004', 0x8201, {}, undefined, b);
  other.catch(() => undefined);
  await t.rejects(relay.command('13900000005', 0x8201, {}, undefined, b), { name: 'BusyError', message: /commands\.maxRelayed\)/ }, 'the gateway-wide pool (3) is full now');
  // a presence question (dispatch's check) still has room: it is answered "nowhere" after its window, not refused
  const probe = relay.online('13900000006');
  probe.catch(() => undefined);
  await relay.close();
  await t.rejects(probe, { name: 'BusyError', message: /shutting down/ }, 'asked, not refused: waiting until the relay closed');
  for (const p of [...held, other]) await t.rejects(p, { name: 'BusyError', message: /shutting down/ });
});
