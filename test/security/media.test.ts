/**
 * Issue 14, section 6: media files on disk had no quota (200 single-frame 0x0801 uploads ->
 * 200 files). Now media.maxBytesPerTerminal and media.maxBytesTotal bound them, each file
 * counting at least one 4 KiB block, and media.policy decides what gives:
 * - refuse-new: the upload is answered 0x8001 result 1 for the 0x0801 (0x8800 has no result
 *   field, and one without a resend list means "received whole") and nothing is deleted;
 * - drop-oldest: the oldest files go (the terminal's own for its quota, the store's for the total).
 * Expected counts from the settings: a 500-byte photo counts 4096 bytes, so 40,960 bytes hold
 * 10 photos and 65,536 hold 16.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { Message } from '../../decoders/index.js';
import type { Server } from '../../server/server.js';
import { silentLogger } from '../../gateway/log.js';
import { startServer } from '../../server/server.js';
import { startTestServer, testConfig } from '../gateway/helpers/server.js';
import { until } from '../gateway/helpers/http.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';

const PHOTO = 500;
const BLOCK = 4096;

function upload(term: TestTerminal, mediaId: number): number {
  const data = Buffer.alloc(PHOTO, mediaId & 0xff);
  data.writeUInt16BE(0xffd8, 0); // JPEG SOI
  return term.send(0x0801, { mediaId, type: 0, format: 0, event: 1, channel: 1, location: locationBody(), data });
}

/** Files under dataDir/media by terminal directory, with their sizes and allocated bytes. */
function onDisk(server: Server): { perTerminal: Map<string, number>; files: number; bytes: number; allocated: number } {
  const root = join(server.gateway.config.dataDir, 'media');
  const perTerminal = new Map<string, number>();
  let files = 0;
  let bytes = 0;
  let allocated = 0;
  for (const dir of readdirSync(root)) {
    for (const name of readdirSync(join(root, dir))) {
      const s = statSync(join(root, dir, name));
      files++;
      bytes += s.size;
      allocated += s.blocks * 512;
      perTerminal.set(dir, (perTerminal.get(dir) ?? 0) + 1);
    }
  }
  return { perTerminal, files, bytes, allocated };
}

async function value(server: Server, name: 'mediaBytes' | 'mediaFiles' | 'mediaDropped'): Promise<number | undefined> {
  return (await server.gateway.metrics[name].get()).values[0]?.value;
}

async function outcome(server: Server, which: string): Promise<number | undefined> {
  return (await server.gateway.metrics.media.get()).values.find((v) => v.labels.outcome === which)?.value;
}

t.test('refuse-new: 200 uploads from one terminal keep 10 files (40,960 bytes); the rest are answered 0x8001 result 1 and counted', async (t) => {
  const QUOTA = 10 * BLOCK;
  const server = await startTestServer(t, { media: { maxBytesPerTerminal: QUOTA, maxBytesTotal: 1024 * 1024, policy: 'refuse-new' } });
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: '013800000031' });
  t.teardown(() => term.close());
  await term.login();
  const serials = Array.from({ length: 200 }, (_, i) => upload(term, 1000 + i));
  let stored = 0;
  let refused = 0;
  for (const [i, serial] of serials.entries()) {
    const answer = await term.next((m) => (m.msgId === 0x8800 && (m as Message<{ mediaId: number }>).body.mediaId === 1000 + i) || (m.msgId === 0x8001 && (m as Message<{ ackSerial: number }>).body.ackSerial === serial));
    if (answer.msgId === 0x8800) stored++;
    else {
      const body = (answer as Message<{ ackMsgId: number; result: number }>).body;
      if (body.ackMsgId !== 0x0801 || body.result !== 1) t.fail(`refusal answers 0x${body.ackMsgId.toString(16)} result ${body.result}, wanted 0x0801 result 1 (failure)`);
      refused++;
    }
  }
  t.equal(stored, 10, '10 photos fit in 40,960 bytes at 4,096 each');
  t.equal(refused, 190, 'the other 190 refused');
  const disk = onDisk(server);
  t.equal(disk.files, 10, '10 files on disk');
  t.ok(disk.bytes <= QUOTA && disk.allocated <= QUOTA, `bytes on disk (${disk.bytes}, allocated ${disk.allocated}) within the quota`);
  t.equal(await outcome(server, 'refused'), 190, 'dipper_media_total{outcome="refused"}');
  t.equal(await outcome(server, 'stored'), 10, 'dipper_media_total{outcome="stored"}');
  t.equal(await value(server, 'mediaBytes'), QUOTA, 'dipper_media_stored_bytes');
  t.equal(await value(server, 'mediaFiles'), 10, 'dipper_media_files');
});

t.test('drop-oldest: 4 terminals x 50 uploads keep the newest 16 files (65,536 bytes in all, 40,960 per terminal)', async (t) => {
  const server = await startTestServer(t, { media: { maxBytesPerTerminal: 10 * BLOCK, maxBytesTotal: 16 * BLOCK, policy: 'drop-oldest' } });
  const phones = ['013800000041', '013800000042', '013800000043', '013800000044'];
  for (const [n, phone] of phones.entries()) {
    const term = await TestTerminal.tcp(server.ports.jt808, { phone });
    await term.login();
    for (let i = 0; i < 50; i++) {
      const mediaId = n * 100 + i;
      upload(term, mediaId);
      await term.next((m) => m.msgId === 0x8800 && (m as Message<{ mediaId: number }>).body.mediaId === mediaId);
    }
    term.close();
  }
  // deletions follow the accounting: wait for the disk to show it
  await until('16 files on disk', () => onDisk(server).files <= 16);
  const disk = onDisk(server);
  t.equal(disk.files, 16, '16 files fit in 65,536 bytes');
  t.ok(disk.bytes <= 16 * BLOCK && disk.allocated <= 16 * BLOCK, `bytes on disk (${disk.bytes}, allocated ${disk.allocated}) within the total`);
  // each terminal's own quota keeps its newest 10; the total then keeps the store's newest 16
  t.same(Object.fromEntries(disk.perTerminal), { '13800000043': 6, '13800000044': 10 }, 'the newest: the last terminal\'s 10 and the one before\'s 6');
  t.equal(await value(server, 'mediaDropped'), 200 - 16, 'every deletion counted');
  t.equal(await outcome(server, 'stored'), 200, 'every upload stored (and answered 0x8800)');
});

t.test('files from an earlier run count against the quota; a half-written one is removed', async (t) => {
  const config = testConfig({ media: { maxBytesPerTerminal: 10 * BLOCK, maxBytesTotal: 1024 * 1024, policy: 'refuse-new' } });
  const dir = join(config.dataDir, 'media', '13800000051');
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 10; i++) writeFileSync(join(dir, `${i}-old.jpg`), Buffer.alloc(100));
  writeFileSync(join(dir, '99-crashed.jpg.part'), Buffer.alloc(100));
  const server = await startServer(config, silentLogger());
  t.teardown(async () => {
    await server.close();
    rmSync(config.dataDir, { recursive: true, force: true });
  });
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: '013800000051' });
  t.teardown(() => term.close());
  await term.login();
  const serial = upload(term, 7);
  const ack = await term.ackOf(serial);
  t.same([ack.ackMsgId, ack.result], [0x0801, 1], 'ten files on disk fill the 40,960 bytes: refused');
  t.notOk(existsSync(join(dir, '99-crashed.jpg.part')), 'the .part left by a crash is gone');
  t.equal(await value(server, 'mediaFiles'), 10, 'the earlier files are counted');
});
