/**
 * Issue 14, section 1: "nothing thrown in a timer, socket or stream callback can end the
 * process". A one-frame crash came from a throw in the reassembly timer; these tests inject
 * other throwing pieces, real implementations of the gateway's interfaces, where their errors
 * land in such callbacks:
 * - a log destination that fails while the handshake timer closes a silent connection;
 * - a sink that throws instead of rejecting, reached from the socket's data callback.
 * Each time the gateway stays up (another terminal is still answered), the error is counted in
 * dipper_internal_errors_total{where} and logged once however often it happens.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { pino } from 'pino';
import t from 'tap';
import type { Logger } from '../../gateway/log.js';
import type { GatewayEvent } from '../../events/model.js';
import { startServer } from '../../server/server.js';
import type { Server } from '../../server/server.js';
import type { EventSink } from '../../events/sink.js';
import { sample, scrape } from '../ops/helpers.js';
import { testConfig } from '../gateway/helpers/server.js';
import { until } from '../gateway/helpers/http.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';

/** A pino logger writing JSON lines to an array, whose destination throws on lines `fails` picks while armed. */
function logger(fails: (line: string) => boolean = () => false): { log: Logger; lines: string[]; disarm: () => void } {
  const lines: string[] = [];
  let armed = true;
  const destination = {
    write(line: string) {
      if (armed && fails(line)) throw new Error('log destination failed');
      lines.push(line);
    },
  };
  return { log: pino({ level: 'debug' }, destination), lines, disarm: () => (armed = false) };
}

async function start(t: Tap, log: Logger, overrides: Parameters<typeof testConfig>[0] = {}, sinks: EventSink[] = []): Promise<Server> {
  const config = testConfig(overrides);
  const server = await startServer(config, log, { sinks });
  t.teardown(() => server.close());
  return server;
}

interface Tap {
  teardown(fn: () => unknown): void;
}

const internalErrors = async (server: Server, where: string) => sample(await scrape(server.ports.http), `dipper_internal_errors_total{where="${where}"}`) ?? 0;
const caughtLines = (lines: string[], where: string) => lines.filter((l) => l.includes('internal error caught') && l.includes(`"where":"${where}"`));

t.test('a log destination that throws inside the handshake timer: the gateway stays up, counted, logged once', async (t) => {
  const { log, lines, disarm } = logger((line) => line.includes('"msg":"session closed"'));
  const server = await start(t, log, { jt808: { handshakeTimeoutMs: 50 } });
  t.teardown(disarm); // teardowns run last-in first: disarmed before the server closes its sessions

  // two connections that never log in: their handshake timers close them, and the log throws
  const silent: Socket[] = [];
  for (let i = 0; i < 2; i++) silent.push(connect(server.ports.jt808, '127.0.0.1').on('error', () => undefined));
  t.teardown(() => silent.forEach((s) => s.destroy()));
  await until('two errors counted in the session timer', async () => (await internalErrors(server, 'session-timer')) === 2);
  t.equal(caughtLines(lines, 'session-timer').length, 1, 'logged once for the two');

  // the probe terminal gets a handshake a busy machine can meet (sessions read it when they open)
  (server.gateway.config.jt808 as { handshakeTimeoutMs: number }).handshakeTimeoutMs = 60_000;
  const term = await TestTerminal.tcp(server.ports.jt808);
  t.teardown(() => term.close());
  await term.login();
  const serial = term.send(0x0002, {});
  t.equal((await term.ackOf(serial)).result, 0, 'another terminal is answered: the gateway is up');
});

t.test('a sink that throws instead of rejecting: the terminal is refused (result 1), the gateway and its queue carry on', async (t) => {
  const thrower: EventSink = {
    name: 'thrower',
    // throws on reports only: the presence event at login goes through
    publish(events: readonly GatewayEvent[]): Promise<void> {
      if (events.some((e) => e.kind === 'position')) throw new Error('sink bug: threw instead of rejecting');
      return Promise.resolve();
    },
    close: async () => undefined,
  };
  const { log, lines } = logger();
  const server = await start(t, log, {}, [thrower]);
  const term = await TestTerminal.tcp(server.ports.jt808);
  t.teardown(() => term.close());
  await term.login();

  for (let i = 0; i < 2; i++) {
    const serial = term.send(0x0200, locationBody());
    t.equal((await term.ackOf(serial)).result, 1, `report ${i + 1} refused: its data did not reach every sink`);
  }
  t.equal(await internalErrors(server, 'sink-queue'), 2, 'counted each time');
  t.equal(caughtLines(lines, 'sink-queue').length, 1, 'logged once');
  const serial = term.send(0x0002, {});
  t.equal((await term.ackOf(serial)).result, 0, 'the gateway is up');
});
