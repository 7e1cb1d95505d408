/**
 * What a peer on the attachment port can make the gateway hold, and for how long (issue 19
 * review): each case failed before its fix.
 * - a peer with no alarm number kept a place for ever by sending heartbeats (each refreshed the
 *   idle timer, and the upload deadline started only at a list): now its list is due within
 *   attachments.idleTimeoutMs of connecting, whatever it sends;
 * - 808 frames were queued behind a slow step without counting: while a stored file waited for
 *   the sinks, a flood of heartbeats was read and held without bound; now they count towards the
 *   1 MiB that pauses the socket;
 * - an alarm's remembered file names grew with every reconnection listing new ones: now an alarm
 *   has at most attachments.maxFiles names over all its connections.
 * The service runs alone with its clock in the test's hand (helpers/attachment-service.ts): a
 * deadline is passed by moving the clock, never by waiting.
 */
import t from 'tap';
import type { Counter } from 'prom-client';
import { encode } from '../../decoders/index.js';
import type { GatewayEvent } from '../../events/model.js';
import { AttachmentClient, dataFrame } from '../gateway/helpers/attachment-client.js';
import { attachmentService } from '../gateway/helpers/attachment-service.js';
import { until } from '../gateway/helpers/http.js';

const A = '013800000101';
const identifier = { terminalId: 'T000101', time: '2026-03-01T07:59:40.000Z', seq: 1, attachments: 1, reserved: 0 };

async function count(metric: Counter, labels: Record<string, string>): Promise<number> {
  const { values } = await metric.get();
  return values.find((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x))?.value ?? 0;
}

async function open(t: { teardown(fn: () => unknown): void }, port: number): Promise<AttachmentClient> {
  const c = await AttachmentClient.open(port, A);
  t.teardown(() => c.close());
  return c;
}

const list = (alarmNo: string, files: { name: string; size: number }[]) => ({ terminalId: 'T000101', identifier, alarmNo, infoType: 0, files });

t.test('heartbeats do not keep a connection that never sends its list', async (t) => {
  const { service, port, clock } = await attachmentService(t, { idleTimeoutMs: 60_000 });
  const c = await open(t, port);
  t.equal(await c.ackOf(c.send(0x0002, {})), 0, 'a heartbeat before the list is answered');
  clock.ms += 59_999;
  t.equal(await c.ackOf(c.send(0x0002, {})), 0, 'and another, still within attachments.idleTimeoutMs of connecting');
  clock.ms += 1;
  const answered = await c.ackOf(c.send(0x0002, {})).then(
    () => true,
    () => false,
  );
  t.notOk(answered, 'at idleTimeoutMs without a list: the next heartbeat is not answered, the connection is closed');
  await c.gone();
  t.equal(await count(service.metrics.attachmentRefused, { reason: 'list-late' }), 1, 'counted');
  await until('its place freed', () => service.connections === 0);
});

t.test('a flood of frames behind a slow step pauses the socket, as data does', async (t) => {
  let release: (() => void) | undefined;
  const published: GatewayEvent[] = [];
  const { port, sockets, issue } = await attachmentService(t, {}, async (events) => {
    // the sinks are slow: the stored file's event waits until the test lets it go
    await new Promise<void>((resolve) => (release = resolve));
    published.push(...events);
  });
  t.teardown(() => release?.());
  const c = await open(t, port);
  t.equal(await c.ackOf(c.send(0x1210, list(issue(A), [{ name: 'a.jpg', size: 10 }]))), 0);
  t.equal(await c.ackOf(c.send(0x1211, { name: 'a.jpg', fileType: 0, size: 10 })), 0);
  c.writeRaw(dataFrame('a.jpg', 0, Buffer.alloc(10, 1)));
  c.send(0x1212, { name: 'a.jpg', fileType: 0, size: 10 });
  await until('the stored file waiting on the sinks', () => release !== undefined);

  // 4 MiB of heartbeats, 15 bytes each: nothing answers them while the step waits
  const heartbeat = encode({ msgId: 0x0002, version: '2013', phone: A, serial: 1, body: {} });
  const total = 4 * 1024 * 1024;
  c.writeRaw(Buffer.concat(Array.from({ length: Math.ceil(total / heartbeat.length) }, () => heartbeat)));
  const server = sockets[0]!;
  await until('the server stops reading, or has read it all', () => server.isPaused() || server.bytesRead >= total);
  t.ok(server.isPaused(), 'the socket is paused');
  t.ok(server.bytesRead < total / 2, `at most ~1 MiB taken in (read ${server.bytesRead} of ${total})`);

  release!();
  await until('the file published once the sinks took it', () => published.length === 1);
});

t.test("an alarm's file names are bounded over all its connections, not per connection", async (t) => {
  const { service, port, issue } = await attachmentService(t, { maxFiles: 2 });
  const alarmNo = issue(A);
  const first = await open(t, port);
  t.equal(await first.ackOf(first.send(0x1210, list(alarmNo, [{ name: 'a.jpg', size: 1 }, { name: 'b.jpg', size: 1 }]))), 0);
  for (const name of ['a.jpg', 'b.jpg']) {
    t.equal(await first.ackOf(first.send(0x1211, { name, fileType: 0, size: 1 })), 0);
    first.writeRaw(dataFrame(name, 0, Buffer.from([0xff])));
    t.same(await first.done(name, 0, 1), { name, fileType: 0, result: 0, resend: [] }, `${name} stored`);
  }
  first.close();
  await until('the first connection gone', () => service.connections === 0);

  const fresh = await open(t, port);
  t.equal(await fresh.ackOf(fresh.send(0x1210, list(alarmNo, [{ name: 'c.jpg', size: 1 }]))), 1, 'a third name for the alarm on a new connection: result 1');
  await fresh.gone();
  t.equal(await count(service.metrics.attachmentRefused, { reason: 'too-many-files' }), 1, 'counted');

  const again = await open(t, port);
  t.equal(await again.ackOf(again.send(0x1210, list(alarmNo, [{ name: 'a.jpg', size: 1 }, { name: 'b.jpg', size: 1 }]))), 0, 'the same list sent again (after a broken connection) is taken');
  t.same(await again.done('a.jpg', 0, 1), { name: 'a.jpg', fileType: 0, result: 0, resend: [] }, 'its stored file: result 0, not stored twice');
  t.equal(await count(service.metrics.attachmentFiles, { outcome: 'stored' }), 2);
  t.equal(await count(service.metrics.attachmentFiles, { outcome: 'duplicate' }), 1);
});
