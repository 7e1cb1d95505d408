/**
 * Multimedia bodies (0x0800-0x0805, 0x8800-0x8805) against published vectors and hand-built
 * fixtures. SmallChi publishes bodies without a header, so these are decoded with
 * decodeBody under a hand-written header. Expected values are worked out from the bytes in
 * the comments, not taken from our decoder.
 */
import t from 'tap';
import { decodeBody, encodeBody } from '../../decoders/index.js';
import type { Edition, Message } from '../../decoders/index.js';
import { hex } from '../helpers/frames.js';

const header = (msgId: number, version: Edition = '2013') => ({ msgId, version, phone: '013812345678', serial: 1 });

function body(msgId: number, text: string, version: Edition = '2013'): Message {
  const r = decodeBody(header(msgId, version), hex(text));
  if (!r.ok) throw new Error(`expected a body, got ${r.error.code}: ${r.error.detail}`);
  if ('part' in r.message) throw new Error('expected a whole message');
  return r.message;
}

function failure(msgId: number, text: string): string {
  const r = decodeBody(header(msgId), hex(text));
  return r.ok ? 'ok' : r.error.code;
}

t.test('0x0800 multimedia event', async (t) => {
  // SmallChi/JT808 src/JT808.Protocol.Test/MessageBody/JT808_0x0800Test.cs
  const m = body(0x0800, `
    000015c1   // media ID 0x15c1 = 5569
    01         // type 1 audio
    02         // format 2 MP3
    01         // event 1 timed
    06         // channel 6`);
  t.same(m.body, { mediaId: 5569, type: 1, format: 2, event: 1, channel: 6 });
});

t.test('0x0800 media ID with the high bit set stays unsigned (hand-built)', async (t) => {
  const m = body(0x0800, '80000001 00 00 07 01'); // 0x80000001 = 2147483649, image JPEG, event 7, channel 1
  t.equal((m.body as { mediaId: number }).mediaId, 2147483649);
});

t.test('0x0801 with the 2013 location block', async (t) => {
  // SmallChi/JT808 src/JT808.Protocol.Test/MessageBody/JT808_0x0801Test.cs (Test2)
  const m = body(0x0801, `
    00000a07   // media ID 2567
    00 00 00   // image, JPEG, event 0 (platform command)
    7b         // channel 123
    00000001   // alarm bit 0: SOS
    00000002   // status bit 1: fix
    00ba7f0e   // lat 12222222 -> 12.222222
    07e4f11c   // lng 132444444 -> 132.444444
    0028       // altitude 40 m
    003c       // speed 60 x 0.1 = 6 km/h
    0000       // heading 0
    181115232610 // 2018-11-15 23:26:10 +8 = 15:26:10Z
    01020304   // media data`);
  t.equal(m.version, '2013');
  t.same(m.body, {
    mediaId: 2567,
    type: 0,
    format: 0,
    event: 0,
    channel: 123,
    location: {
      alarm: 1,
      status: 2,
      lat: 12.222222,
      lng: 132.444444,
      altitude: 40,
      speed: 6,
      heading: 0,
      time: '2018-11-15T15:26:10.000Z',
      alarms: ['sos'],
      flags: ['fix'],
    },
    data: hex('01020304'),
  });
});

t.test('0x0801 from a real terminal: first packet, block then JPEG', async (t) => {
  // SmallChi/JT808 JT808_0x0801Test.cs Package1: the first 58 bytes of the body of packet 1
  // of 10 (its check byte does not match: SmallChi's test skips the check, so only the
  // body is used here).
  const m = body(0x0801, `
    0000271d   // media ID 10013
    00 00      // image, JPEG
    01         // event 1 timed
    01         // channel 1
    00000000   // no alarm
    000c2003   // status bits 0, 1, 13, 18, 19
    01d2400a   // lat 30556170 -> 30.55617
    063296a5   // lng 103978661 -> 103.978661
    01e1       // altitude 481 m
    0000 0000  // speed 0, heading 0
    190104092952 // 2019-01-04 09:29:52 +8 = 01:29:52Z
    ffd8ffc4001f00000105010101010101000000000000 // JPEG SOI, DHT ...`);
  const b = m.body as { location: Record<string, unknown>; data: Buffer };
  t.equal(b.location.status, 0x000c2003);
  t.equal(b.location.lat, 30.55617);
  t.equal(b.location.lng, 103.978661);
  t.equal(b.location.altitude, 481);
  t.equal(b.location.time, '2019-01-04T01:29:52.000Z');
  t.equal(b.data.subarray(0, 2).toString('hex'), 'ffd8', 'data starts at the JPEG start-of-image');
  t.equal(b.data.length, 58 - 36);
});

t.test('0x0801 from a 2011 terminal: no location block, edition refined', async (t) => {
  // SmallChi/JT808 JT808_0x0801Test.cs Test2011_2
  const m = body(0x0801, `
    00000a07 00 00 00 7b // media ID 2567, image, JPEG, event 0, channel 123
    01020304             // 4 bytes: too short for a 28-byte block, so all data`);
  t.equal(m.version, '2011');
  t.same(m.body, { mediaId: 2567, type: 0, format: 0, event: 0, channel: 123, data: hex('01020304') });
});

t.test('0x0801 2011 image longer than 28 bytes: JPEG bytes are no BCD time', async (t) => {
  // Hand-built: 2011 layout with 40 bytes of JPEG header; bytes 22-27 of the would-be
  // block are "0a 0c 14 0d 0c 0b", not BCD, so no block is read.
  const data = 'ffd8ffe000104a46494600010101004800480000ffdb004300080606070605080707070909080a0c140d0c0b';
  const m = body(0x0801, `00000001 00 00 01 02 ${data}`);
  t.equal(m.version, '2011');
  t.notOk('location' in (m.body as object));
  t.equal((m.body as { data: Buffer }).data.toString('hex'), data);
});

t.test('0x0802 stored media search answer with two items', async (t) => {
  // SmallChi/JT808 src/JT808.Protocol.Test/MessageBody/JT808_0x0802Test.cs
  const m = body(0x0802, `
    3051       // ack serial 12369
    0002       // 2 items
    00000102 00 7b 01 // media 258, image, channel 123, event 1 timed
    00000001 00000002 00ba7f0e 07e4f11c 0028 003c 0000 181116202020 // SOS, fix, 2018-11-16 20:20:20 +8
    00000103 02 7c 00 // media 259, video, channel 124, event 0 platform
    00000001 00000002 00ba7f0e 07e4f11c 0028 003c 0000 181116222222 // 22:22:22 +8`);
  const loc = (time: string) => ({
    alarm: 1, status: 2, lat: 12.222222, lng: 132.444444, altitude: 40, speed: 6, heading: 0, time, alarms: ['sos'], flags: ['fix'],
  });
  t.same(m.body, {
    ackSerial: 12369,
    items: [
      { mediaId: 258, type: 0, channel: 123, event: 1, location: loc('2018-11-16T12:20:20.000Z') },
      { mediaId: 259, type: 2, channel: 124, event: 0, location: loc('2018-11-16T14:22:22.000Z') },
    ],
  });
});

t.test('0x0802 from a JT/T 808-2011 terminal: items without media IDs (hand-built)', async (t) => {
  // 2011's item: type, channel, event, the 28-byte block (31 bytes); 2013 put a DWORD media ID first
  const block = '00000000 00000002 01d2a2a8 06cf9a98 0017 0168 005a 240501083000'; // fix, 30.581416 N 114.268824 E, 23 m, 36 km/h, 90 deg, 2024-05-01 08:30:00 +8
  const loc = { alarm: 0, status: 2, lat: 30.581416, lng: 114.268824, altitude: 23, speed: 36, heading: 90, time: '2024-05-01T00:30:00.000Z', alarms: [], flags: ['fix'] };
  const wire = `0009 0002  00 01 00 ${block}  02 02 01 ${block}`; // ack serial 9, two items
  const m = body(0x0802, wire);
  t.equal(m.version, '2011', '2 x 31 bytes: a 2011 answer (2 x 35 would be 2013)');
  t.same(m.body, { ackSerial: 9, items: [{ type: 0, channel: 1, event: 0, location: loc }, { type: 2, channel: 2, event: 1, location: loc }] });
  t.same(body(0x0802, wire, '2011').body, m.body, 'a header known to be 2011 reads the same');
  t.same(encodeBody({ msgId: 0x0802, version: '2011', phone: '1', serial: 0, body: m.body }), hex(wire), 'and writes it back');
  const with2013 = body(0x0802, `0009 0001 00000005 00 01 00 ${block}`);
  t.equal(with2013.version, '2013', 'one 35-byte item: 2013');
  t.equal((with2013.body as { items: { mediaId: number }[] }).items[0]!.mediaId, 5);
  t.same(body(0x0802, '0009 0000').body, { ackSerial: 9, items: [] }, 'nothing found: no items, either edition');
});

t.test('0x0805 camera shoot answer', async (t) => {
  // SmallChi/JT808 src/JT808.Protocol.Test/MessageBody/JT808_0x0805Test.cs
  const m = body(0x0805, `
    30a8       // ack serial 12456
    00         // result 0 ok
    0002       // two media IDs
    00003012   // 12306
    00003124   // 12580`);
  t.same(m.body, { ackSerial: 12456, result: 0, mediaIds: [12306, 12580] });
  // hand-built: a failure stops after the result; one that sends an empty list keeps it
  t.same(body(0x0805, '0007 01').body, { ackSerial: 7, result: 1 });
  t.same(body(0x0805, '0007 02 0000').body, { ackSerial: 7, result: 2, mediaIds: [] });
});

t.test('0x8800 upload answer: retransmit list and the complete form', async (t) => {
  // SmallChi/JT808 src/JT808.Protocol.Test/MessageBody/JT808_0x8800Test.cs
  const fixture = `
    00000081   // media ID 129
    02         // 2 packets to resend
    0102 0304  // packet IDs 258 and 772`;
  t.same(body(0x8800, fixture).body, { mediaId: 129, retransmitIds: [258, 772] });
  t.same(encodeBody({ msgId: 0x8800, version: '2013', phone: '1', serial: 0, body: { mediaId: 129, retransmitIds: [258, 772] } }), hex(fixture));
  // hand-built: every packet arrived, the answer ends after the ID (high bit set)
  t.same(body(0x8800, 'fffffffe').body, { mediaId: 0xfffffffe });
  t.same(encodeBody({ msgId: 0x8800, version: '2019', phone: '1', serial: 0, body: { mediaId: 0xfffffffe } }), hex('fffffffe'));
});

t.test('0x8801 camera shoot command: decode and encode', async (t) => {
  // SmallChi/JT808 src/JT808.Protocol.Test/MessageBody/JT808_0x8801Test.cs
  const fixture = `
    80         // channel 128
    0000       // command 0: stop
    0a7e       // interval 2686 s
    01         // save on the terminal
    08         // resolution 8
    09         // quality 9
    eb 7e 78 f5 // brightness 235, contrast 126, saturation 120, chroma 245`;
  const expected = {
    channel: 128, command: 0, intervalS: 2686, save: 1, resolution: 8, quality: 9, brightness: 235, contrast: 126, saturation: 120, chroma: 245,
  };
  t.same(body(0x8801, fixture).body, expected);
  t.same(encodeBody({ msgId: 0x8801, version: '2013', phone: '1', serial: 0, body: expected }), hex(fixture));
});

t.test('0x8802 stored media search and 0x8803 stored media upload', async (t) => {
  // SmallChi/JT808 JT808_0x8802Test.cs
  const search = `
    02         // type 2 video
    7b         // channel 123
    03         // event 3 collision/rollover
    181116210008 // 2018-11-16 21:00:08 +8 = 13:00:08Z
    181116220008 // 22:00:08 +8 = 14:00:08Z`;
  const s = { type: 2, channel: 123, event: 3, start: '2018-11-16T13:00:08.000Z', end: '2018-11-16T14:00:08.000Z' };
  t.same(body(0x8802, search).body, s);
  t.same(encodeBody({ msgId: 0x8802, version: '2013', phone: '1', serial: 0, body: s }), hex(search));
  // SmallChi/JT808 JT808_0x8803Test.cs
  const upload = `
    00 80 00     // image, channel 128, event 0
    181116220021 // 2018-11-16 22:00:21 +8 = 14:00:21Z
    181116230021 // 23:00:21 +8 = 15:00:21Z
    01           // delete after upload`;
  const u = { type: 0, channel: 128, event: 0, start: '2018-11-16T14:00:21.000Z', end: '2018-11-16T15:00:21.000Z', delete: 1 };
  t.same(body(0x8803, upload).body, u);
  t.same(encodeBody({ msgId: 0x8803, version: '2013', phone: '1', serial: 0, body: u }), hex(upload));
  // hand-built: an all-zero time means "no condition"
  t.same(body(0x8802, '00 00 00 000000000000 000000000000').body, { type: 0, channel: 0, event: 0, start: null, end: null });
  // hand-built: a caller may leave out channel (every channel), the times (no range) and delete (keep)
  t.same(encodeBody({ msgId: 0x8802, version: '2013', phone: '1', serial: 0, body: { type: 1, event: 2 } }), hex('01 00 02 000000000000 000000000000'));
  t.same(encodeBody({ msgId: 0x8803, version: '2019', phone: '1', serial: 0, body: { type: 0, event: 0 } }), hex('00 00 00 000000000000 000000000000 00'));
  t.same(encodeBody({ msgId: 0x8805, version: '2013', phone: '1', serial: 0, body: { mediaId: 7 } }), hex('00000007 00'));
});

t.test('0x8804 audio record start and 0x8805 single stored media upload', async (t) => {
  // SmallChi/JT808 JT808_0x8804Test.cs
  const rec = '00 001e 00 01'; // stop, 30 s, upload at once, sample rate 1 (11 kHz)
  const r = { command: 0, durationS: 30, save: 0, sampleRate: 1 };
  t.same(body(0x8804, rec).body, r);
  t.same(encodeBody({ msgId: 0x8804, version: '2013', phone: '1', serial: 0, body: r }), hex(rec));
  // SmallChi/JT808 JT808_0x8805Test.cs
  t.same(body(0x8805, '00002710 00').body, { mediaId: 10000, delete: 0 }); // 0x2710 = 10000, keep
  // hand-built: high-bit media ID on the encoder side
  t.same(encodeBody({ msgId: 0x8805, version: '2013', phone: '1', serial: 0, body: { mediaId: 0x80000000, delete: 1 } }), hex('80000000 01'));
});

t.test('negative: truncated and short bodies fail alone, typed', async (t) => {
  t.equal(failure(0x0800, '00000001 00 00 01'), 'truncated', '0x0800 one byte short');
  t.equal(failure(0x0801, '00000001 00 00'), 'truncated', '0x0801 shorter than its 8-byte prefix');
  t.equal(failure(0x0805, '0001 00'), 'truncated', '0x0805 success without its count');
  t.equal(failure(0x0805, '0001 00 0002 00000001'), 'truncated', '0x0805 count 2, one ID');
  t.equal(failure(0x8800, '00000001 03 0001 0002'), 'truncated', '0x8800 count 3, two IDs');
  t.equal(failure(0x0802, '0001 0001 00000001 00 01 01 00000000'), 'truncated', '0x0802 item cut inside its block');
  t.equal(failure(0x8801, '01 0001 0000 00 01 05 80 40 40'), 'truncated', '0x8801 without chroma');
  t.equal(failure(0x8802, '00 01 00 1811162100'), 'truncated', '0x8802 start time cut');
  t.equal(failure(0x8802, '00 01 00 1a1116210008 181116220008'), 'malformed', '0x8802 non-BCD year');
  t.throws(() => encodeBody({ msgId: 0x8800, version: '2013', phone: '1', serial: 0, body: { mediaId: 1, retransmitIds: new Array(256).fill(1) } }), /encode/);
});
