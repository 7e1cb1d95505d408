/**
 * 0x0200 / 0x0704 / 0x0201 / 0x0500 against real frames. Expected values are worked out by
 * hand from the bytes (the comments show the arithmetic); none is pasted from our decoder.
 */
import t from 'tap';
import { decodeWire, encode } from '../../decoders/index.js';
import { decodeOk, hex } from '../helpers/frames.js';

t.test('0x0200 2013 with mileage/fuel/recorder speed and reserved status bits', async (t) => {
  // traccar/traccar src/test/java/org/traccar/protocol/HuabaoProtocolDecoderTest.java
  const m = decodeOk(`
    7e
    0200 002a                 // location report, body 0x2a = 42 bytes, 2013 header
    013833501744 0019         // phone, serial 25
    00000000                  // alarm: none
    000000c2                  // status: bit1 fix, bits 6 and 7 (reserved in 2013)
    01597fa8                  // lat 0x01597fa8 = 22642600 -> 22.6426
    06cc0158                  // lng 0x06cc0158 = 114032984 -> 114.032984
    0080 0000 0008            // altitude 128 m, speed 0, heading 8
    150818072121              // 2015-08-18 07:21:21 GMT+8 = 2015-08-17T23:21:21Z
    01 04 000002f5            // mileage 757 x 0.1 km = 75.7
    02 02 0000                // fuel 0
    03 02 0000                // recorder speed 0
    9f 7e`);
  t.equal(m.msgId, 0x0200);
  t.equal(m.version, '2013');
  t.equal(m.phone, '013833501744');
  t.equal(m.serial, 25);
  t.same(m.body, {
    alarm: 0,
    status: 0xc2,
    lat: 22.6426,
    lng: 114.032984,
    altitude: 128,
    speed: 0,
    heading: 8,
    time: '2015-08-17T23:21:21.000Z',
    alarms: [],
    flags: ['fix', 'bit6', 'bit7'],
    extras: { mileageKm: 75.7, fuelL: 0, recorderSpeedKmh: 0 },
  });
});

t.test('0x0200 SOS, west longitude, speed, unknown item kept as bytes', async (t) => {
  // traccar HuabaoProtocolDecoderTest
  const m = decodeOk(`
    7e 0200 002e 094027587492 000a
    00000001                  // alarm bit 0: SOS
    0000000a                  // status bits 1 (fix) and 3 (west)
    03083db7                  // lat 50871735 -> 50.871735
    001329f3                  // lng 1255923 -> west: -1.255923
    0000 0014 0000            // altitude 0, speed 20 x 0.1 = 2 km/h, heading 0
    130412164952              // 2013-04-12 16:49:52 +8 = 08:49:52Z
    01 04 00000012            // mileage 18 -> 1.8 km
    36 0a 0002341502cb0c20085c // id 0x36: reserved in the standard -> unknown
    10 7e`);
  const b = m.body as Record<string, unknown>;
  t.equal(b.alarm, 1);
  t.same(b.alarms, ['sos']);
  t.same(b.flags, ['fix', 'west']);
  t.equal(b.lat, 50.871735);
  t.equal(b.lng, -1.255923);
  t.equal(b.speed, 2);
  t.equal(b.time, '2013-04-12T08:49:52.000Z');
  t.same(b.extras, { mileageKm: 1.8, unknown: { '0x36': hex('0002341502cb0c20085c') } });
});

t.test('0x0200 with the status high bit set stays unsigned', async (t) => {
  // traccar HuabaoProtocolDecoderTest (OBD frame with vendor items 0x80-0x8e, 0xa0, 0xcc)
  const m = decodeOk(
    '7e0200007c0191718447540dcd000000008000000b029eabc204ba78510004000000042111182321120104000017f6cc14383933303237323037303339333033383732373130011d800134810204718202008283010e84017b85021ae986012f870201788901038b114a4e31424a314352364b573333363533358c040008dcb68d02018c8e013da000c07e',
  );
  const b = m.body as Record<string, unknown> & { extras: { mileageKm: number; unknown: Record<string, Buffer> } };
  t.equal(b.status, 0x8000000b); // 2147483659, not negative
  t.same(b.flags, ['acc', 'fix', 'west', 'bit31']);
  t.equal(b.lat, 43.953090); // 0x029eabc2 = 43953090
  t.equal(b.lng, -79.329361); // 0x04ba7851 = 79329361, west
  t.equal(b.altitude, 4);
  t.equal(b.heading, 4);
  t.equal(b.time, '2021-11-18T15:21:12.000Z'); // 21-11-18 23:21:12 +8
  t.equal(b.extras.mileageKm, 613.4); // 01 04 000017f6: 6134 x 0.1 km
  t.equal((b.extras as Record<string, unknown>).rssi, 29); // 30 01 1d
  t.equal(b.extras.unknown['0xcc']!.toString('latin1'), '89302720703930387271', 'ICCID vendor item kept as bytes');
  t.same(Object.keys(b.extras.unknown), ['0xcc', '0x80', '0x81', '0x82', '0x83', '0x84', '0x85', '0x86', '0x87', '0x89', '0x8b', '0x8c', '0x8d', '0x8e', '0xa0']);
});

t.test('0x0200 2019 header with alarm high bit and 2019 names (hand-built)', async (t) => {
  // Built by hand from JT/T 808-2019 §4.4.3 and table 23; the check byte is computed below
  const bodyHex = `
    80008001                  // alarm bits 31 (reserved in 2019), 15 (illegal driving), 0 (SOS)
    00440003                  // status bits 0 acc, 1 fix, 18 gps, 22 moving (2019)
    01c9c380                  // lat 30000000 -> 30.0
    06bdd2a0                  // lng 0x06bdd2a0 = 113103520 -> 113.10352
    ffe0                      // altitude 0xffe0 = -32 m (signed WORD)
    0320 0167                 // speed 800 x 0.1 = 80 km/h, heading 359
    261124120000              // 2026-11-24 12:00:00 +8 = 04:00:00Z
    30 01 1f                  // rssi 31
    31 01 0c                  // 12 satellites
    06 02 fff6                // carriage temperature -10 C
    64 2f 00000001 01 01 02 28 0a 00 00 00 50 0000 01c9c380 06bdd2a0 261124120000 0003
          31323334353637 261124120000 05 02 00   // ADAS start, FCW, level 2, identifier terminal "1234567"
  `;
  const body = hex(bodyHex);
  const header = hex(`0200 ${(0x4000 | body.length).toString(16).padStart(4, '0')} 01 00000000013912345678 0001`);
  const data = Buffer.concat([header, body]);
  let sum = 0;
  for (const byte of data) sum ^= byte;
  const escaped = Buffer.concat([data, Buffer.from([sum])])
    .toString('hex')
    .replace(/7d/g, '7d01')
    .replace(/7e/g, '7d02');
  const m = decodeOk(`7e${escaped}7e`);
  t.equal(m.version, '2019');
  t.equal(m.protocolVersion, 1);
  t.equal(m.phone, '00000000013912345678');
  const b = m.body as Record<string, unknown> & { extras: Record<string, unknown> };
  t.equal(b.alarm, 0x80008001);
  t.same(b.alarms, ['sos', 'illegalDriving', 'bit31']);
  t.same(b.flags, ['acc', 'fix', 'gps', 'moving']);
  t.equal(b.lat, 30);
  t.equal(b.lng, 113.10352);
  t.equal(b.altitude, -32);
  t.equal(b.speed, 80);
  t.equal(b.heading, 359);
  t.equal(b.time, '2026-11-24T04:00:00.000Z');
  t.equal(b.extras.rssi, 31);
  t.equal(b.extras.satellites, 12);
  t.equal(b.extras.carriageTempC, -10);
  t.same(b.extras.adas, {
    alarmId: 1,
    flag: 1,
    type: 1,
    level: 2,
    frontSpeed: 40,
    distance: 10,
    departureType: 0,
    roadSignType: 0,
    roadSignData: 0,
    speed: 80,
    altitude: 0,
    lat: 30,
    lng: 113.10352,
    time: '2026-11-24T04:00:00.000Z',
    vehicleStatus: 3,
    identifier: { terminalId: '1234567', time: '2026-11-24T04:00:00.000Z', seq: 5, attachments: 2, reserved: 0 },
  });
});

t.test('0x0704 blind-area backfill batch of 8', async (t) => {
  // traccar HuabaoProtocolDecoderTest
  const m = decodeOk(
    '7E0704014301356777777707F5000801002600000000000000030159741206CBFD5001720000000116052709062401040000001D03020000002600000000000000030159746606CBFD50016B0000000116052709065301040000001D0302000000260000000000000003015975E406CBFE58013F0000000116052709072701040000001D0302000000260000000000000003015976DE06CBFF10012E0000000116052709075601040000001D0302000000260000000000000003015976BC06CBFED0012D0000000116052709083001040000001D0302000000260000000000000003015976FE06CBFEC001080000000116052709090001040000001D0302000000260000000000000003015976FE06CBFE7800FC0000000116052709093301040000001D0302000000260000000000000003015977A606CBFF3001080000000116052709100201040000001D030200001F7E',
  );
  // 0008 items, type 01 (backfill); each item length 0x0026 = 38 = 28 basic + 6 + 4
  const b = m.body as { type: number; locations: Record<string, unknown>[] };
  t.equal(b.type, 1);
  t.equal(b.locations.length, 8);
  t.same(b.locations[0], {
    alarm: 0,
    status: 3, // acc + fix
    lat: 22.639634, // 0x01597412
    lng: 114.031952, // 0x06cbfd50
    altitude: 370, // 0x0172
    speed: 0,
    heading: 1,
    time: '2016-05-27T01:06:24.000Z', // 16-05-27 09:06:24 +8
    alarms: [],
    flags: ['acc', 'fix'],
    extras: { mileageKm: 2.9, recorderSpeedKmh: 0 }, // 0x1d = 29; item 03 = 0
  });
  t.equal(b.locations[7]!.time, '2016-05-27T01:10:02.000Z'); // 16-05-27 09:10:02 +8
});

t.test('0x0201 and 0x0500 carry an ack serial before the location', async (t) => {
  // Hand-built from JT/T 808-2013 §8.20 (0x0201) and §8.38 (0x0500): ackSerial WORD + 0x0200 body
  for (const id of ['0201', '0500']) {
    const body = '1234' + '00000000' + '00000002' + '01c9c380' + '06bdd2a0' + '0010' + '0064' + '005a' + '261124120000';
    const data = hex(`${id} 001e 013912345678 0009 ${body}`); // 2 + 28 = 30 bytes
    let sum = 0;
    for (const byte of data) sum ^= byte;
    const m = decodeOk(Buffer.concat([Buffer.from([0x7e]), data, Buffer.from([sum, 0x7e])]));
    const b = m.body as Record<string, unknown>;
    t.equal(b.ackSerial, 0x1234);
    t.equal(b.lat, 30);
    t.equal(b.speed, 10); // 0x64 = 100 x 0.1
    t.equal(b.heading, 90);
    t.same(b.extras, {});
  }
});

t.test('bytes after the basic block that are not items: the location decodes, the bytes are kept raw', async (t) => {
  // traccar/traccar src/test/java/org/traccar/protocol/HuabaoProtocolDecoderTest.java (verifyPosition):
  // a real terminal (phone 202000129707) whose 18 bytes after the basic block are a fixed vendor block,
  // which Traccar's HuabaoProtocolDecoder reads by length alone (readableBytes() == 20: 4 skipped,
  // odometer DWORD, battery WORD, area DWORD, rssi BYTE, 3 reserved). As items they run past the body:
  // 00 00 | 00 00 | 00 00 | 00 00 | 00 len 0x78.
  const m = decodeOk(`
    7e 0200 002e          // 0x0200, body 46 = 28 + 18
    202000129707 001c     // phone, serial 28
    00000000              // no alarm
    00001c06              // status: bit 1 fix, bit 2 south, bits 10-12 (oil cut, circuit cut, doors locked)
    01a2f0a8              // 27455656 -> 27.455656 S
    091f0bf0              // 153029616 -> 153.029616 E (Brisbane)
    0000 0000 00ed        // altitude 0, speed 0, heading 237
    201103031733          // 2020-11-03 03:17:33 GMT+8 = 2020-11-02 19:17:33Z
    000000000000000000780000000018000000 // the vendor block
    26 7e`);
  const b = m.body as Record<string, unknown>;
  t.match(b, { alarm: 0, status: 0x1c06, lat: -27.455656, lng: 153.029616, altitude: 0, speed: 0, heading: 237, time: '2020-11-02T19:17:33.000Z' });
  t.same(b.extras, { vendorBlock: hex('000000000000000000780000000018000000') }, 'no item read from it: the block is kept whole');
  t.same(encode({ msgId: 0x0200, version: '2013', phone: '202000129707', serial: 0x1c, body: b }), hex('7e0200002e202000129707001c0000000000001c0601a2f0a8091f0bf00000000000ed201103031733000000000000000000780000000018000000267e'), 'written back as it came');

  // the other 46-byte 0x0200 of the same test file: its 18 bytes do tile into items (Traccar reads
  // them with the fixed layout too): items win, there is no vendor block
  const items = decodeOk('7e0200002e094027587492000a000000010000000a03083db7001329f3000000140000130412164952010400000012360a0002341502cb0c20085c107e');
  t.same((items.body as { extras: unknown }).extras, { mileageKm: 1.8, unknown: { '0x36': hex('0002341502cb0c20085c') } });
});

t.test('items that run past the body: no item is kept, all of it is the vendor block', async (t) => {
  const body = '00000000' + '00000002' + '01c9c380' + '06bdd2a0' + '0010' + '0064' + '005a' + '261124120000' + '30 01 17 01 04 0000'; // rssi, then mileage says 4, has 2
  const data = hex(`0200 ${(hex(body).length).toString(16).padStart(4, '0')} 013912345678 0009 ${body}`);
  let sum = 0;
  for (const byte of data) sum ^= byte;
  const r = decodeWire(Buffer.concat([Buffer.from([0x7e]), data, Buffer.from([sum, 0x7e])]));
  t.ok(r.ok, 'the location is not refused');
  if (r.ok) t.same((r.message as { body: { extras: unknown } }).body.extras, { vendorBlock: hex('30 01 17 01 04 0000') }, 'the rssi that parsed is not trusted either: the tail is one block');
  const odd = hex(`0200 001d 013912345678 0009 ${'00000000 00000002 01c9c380 06bdd2a0 0010 0064 005a 261124120000'} 30`);
  let x = 0;
  for (const byte of odd) x ^= byte;
  const one = decodeWire(Buffer.concat([Buffer.from([0x7e]), odd, Buffer.from([x, 0x7e])]));
  t.same(one.ok && (one.message as { body: { extras: unknown } }).body.extras, { vendorBlock: hex('30') }, 'one byte after the block: no room for an item header');
});

t.test('a short basic block is truncated, not a crash', async (t) => {
  const data = hex('0200 0004 013912345678 0009 00000000');
  let sum = 0;
  for (const byte of data) sum ^= byte;
  const r = decodeWire(Buffer.concat([Buffer.from([0x7e]), data, Buffer.from([sum, 0x7e])]));
  t.equal(r.ok ? 'ok' : r.error.code, 'truncated');
});

t.test('encoder writes the sign bits and scaled values the standard specifies', async (t) => {
  const wire = encode({
    msgId: 0x0200,
    version: '2013',
    phone: '13912345678',
    serial: 1,
    body: {
      alarm: 0,
      status: 2,
      lat: -33.8688,
      lng: -70.5,
      altitude: 10,
      speed: 12.3,
      heading: 180,
      time: '2026-01-01T00:00:00.000Z',
      alarms: [],
      flags: [],
      extras: { mileageKm: 1.5 },
    },
  });
  // status 2 | south 4 | west 8 = 0x0e; lat 33868800 = 0x0204cc00; lng 70500000 = 0x0433bea0
  // speed 123 = 0x007b; time 2026-01-01 08:00:00 GMT+8; mileage 15 = 0x0000000f
  const expectedBody = '00000000 0000000e 0204cc00 0433bea0 000a 007b 00b4 260101080000 01 04 0000000f';
  const data = hex(`0200 0022 013912345678 0001 ${expectedBody}`);
  let sum = 0;
  for (const byte of data) sum ^= byte;
  t.same(wire, Buffer.concat([Buffer.from([0x7e]), data, Buffer.from([sum, 0x7e])]));
});

t.test('0x2B analog: AD0 is bits 0-15 of the DWORD (the second WORD), AD1 bits 16-31 (the first)', async (t) => {
  // JT/T 808-2013 table 27: "0x2B 4 模拟量，bit0-15，AD0；bit16-31，AD1" (/work/shared/reference/jt808-protocol.md
  // §5.7); EMQX reads the same bytes as <<AD1:WORD, AD0:WORD>> (emqx/emqx
  // apps/emqx_gateway_jt808/src/emqx_jt808_frame.erl). Hand-built: DWORD 0x0001 0002 -> AD1 = 1, AD0 = 2.
  const body = '00000000 00000002 01c9c380 06bdd2a0 0010 0064 005a 261124120000 2b 04 0001 0002';
  const data = hex(`0200 0022 013912345678 0009 ${body}`);
  let sum = 0;
  for (const byte of data) sum ^= byte;
  const frame = Buffer.concat([Buffer.from([0x7e]), data, Buffer.from([sum, 0x7e])]);
  const m = decodeOk(frame);
  t.same((m.body as { extras: unknown }).extras, { analog: { ad0: 2, ad1: 1 } });
  t.same(encode({ msgId: 0x0200, version: '2013', phone: '013912345678', serial: 9, body: m.body }), frame, 'written back in the same order');
});
