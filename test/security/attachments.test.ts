/**
 * The attachment port is open to anyone who can reach it (issue 19, "Bad input"): every refusal is
 * counted (dipper_attachment_refused_total), answered per T/JSATL12 where it says (0x8001 result 1
 * for a list or file refused, 0x9212 for a file done; data frames are never answered), bounded in
 * memory and on disk, and never stalls another terminal's upload. Whole gateways over real TCP on
 * PGlite; expected values from the settings (a cap of 4 ranges: the 5th frame's range is dropped).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import type { Counter, Gauge } from 'prom-client';
import type { Message } from '../../decoders/index.js';
import type { GatewayConfig } from '../../gateway/settings.js';
import { AlarmNumbers } from '../../gateway/attachments/alarm-numbers.js';
import type { Server } from '../../server/server.js';
import { AttachmentClient, dataFrame } from '../gateway/helpers/attachment-client.js';
import { attachmentService } from '../gateway/helpers/attachment-service.js';
import { freePort } from '../gateway/helpers/free-port.js';
import { call, until } from '../gateway/helpers/http.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';

const TOKEN = 'attachments-security-token-jianghan';
const A = '013800000101';
const B = '013800000102';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const identifier = { terminalId: 'T000101', time: '2026-03-01T07:59:40.000Z', seq: 1, attachments: 1, reserved: 0 };

async function start(t: Test, attachments: Partial<GatewayConfig['attachments']>): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'dipper-attachments-sec-'));
  const devices = join(dir, 'devices.json');
  writeFileSync(devices, JSON.stringify({ terminals: [A, B].map((terminal) => ({ terminal, category: 'vehicle', org: 'wuhan/jianghan' })) }));
  return startTestServer(t, { devices, attachments: { port: await freePort(), ...attachments }, api: { tokens: [{ token: TOKEN, org: 'wuhan/jianghan', name: 'viewer' }] } });
}

async function terminal(t: Test, server: Server, phone: string): Promise<TestTerminal> {
  const term = await TestTerminal.tcp(server.ports.jt808, { phone });
  t.teardown(() => term.close());
  await term.login();
  return term;
}

/** An ADAS alarm with an attachment, and the alarm number of the 0x9208 it brings. */
async function alarmNo(term: TestTerminal): Promise<string> {
  const time = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
  const adas = { alarmId: 1, flag: 0, type: 17, level: 1, frontSpeed: 0, distance: 0, departureType: 0, roadSignType: 0, roadSignData: 0, speed: 0, altitude: 0, lat: 30.6, lng: 114.3, time, vehicleStatus: 0, identifier };
  term.send(0x0200, { ...locationBody({ time }), extras: { adas } });
  return ((await term.next(0x9208)) as Message<{ alarmNo: string }>).body.alarmNo;
}

async function client(t: Test, server: Server, phone: string): Promise<AttachmentClient> {
  const c = await AttachmentClient.open(server.ports.attachments!, phone);
  t.teardown(() => c.close());
  return c;
}

/** A connection whose list of `files` is accepted. */
async function listed(t: Test, server: Server, phone: string, no: string, files: { name: string; size: number }[]): Promise<AttachmentClient> {
  const c = await client(t, server, phone);
  t.equal(await c.ackOf(c.send(0x1210, { terminalId: 'T000101', identifier, alarmNo: no, infoType: 0, files })), 0, 'the list is accepted');
  return c;
}

async function value(metric: Counter | Gauge, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await metric.get();
  return values.find((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x))?.value ?? 0;
}
const refused = (server: Server, reason: string) => value(server.gateway.metrics.attachmentRefused, { reason });
const partials = (server: Server) => readdirSync(join(server.gateway.config.dataDir, 'attachments-partial'));

t.test('the list: an alarm number never issued, or issued to another terminal, is refused (0x8001 result 1) and the connection closed', async (t) => {
  const server = await start(t, {});
  const a = await terminal(t, server, A);
  const issued = await alarmNo(a);

  const made = await client(t, server, A);
  t.equal(await made.ackOf(made.send(0x1210, { terminalId: 'T000101', identifier, alarmNo: 'f'.repeat(32), infoType: 0, files: [{ name: 'x.jpg', size: 10 }] })), 1, 'a made-up alarm number: result 1');
  await made.gone();
  t.equal(await refused(server, 'unknown-alarm-no'), 1, 'counted');

  const thief = await client(t, server, B);
  t.equal(await thief.ackOf(thief.send(0x1210, { terminalId: 'T000102', identifier, alarmNo: issued, infoType: 0, files: [{ name: 'x.jpg', size: 10 }] })), 1, "terminal B with A's alarm number: result 1");
  await thief.gone();
  t.equal(await refused(server, 'foreign-alarm-no'), 1, 'counted');

  const early = await client(t, server, A);
  t.equal(await early.ackOf(early.send(0x1211, { name: 'x.jpg', fileType: 0, size: 10 })), 1, 'a file before any list: result 1');
  await early.gone();
  t.equal(await refused(server, 'no-list'), 1, 'counted');

  const owner = await listed(t, server, A, issued, [{ name: 'x.jpg', size: 10 }]);
  const second = await client(t, server, A);
  t.equal(await second.ackOf(second.send(0x1210, { terminalId: 'T000101', identifier, alarmNo: issued, infoType: 0, files: [{ name: 'x.jpg', size: 10 }] })), 1, 'the same alarm number on a second connection while the first uploads: result 1');
  await second.gone();
  t.equal(await refused(server, 'alarm-busy'), 1, 'counted');
  owner.close();
});

t.test('files and data: unannounced, beyond the size, after completion, too many ranges, a bad-length frame', async (t) => {
  const server = await start(t, { maxRanges: 4, maxFileBytes: 100_000 });
  const a = await terminal(t, server, A);
  const no = await alarmNo(a);
  const file = Buffer.alloc(1000, 7);
  const c = await listed(t, server, A, no, [{ name: 'a.jpg', size: 1000 }, { name: 'b.bin', size: 200_000 }]);

  t.equal(await c.ackOf(c.send(0x1211, { name: 'never-listed.jpg', fileType: 0, size: 1000 })), 1, '0x1211 for a file not in the list: result 1');
  t.equal(await c.ackOf(c.send(0x1212, { name: 'never-listed.jpg', fileType: 0, size: 1000 })), 1, '0x1212 for it: result 1');
  t.equal(await refused(server, 'unannounced-file'), 2, 'both counted');
  t.equal(await c.ackOf(c.send(0x1211, { name: 'b.bin', fileType: 4, size: 200_000 })), 1, 'a listed file past attachments.maxFileBytes: result 1');
  t.equal(await refused(server, 'file-too-large'), 1);
  t.equal(await c.ackOf(c.send(0x1211, { name: 'a.jpg', fileType: 0, size: 999 })), 1, 'a size other than the list said: result 1');
  t.equal(await refused(server, 'size-mismatch'), 1);

  // data for a file not taken, and past the announced size: dropped (nothing answers data frames)
  c.writeRaw(dataFrame('b.bin', 0, Buffer.alloc(100)));
  t.equal(await c.ackOf(c.send(0x1211, { name: 'a.jpg', fileType: 0, size: 1000 })), 0, 'a.jpg taken');
  c.writeRaw(dataFrame('a.jpg', 950, Buffer.alloc(100, 1)));
  c.writeRaw(dataFrame('a.jpg', 0xfffffff0, Buffer.alloc(16, 1)));
  // five disjoint ranges with a cap of four: the fifth is dropped
  for (const offset of [0, 200, 400, 600, 800]) c.writeRaw(dataFrame('a.jpg', offset, file.subarray(offset, offset + 100)));
  t.same(await c.done('a.jpg', 0, 1000), { name: 'a.jpg', fileType: 0, result: 1, resend: [{ offset: 100, length: 100 }, { offset: 300, length: 100 }, { offset: 500, length: 100 }, { offset: 700, length: 300 }] }, 'the out-of-size frames and the fifth range left no trace: 0x9212 lists the gaps');
  t.equal(await refused(server, 'unannounced-data'), 1, 'data of a file not taken: counted');
  t.equal(await refused(server, 'beyond-size'), 2, 'data past the size (offset near 2^32 too): counted');
  t.equal(await refused(server, 'too-many-ranges'), 1, 'the range past attachments.maxRanges: counted');

  // the rest in one frame each gap: whole
  for (const offset of [100, 300, 500]) c.writeRaw(dataFrame('a.jpg', offset, file.subarray(offset, offset + 100)));
  c.writeRaw(dataFrame('a.jpg', 700, file.subarray(700)));
  t.same(await c.done('a.jpg', 0, 1000), { name: 'a.jpg', fileType: 0, result: 0, resend: [] }, 'whole: 0x9212 result 0');
  c.writeRaw(dataFrame('a.jpg', 0, Buffer.alloc(100, 9)));
  t.same(await c.done('a.jpg', 0, 1000), { name: 'a.jpg', fileType: 0, result: 0, resend: [] }, 'data after completion changes nothing: result 0 again');
  t.equal(await refused(server, 'after-complete'), 1, 'counted');
  t.equal(await value(server.gateway.metrics.attachmentFiles, { outcome: 'duplicate' }), 1);
  const items = await until('the file recorded', async () => {
    const r = (await call(server.ports.http, TOKEN, 'GET', `/api/media?alarmNo=${no}`)).json as { total: number; items: { id: string; sha256: string }[] };
    return r.total === 1 ? r.items : undefined;
  });
  t.equal(items[0]!.sha256, sha256(file), 'stored once, as sent');

  // a data frame whose length passes 64 KiB: the stream is out of step, the connection closed
  c.writeRaw(dataFrame('a.jpg', 0, Buffer.alloc(10), 0x10001));
  await c.gone();
  t.equal(await refused(server, 'bad-data-frame'), 1, 'counted');
  await until('the connection cleaned up', () => server.gateway.attachments.connections === 0);
  t.same(partials(server), [], 'no partial file left');
  t.equal(await value(server.gateway.metrics.attachmentInFlight), 0, 'nothing reserved');
});

t.test('an upload that never completes expires: connection closed, partial files removed, reservation freed', async (t) => {
  // the service alone, its clock in the test's hand: the deadline is passed by moving the clock
  // (setup can never reach it on a busy machine), then the test waits for the close itself
  const { service, port, clock, dataDir, issue } = await attachmentService(t, { uploadTimeoutMs: 600_000 });
  const c = await AttachmentClient.open(port, A);
  t.teardown(() => c.close());
  t.equal(await c.ackOf(c.send(0x1210, { terminalId: 'T000101', identifier, alarmNo: issue(A), infoType: 0, files: [{ name: 'slow.mp4', size: 50_000 }] })), 0);
  t.equal(await c.ackOf(c.send(0x1211, { name: 'slow.mp4', fileType: 2, size: 50_000 })), 0);
  c.writeRaw(dataFrame('slow.mp4', 0, Buffer.alloc(1000, 3)));
  await until('the first 1000 bytes on disk', () => service.partialFiles === 1 && service.bytesInFlight === 50_000);
  clock.ms += 600_000;
  c.writeRaw(dataFrame('slow.mp4', 1000, Buffer.alloc(1000, 3)));
  await c.gone();
  await until('the upload counted expired', async () => (await value(service.metrics.attachmentUploads, { outcome: 'expired' })) === 1);
  t.same(readdirSync(join(dataDir, 'attachments-partial')), [], 'its partial file removed from disk');
  t.equal(service.partialFiles, 0);
  t.equal(await value(service.metrics.attachmentFiles, { outcome: 'removed' }), 1, 'counted removed');
  t.equal(service.bytesInFlight, 0, 'its 50,000 bytes no longer reserved');
  t.equal(await value(service.metrics.attachmentInFlight), 0);
});

t.test('caps: connections, per address, files per list, bytes in flight, alarm numbers per terminal', async (t) => {
  const server = await start(t, { maxConnections: 3, maxPerIp: 2, maxFiles: 2, maxBytesInFlight: 150_000, maxAlarmNumbersPerTerminal: 2 });
  const a = await terminal(t, server, A);
  const first = await alarmNo(a);
  const second = await alarmNo(a);
  const third = await alarmNo(a);
  t.equal(await value(server.gateway.metrics.attachmentAlarmNumbers), 2, 'two alarm numbers held for the terminal');

  const one = await client(t, server, A);
  const two = await client(t, server, A);
  await until('two connections open', () => server.gateway.attachments.connections === 2);
  const three = await client(t, server, A);
  await three.gone();
  t.equal(await refused(server, 'per-ip'), 1, 'a third from one address is closed at once (attachments.maxPerIp 2)');

  t.equal(await one.ackOf(one.send(0x1210, { terminalId: 'T000101', identifier, alarmNo: first, infoType: 0, files: [{ name: 'x', size: 1 }] })), 1, "the oldest alarm number was forgotten for the third: result 1");
  await one.gone();
  t.equal(await refused(server, 'unknown-alarm-no'), 1);

  t.equal(await two.ackOf(two.send(0x1210, { terminalId: 'T000101', identifier, alarmNo: second, infoType: 0, files: [1, 2, 3].map((i) => ({ name: `f${i}.jpg`, size: 10 })) })), 1, 'three files with attachments.maxFiles 2: result 1');
  await two.gone();
  t.equal(await refused(server, 'too-many-files'), 1);

  const c = await listed(t, server, A, third, [{ name: 'big1.mp4', size: 100_000 }, { name: 'big2.mp4', size: 100_000 }]);
  t.equal(await c.ackOf(c.send(0x1211, { name: 'big1.mp4', fileType: 2, size: 100_000 })), 0, 'the first 100,000 bytes fit 150,000 in flight');
  t.equal(await c.ackOf(c.send(0x1211, { name: 'big2.mp4', fileType: 2, size: 100_000 })), 1, 'the next 100,000 do not: result 1');
  t.equal(await refused(server, 'in-flight-full'), 1);
  t.equal(await value(server.gateway.metrics.attachmentInFlight), 100_000);
  c.close();
  await until('the connection cleaned up', () => server.gateway.attachments.connections === 0);
  t.equal(await value(server.gateway.metrics.attachmentInFlight), 0, 'released when it closed');
  t.same(partials(server), []);
});

t.test('at attachments.maxConnections new connections are closed at once', async (t) => {
  const server = await start(t, { maxConnections: 2 });
  await client(t, server, A);
  await client(t, server, A);
  await until('two open', () => server.gateway.attachments.connections === 2);
  const third = await client(t, server, A);
  await third.gone();
  t.equal(await refused(server, 'max-connections'), 1);
});

t.test("a hostile connection (a half-sent data frame, junk) does not stall another terminal's upload", async (t) => {
  const server = await start(t, {});
  const a = await terminal(t, server, A);
  const b = await terminal(t, server, B);
  const noA = await alarmNo(a);
  const noB = await alarmNo(b);
  const hostile = await listed(t, server, A, noA, [{ name: 'h.bin', size: 60_000 }]);
  t.equal(await hostile.ackOf(hostile.send(0x1211, { name: 'h.bin', fileType: 4, size: 60_000 })), 0);
  // a header announcing 60,000 bytes, then 100 of them, and nothing more: it waits for the rest
  hostile.writeRaw(dataFrame('h.bin', 0, Buffer.alloc(100), 60_000));

  const good = await listed(t, server, B, noB, [{ name: 'ok.jpg', size: 40_000 }]);
  const photo = Buffer.alloc(40_000);
  for (let i = 0; i < photo.length; i++) photo[i] = (i * 31) & 0xff;
  t.equal(await good.ackOf(good.send(0x1211, { name: 'ok.jpg', fileType: 0, size: photo.length })), 0);
  good.sendData('ok.jpg', photo, 16_000);
  t.same(await good.done('ok.jpg', 0, photo.length), { name: 'ok.jpg', fileType: 0, result: 0, resend: [] }, "B's file whole while A's frame hangs");
  t.notOk(hostile.closed, 'the hostile connection is still open: nothing waited on it');

  // junk past the bound closes it
  hostile.writeRaw(Buffer.alloc(70_000, 0x55));
  await hostile.gone();
  t.equal(await refused(server, 'junk'), 1, 'junk counted, connection closed');
  await until('its partial file removed', () => partials(server).length === 0);
});

t.test('alarm numbers: at most maxTotal live, each for ttlMs (an injected clock)', async (t) => {
  let now = 1_000_000;
  const numbers = new AlarmNumbers({ maxTotal: 2, maxPerTerminal: 2, ttlMs: 1000 }, () => now);
  const alarm = { terminal: '1', org: '', category: 'vehicle', alarm: 'adas.forwardCollision', identifier };
  const first = numbers.issue(alarm)!;
  const second = numbers.issue({ ...alarm, terminal: '2' })!;
  t.match(first.alarmNo, /^[0-9a-f]{32}$/);
  t.not(first.alarmNo, second.alarmNo, 'numbers differ');
  t.equal(numbers.issue({ ...alarm, terminal: '3' }), undefined, 'a third with a total of two: none issued');
  now += 1000;
  t.equal(numbers.get(first.alarmNo), undefined, 'expired after ttlMs');
  t.equal(numbers.size, 0, 'all gone');
  t.ok(numbers.issue({ ...alarm, terminal: '3' }), 'room again');
});
