/**
 * Subpackaged uplinks with a lost part: the gateway asks for it (0x8003, or 0x8800 with the
 * missing IDs for multimedia) after the reassembly timeout, the terminal sends it again, and
 * the whole message is handled: a backfill batch published, a photo stored and announced.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { Message } from '../../decoders/index.js';
import type { Media } from '../../events/model.js';
import { MemorySink } from './helpers/memory-sink.js';
import { startTestServer } from './helpers/server.js';
import { TestTerminal, locationBody } from './helpers/terminal.js';

t.test('0x0704 backfill batch with part 2 lost: 0x8003, resend, published', async (t) => {
  const sink = new MemorySink();
  const server = await startTestServer(t, { reassembly: { timeoutMs: 30 } }, [sink]);
  const term = await TestTerminal.tcp(server.ports.jt808);
  t.teardown(() => term.close());
  await term.login();

  const locations = Array.from({ length: 12 }, (_, i) => locationBody({ time: `2026-03-01T0${Math.floor(i / 6)}:0${i % 6}:00.000Z`, lat: 30 + i / 100 }));
  const { serial, frames } = term.sendParts(0x0704, { type: 1, locations }, 100, [2]);
  t.equal(frames.length, 4, '363 bytes in parts of 100');
  for (const i of [0, 2]) t.equal((await term.ackOf(serial + i)).result, 0, `part ${i + 1} answered on arrival`);

  const request = (await term.next(0x8003)) as Message<{ origSerial: number; packetIds: number[] }>;
  t.equal(request.body.origSerial, serial, '0x8003 names the first serial');
  // part 4 may still be in flight when the timer fires: the list holds 2, perhaps 4
  t.equal(request.body.packetIds[0], 2, 'and the lost part');
  for (const id of request.body.packetIds) term.writeRaw(frames[id - 1]!);

  const ack = await term.ackOf(serial + 1);
  t.same(ack, { ackSerial: serial + 1, ackMsgId: 0x0704, result: 0 }, 'the completing part is answered once the batch is published');
  const positions = sink.events.filter((e) => e.kind === 'position');
  t.equal(positions.length, 12, 'every location published');
  t.ok(
    positions.every((e) => e.kind === 'position' && e.position.backfill),
    'flagged backfill',
  );
  t.equal(server.map.index.size, 0, 'backfill never moves the live map');
});

t.test('0x0801 photo with part 3 lost: 0x8800 lists it, then the file is stored and announced', async (t) => {
  const sink = new MemorySink();
  const server = await startTestServer(t, { reassembly: { timeoutMs: 30 } }, [sink]);
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: '013800000002' });
  t.teardown(() => term.close());
  await term.login();

  const photo = Buffer.alloc(2500);
  for (let i = 0; i < photo.length; i++) photo[i] = (i * 7) & 0xff;
  photo.writeUInt16BE(0xffd8, 0); // JPEG SOI
  const body = { mediaId: 0x80000001, type: 0, format: 0, event: 1, channel: 2, location: locationBody(), data: photo };
  const { frames } = term.sendParts(0x0801, body, 900, [3]);
  t.equal(frames.length, 3);

  // answer every 0x8800 that lists packets (part 2 may still be in flight when the timer
  // fires) until the one without a list
  const asked: number[] = [];
  for (;;) {
    const answer = (await term.next(0x8800)) as Message<{ mediaId: number; retransmitIds?: number[] }>;
    t.equal(answer.body.mediaId, 0x80000001);
    if (!answer.body.retransmitIds) break;
    asked.push(...answer.body.retransmitIds);
    for (const id of answer.body.retransmitIds) term.writeRaw(frames[id - 1]!);
  }
  t.ok(asked.includes(3), '0x8800 listed the lost packet');
  t.notOk(asked.includes(1), 'never the first, which arrived');

  const media = sink.events.find((e) => e.kind === 'media') as { kind: 'media'; media: Media } | undefined;
  t.ok(media, 'a Media event');
  t.equal(media!.media.mediaId, 0x80000001);
  t.equal(media!.media.bytes, photo.length);
  t.equal(media!.media.position?.valid, true, 'with its position');
  t.match(media!.media.path, /^media\/13800000002\/2147483649-.*\.jpg$/);
  t.same(readFileSync(join(server.gateway.config.dataDir, media!.media.path)), photo, 'stored byte for byte');
});

t.test('parts from a terminal that has not logged in are refused, not held', async (t) => {
  const server = await startTestServer(t);
  const term = await TestTerminal.tcp(server.ports.jt808);
  t.teardown(() => term.close());
  const { serial } = term.sendParts(0x0704, { type: 0, locations: [locationBody(), locationBody(), locationBody()] }, 40);
  t.same(await term.ackOf(serial), { ackSerial: serial, ackMsgId: 0x0704, result: 1 });
});
