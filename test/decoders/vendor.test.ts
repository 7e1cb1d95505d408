/**
 * Vendor location reports 0x5501 / 0x5502 with their one-byte serial, and the 0x4401 answer.
 * Frames: traccar/traccar src/test/java/org/traccar/protocol/HuabaoProtocolDecoderTest.java
 * (real devices: 740190311185 in Medellín, 700160818000 in Shenzhen). Layout: traccar
 * HuabaoProtocolDecoder.java (index as one byte; decodeLocation2) and
 * Jt600ProtocolDecoder.java (decodeBinaryLocation: DDMMYY hhmmss UTC, DDMM.mmmm BCD
 * coordinates, flags nibble, BCD speed in knots, heading x 2). Expected values are worked out
 * by hand from those layouts; the arithmetic is in the comments.
 */
import t from 'tap';
import { decodeWire, encode } from '../../decoders/index.js';
import type { Message, VendorLocation } from '../../decoders/index.js';
import { decodeOk, hex } from '../helpers/frames.js';

const LIVE = `
  7e 5501 0433           // 0x5501; attributes: bit 10 (not RSA here), body 0x033 = 51 bytes
  740190311185 06        // phone, serial BYTE 6
  220720 024542          // 22/07/20 02:45:42 UTC
  06133574               // 06 deg 13.3574 min
  07535951 3a            // 075 deg 35.951|3 min, flags 0xa: bit 1 north, bit 2 clear = west, bit 0 clear = no fix
  00 00                  // 0 knots, heading 0
  08 01 00000001         // rssi 8, 1 satellite, 1 km
  aa                     // battery 0xAA: charging (Traccar: KEY_CHARGE true)
  00005ded 05e2          // cell 24045, LAC 1506
  03 0000 0000           // product 3, status 0, alarm 0
  0c06005affb5ffb4 0a0302dc65 100100 // items kept raw
  13 7e`;

const BLIND = `
  7e 5502 8436           // 0x5502; attributes: bit 15 (answer wanted), bit 10, body 54 bytes
  740190311185 09        // serial 9
  160720 023927          // 16/07/20 02:39:27 UTC
  06132126               // 06 deg 13.2126 min
  07536108 63            // 075 deg 36.108|6 min, flags 0x3: fix, north, west
  00 00                  // 0 knots, heading 0
  17 0a 00000001         // rssi 23, 10 satellites, 1 km
  46                     // battery 70 %
  00005ded 05e2 03 0000 0000
  0b010d 0c06005b003e00ab 0a0302dc65 100100
  a3 7e`;

const SHENZHEN = `
  7e 5501 0028           // body 40 bytes, no attribute flags
  700160818000 01        // serial 1
  270610 080453          // 27/06/10 08:04:53 UTC
  22332880               // 22 deg 33.2880 min
  11355560 2e            // 113 deg 55.560|2 min, flags 0xe: north, east, no fix
  05 00                  // 5 knots, heading 0
  31 01 00000006         // rssi 49, 1 satellite, 6 km
  08                     // battery 8 %
  00001093 1435          // cell 4243, LAC 5173
  01 0002 0003           // product 1, status 2, alarm 3 (product 1, alarm bit 0: Traccar's low power)
  0003010005             // item kept raw
  1b 7e`;

const close = (t: { ok(v: boolean, m: string): void }, got: number, want: number, what: string) => t.ok(Math.abs(got - want) < 1e-9, `${what}: ${got} ~ ${want}`);

t.test('0x5501 from a charging eLock: one-byte serial, coordinates in degrees and minutes, west from the flags', async (t) => {
  const m = decodeOk(LIVE) as Message<VendorLocation>;
  t.match(m, { msgId: 0x5501, phone: '740190311185', serial: 6, vendorFlags: 0x0400 });
  const b = m.body;
  t.equal(b.time, '2020-07-22T02:45:42.000Z');
  close(t, b.lat, 6 + 13.3574 / 60, 'lat');
  close(t, b.lng, -(75 + 35.9513 / 60), 'lng');
  t.match(b, { fixFlags: 0xa, speedKnots: 0, heading: 0, rssi: 8, satellites: 1, mileageKm: 1, battery: 0xaa, cellId: 24045, lac: 1506, product: 3, deviceStatus: 0, deviceAlarm: 0 });
  t.same(b.tail, hex('0c06005affb5ffb4 0a0302dc65 100100'));
  t.same(encode(m), hex(LIVE), 'encoded back byte for byte (header flags, serial BYTE, BCD digits, flags nibble)');
});

t.test('0x5502 blind-area report asking for an answer (attribute bit 15)', async (t) => {
  const m = decodeOk(BLIND) as Message<VendorLocation>;
  t.match(m, { msgId: 0x5502, serial: 9, vendorFlags: 0x8400 });
  t.equal(m.body.time, '2020-07-16T02:39:27.000Z');
  close(t, m.body.lat, 6 + 13.2126 / 60, 'lat');
  close(t, m.body.lng, -(75 + 36.1086 / 60), 'lng');
  t.match(m.body, { fixFlags: 0x3, satellites: 10, rssi: 23, battery: 70 });
  t.same(encode(m), hex(BLIND));
});

t.test('0x5501 east and north, speed in knots, the device alarm word', async (t) => {
  const m = decodeOk(SHENZHEN) as Message<VendorLocation>;
  t.equal(m.body.time, '2010-06-27T08:04:53.000Z');
  close(t, m.body.lat, 22 + 33.288 / 60, 'lat');
  close(t, m.body.lng, 113 + 55.5602 / 60, 'lng');
  t.match(m.body, { fixFlags: 0xe, speedKnots: 5, rssi: 49, satellites: 1, mileageKm: 6, battery: 8, cellId: 4243, lac: 5173, product: 1, deviceStatus: 2, deviceAlarm: 3 });
  t.same(encode(m), hex(SHENZHEN));
});

t.test('0x4401, the answer: one-byte serial, answered ID and result (Traccar sendGeneralResponse2)', async (t) => {
  // hand-built from HuabaoProtocolDecoder.formatMessage(MSG_GENERAL_RESPONSE_2, id, shortIndex, {type WORD, result BYTE})
  const data = hex(`
    4401 0003            // body 3 bytes, no flags
    740190311185 01      // phone, serial BYTE
    5502 00              // answers 0x5502, result 0`);
  let sum = 0;
  for (const b of data) sum ^= b;
  const wire = Buffer.concat([Buffer.from([0x7e]), data, Buffer.from([sum, 0x7e])]);
  t.same(encode({ msgId: 0x4401, version: '2013', phone: '740190311185', serial: 0x101, body: { ackMsgId: 0x5502, result: 0 } }), wire, 'the serial counter\'s low byte');
  t.match(decodeOk(wire), { msgId: 0x4401, serial: 1, body: { ackMsgId: 0x5502, result: 0 } });
});

t.test('hostile vendor frames fail alone with a typed error', async (t) => {
  const code = (text: string) => {
    const data = hex(text);
    let sum = 0;
    for (const b of data) sum ^= b;
    const r = decodeWire(Buffer.concat([Buffer.from([0x7e]), data, Buffer.from([sum, 0x7e])]));
    return r.ok ? 'ok' : r.error.code;
  };
  t.equal(code('5501 0003 740190311185 06 220720'), 'truncated', 'a body shorter than the 35 fixed bytes');
  t.equal(code('5501 0004 740190311185 06 220720'), 'length', 'the length field counts from the one-byte serial on');
  t.equal(code('5501 0023 740190311185 06 22072002454a 06133574 075359513a 0000 08 01 00000001 aa 00005ded 05e2 03 0000 0000'), 'malformed', 'a BCD nibble over 9 in the time');
  t.equal(code('5501 0000 740190'), 'truncated', 'a header cut inside the phone');
});
