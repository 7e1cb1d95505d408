/**
 * The vendor location reports 0x5501 / 0x5502 reach the map: real frames from Traccar's
 * HuabaoProtocolDecoderTest (traccar/traccar src/test/java/org/traccar/protocol/
 * HuabaoProtocolDecoderTest.java, device 740190311185) sent by a logged-in terminal with that
 * phone become Position events, and the one whose attribute bit 15 asks for it is answered
 * 0x4401 {answered ID, result}, as Traccar's HuabaoProtocolDecoder answers (sendGeneralResponse2).
 * Expected values are worked out from the bytes (see test/decoders/vendor.test.ts).
 */
import t from 'tap';
import type { Position } from '../../events/model.js';
import type { Message } from '../../decoders/index.js';
import { hex } from '../helpers/frames.js';
import { until } from './helpers/http.js';
import { MemorySink } from './helpers/memory-sink.js';
import { startTestServer } from './helpers/server.js';
import { TestTerminal } from './helpers/terminal.js';

// 0x5501, serial 6, attributes 0x0433 (bit 15 clear): no answer wanted; fix bit clear
const LIVE = '7e550104337401903111850622072002454206133574075359513a0000080100000001aa00005ded05e203000000000c06005affb5ffb40a0302dc65100100137e';
// 0x5502, serial 9, attributes 0x8436 (bit 15 set): answer wanted; fix bit set, 10 satellites
const BLIND = '7e55028436740190311185091607200239270613212607536108630000170a000000014600005ded05e203000000000b010d0c06005b003e00ab0a0302dc65100100a37e';

t.test('0x5501 and 0x5502 become positions; only the one asking for it is answered 0x4401', async (t) => {
  const sink = new MemorySink();
  const server = await startTestServer(t, {}, [sink]);
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: '740190311185' });
  t.teardown(() => term.close());
  await term.login();

  term.writeRaw(hex(LIVE));
  term.writeRaw(hex(BLIND));
  const answer = (await term.next(0x4401)) as Message<{ ackMsgId: number; result: number }>;
  t.same(answer.body, { ackMsgId: 0x5502, result: 0 }, 'the blind-area report is answered, result 0 once published');
  t.equal(answer.phone, '740190311185');
  t.notOk(term.received.some((m) => m.msgId === 0x4401 || m.msgId === 0x8001), 'nothing answers the 0x5501 that did not ask (it would have come first)');

  const positions = await until('two positions', () => {
    const p = sink.events.filter((e): e is { kind: 'position'; position: Position } => e.kind === 'position').map((e) => e.position);
    return p.length === 2 ? p : undefined;
  });
  const [live, blind] = positions as [Position, Position];
  t.match(live, { terminal: '740190311185', time: '2020-07-22T02:45:42.000Z', valid: false, backfill: false, speed: 0, heading: 0, h3: null });
  t.ok(Math.abs(live.lat - (6 + 13.3574 / 60)) < 1e-9 && Math.abs(live.lng + 75 + 35.9513 / 60) < 1e-9, 'degrees and minutes, west');
  t.match(live.extras, { mileageKm: 1, rssi: 8, satellites: 1, vendor: { battery: 0xaa, cellId: 24045, lac: 1506, product: 3 } });
  t.match(blind, { time: '2020-07-16T02:39:27.000Z', valid: true, backfill: true, flags: ['fix'] });
  t.ok(blind.h3, 'a valid fix gets its cell');
  t.match(blind.extras, { satellites: 10, rssi: 23, vendor: { battery: 70 } });
});
