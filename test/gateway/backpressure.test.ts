/**
 * A slow sink fills the bounded queue: the terminal's socket is paused, the metrics show it,
 * and once the sink catches up every report is published and answered (nothing dropped).
 */
import t from 'tap';
import type { EventSink } from '../../events/sink.js';
import { GatedSink } from './helpers/gated-sink.js';
import { startTestServer } from './helpers/server.js';
import { TestTerminal, locationBody } from './helpers/terminal.js';

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

t.test('full queue pauses the socket, nothing is dropped', async (t) => {
  const sink = new GatedSink();
  const server = await startTestServer(t, { queue: { highWater: 3, lowWater: 0, batch: 100 } }, [sink]);
  const term = await TestTerminal.tcp(server.ports.jt808);
  t.teardown(() => term.close());
  await term.login();

  const serials = Array.from({ length: 20 }, () => term.send(0x0200, locationBody()));
  await until(() => server.gateway.queue.full);
  const metrics = await (await fetch(`http://127.0.0.1:${server.ports.http}/metrics`)).text();
  t.match(metrics, /^dipper_paused_sockets 1$/m, 'one paused socket');
  t.match(metrics, /^dipper_backpressure_pauses_total [1-9]/m);
  // frames already read when the pause came are still handled (queued, not dropped)
  t.ok(Number(/^dipper_queue_depth (\d+)$/m.exec(metrics)?.[1]) >= 3, 'queue depth at or over the high-water mark');
  t.equal(sink.events.length, 0, 'the sink has taken nothing yet');

  sink.open();
  for (const s of serials) t.equal((await term.ackOf(s)).result, 0, `report ${s} answered`);
  t.equal(sink.events.filter((e) => e.kind === 'position').length, 20, 'every report published');
  const after = await (await fetch(`http://127.0.0.1:${server.ports.http}/metrics`)).text();
  t.match(after, /^dipper_paused_sockets 0$/m, 'resumed');
  t.match(after, /^dipper_queue_depth 0$/m);
});

t.test('a failing sink makes the gateway refuse the report (result 1), so the terminal keeps it', async (t) => {
  class FailingSink implements EventSink {
    readonly name = 'failing';
    async publish(): Promise<void> {
      throw new Error('disk full');
    }
    async close(): Promise<void> {}
  }
  const server = await startTestServer(t, {}, [new FailingSink()]);
  const term = await TestTerminal.tcp(server.ports.jt808);
  t.teardown(() => term.close());
  await term.login();
  const failures = async () => Number(/^dipper_sink_errors_total\{sink="failing"\} (\d+)$/m.exec(await (await fetch(`http://127.0.0.1:${server.ports.http}/metrics`)).text())?.[1]);
  // the login's presence event fails first (it has no terminal waiting on it)
  while ((await failures()) < 1) await new Promise((r) => setTimeout(r, 5));
  const before = await failures();
  const s = term.send(0x0200, locationBody());
  t.same(await term.ackOf(s), { ackSerial: s, ackMsgId: 0x0200, result: 1 });
  t.equal(await failures(), before + 1, 'the report counted as one sink error');
});

t.test('a logout right after reports: every report is answered before the logout and the close', async (t) => {
  const sink = new GatedSink();
  const server = await startTestServer(t, {}, [sink]);
  const term = await TestTerminal.tcp(server.ports.jt808);
  t.teardown(() => term.close());
  await term.login();
  const serials = Array.from({ length: 5 }, () => term.send(0x0200, locationBody()));
  const bye = term.send(0x0003, {});
  await until(() => server.gateway.queue.depth >= 5);
  sink.open();
  for (const s of serials) t.equal((await term.ackOf(s)).result, 0, `report ${s} answered although the terminal logged out`);
  t.equal((await term.ackOf(bye)).ackMsgId, 0x0003, 'then the logout is answered');
  t.equal(sink.events.filter((e) => e.kind === 'position').length, 5);
});
