/**
 * A photo is not a position report (issue 16): 0x0801 carries the 0x0200 basic block of where it
 * was taken (2013 §8.49, "位置信息汇报消息体"), which the Media event keeps as its `position`; the
 * position itself was already published from the terminal's 0x0200. Publishing it again gave
 * every photo a second Position with the same dedup key (position/terminal/device time) and
 * `extras: {}`, which replaced the retained MQTT position and counted twice in heat.
 */
import t from 'tap';
import type { Media } from '../../events/model.js';
import { dedupKey } from '../../events/records.js';
import { MemorySink } from './helpers/memory-sink.js';
import { startTestServer } from './helpers/server.js';
import { TestTerminal, locationBody } from './helpers/terminal.js';

t.test('one 0x0200 and one 0x0801 taken at the same fix: one Position event, the Media event carries the fix', async (t) => {
  const sink = new MemorySink();
  const server = await startTestServer(t, {}, [sink]);
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: '013800000031' });
  t.teardown(() => term.close());
  await term.login();

  const fix = locationBody();
  const report = { ...fix, extras: { mileageKm: 1234.5 } };
  const serial = term.send(0x0200, report);
  t.same(await term.ackOf(serial), { ackSerial: serial, ackMsgId: 0x0200, result: 0 }, 'the report was published and answered');

  const photo = Buffer.from('ffd8ffe000104a464946', 'hex');
  term.send(0x0801, { mediaId: 7, type: 0, format: 0, event: 1, channel: 1, location: fix, data: photo });
  const answer = await term.next(0x8800);
  t.equal((answer as { body: { mediaId: number } }).body.mediaId, 7, 'the photo was answered 0x8800 (stored, events published)');

  const positions = sink.events.filter((e) => e.kind === 'position');
  t.equal(positions.length, 1, 'one Position for one report');
  t.same(positions[0]!.kind === 'position' && positions[0]!.position.extras, { mileageKm: 1234.5 }, "it is the report's, with its extras");
  const media = sink.events.find((e) => e.kind === 'media') as { kind: 'media'; media: Media } | undefined;
  t.ok(media, 'a Media event');
  t.equal(media!.media.position?.lat, 30.583, 'the Media event keeps where the photo was taken');
  const keys = sink.events.map(dedupKey);
  t.equal(new Set(keys).size, keys.length, 'no dedup key published twice');
});
