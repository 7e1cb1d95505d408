/**
 * JT/T 1078 signalling bodies. Vectors from SmallChi/JT1078
 * (src/JT808.Protocol.Extensions.JT1078.Test/*) where they follow the standard; hand-built
 * from JT/T 1078-2016 tables 11-28 where SmallChi's early vectors do not (0x9201 with two
 * speed bytes, 0x9205/0x9206 with a 4-byte alarm). Expected values are worked out by hand.
 */
import t from 'tap';
import { decodeBody, decodeWire, encode, encodeBody } from '../../decoders/index.js';
import type { Edition, Message } from '../../decoders/index.js';
import { decodeOk, hex } from '../helpers/frames.js';

const header = (msgId: number, version: Edition = '2013') => ({ msgId, version, phone: '012345679810', serial: 1 });

function body(msgId: number, text: string): unknown {
  const r = decodeBody(header(msgId), hex(text));
  if (!r.ok) throw new Error(`expected a body, got ${r.error.code}: ${r.error.detail}`);
  return (r.message as Message).body;
}

function failure(msgId: number, text: string): string {
  const r = decodeBody(header(msgId), hex(text));
  return r.ok ? 'ok' : r.error.code;
}

const bytesOf = (msgId: number, b: unknown) => encodeBody({ msgId, version: '2013', phone: '1', serial: 0, body: b });

t.test('0x9003 query is empty, 0x1003 attributes', async (t) => {
  t.same(body(0x9003, ''), {});
  // SmallChi JT808_0x1003Test.cs
  t.same(
    body(0x1003, `
      03     // audio coding 3 (G.723)
      02     // 2 audio channels
      05     // sample rate code 5
      04     // sample bits code 4
      0001   // audio frame length 1
      01     // audio output supported
      06     // video coding 6
      07 08  // max 7 audio, 8 video physical channels`),
    { audioCoding: 3, audioChannels: 2, sampleRate: 5, sampleBits: 4, audioFrameLength: 1, audioOutput: 1, videoCoding: 6, maxAudioChannels: 7, maxVideoChannels: 8 },
  );
});

t.test('0x1005 passenger flow', async (t) => {
  // SmallChi JT808_0x1005Test.cs
  t.same(
    body(0x1005, `
      190716102001 // 2019-07-16 10:20:01 +8 = 02:20:01Z
      190716102502 // 10:25:02 +8 = 02:25:02Z
      0001 0001    // 1 boarded, 1 alighted`),
    { start: '2019-07-16T02:20:01.000Z', end: '2019-07-16T02:25:02.000Z', boarded: 1, alighted: 1 },
  );
});

t.test('0x1205 resource list with two items', async (t) => {
  // SmallChi JT808_0x1205Test.cs
  t.same(
    body(0x1205, `
      0001       // ack serial 1
      00000002   // 2 resources
      04 190716102001 190716102501 // channel 4, 02:20:01Z - 02:25:01Z
      00000000 00000001 // alarm 64 bits: video alarm 0, 0x0200 alarm 1 (SOS)
      02 06 05   // video, stream 6, storage 5
      00000003   // 3 bytes
      29 190716112001 190716112502 // channel 41, 03:20:01Z - 03:25:02Z
      00000000 0000000b // alarm bits 0, 1, 3
      15 3d 33   // media 21, stream 61, storage 51
      0000001f   // 31 bytes`),
    {
      ackSerial: 1,
      items: [
        { channel: 4, start: '2019-07-16T02:20:01.000Z', end: '2019-07-16T02:25:01.000Z', videoAlarm: 0, alarm: 1, mediaType: 2, streamType: 6, storageType: 5, size: 3 },
        { channel: 41, start: '2019-07-16T03:20:01.000Z', end: '2019-07-16T03:25:02.000Z', videoAlarm: 0, alarm: 11, mediaType: 21, streamType: 61, storageType: 51, size: 31 },
      ],
    },
  );
});

t.test('0x1206 upload done and 0x9207 upload control', async (t) => {
  t.same(body(0x1206, '0001 01'), { ackSerial: 1, result: 1 }); // SmallChi JT808_0x1206Test.cs: serial 1, failed
  const control = '0005 02'; // hand-built (table 28): answer to serial 5, cancel
  t.same(body(0x9207, control), { ackSerial: 5, control: 2 });
  t.same(bytesOf(0x9207, { ackSerial: 5, control: 2 }), hex(control));
});

t.test('0x9101 live request: a whole SmallChi frame, decoded and encoded', async (t) => {
  // SmallChi JT808_0x9101Test.cs Test3 (frame with header and check byte)
  const frame = `
    7e 9101 0011 012345679810 0001 // live request, 17-byte body, phone, serial 1
    09 3132372e302e302e31          // "127.0.0.1"
    0760 0000                      // TCP 1888, UDP 0
    01 01 01                       // channel 1, video only, sub stream
    4c 7e`;
  const m = decodeOk(frame);
  const expected = { ip: '127.0.0.1', tcpPort: 1888, udpPort: 0, channel: 1, dataType: 1, streamType: 1 };
  t.same(m.body, expected);
  t.same(encode({ msgId: 0x9101, version: '2013', phone: '012345679810', serial: 1, body: expected }), hex(frame));
});

t.test('0x9102 live control: a whole SmallChi frame, decoded and encoded', async (t) => {
  // SmallChi JT808_0x9102Test.cs Test3
  const frame = '7e 9102 0004 012345679810 0001 01 01 00 00 1e 7e'; // channel 1, switch stream, close both, main
  const expected = { channel: 1, command: 1, closeType: 0, streamType: 0 };
  t.same(decodeOk(frame).body, expected);
  t.same(encode({ msgId: 0x9102, version: '2013', phone: '012345679810', serial: 1, body: expected }), hex(frame));
});

t.test('0x9105 live status (hand-built, table 20)', async (t) => {
  t.same(body(0x9105, '03 05'), { channel: 3, lossRate: 5 });
  t.same(bytesOf(0x9105, { channel: 3, lossRate: 5 }), hex('03 05'));
});

t.test('0x9201 playback request has one speed byte (hand-built, table 24)', async (t) => {
  const fixture = `
    09 3132372e302e302e31 // "127.0.0.1"
    0050 1f90    // TCP 80, UDP 8080
    01           // channel 1
    02 01 00     // video, main stream, any storage
    01 03        // fast forward at x4
    190716101010 // 2019-07-16 10:10:10 +8 = 02:10:10Z
    000000000000 // end 0: play on`;
  const expected = {
    ip: '127.0.0.1', tcpPort: 80, udpPort: 8080, channel: 1, mediaType: 2, streamType: 1, storageType: 0, playbackMode: 1, speed: 3,
    start: '2019-07-16T02:10:10.000Z', end: null,
  };
  t.same(body(0x9201, fixture), expected);
  t.same(bytesOf(0x9201, expected), hex(fixture));
});

t.test('0x9202 playback control', async (t) => {
  // SmallChi JT808_0x9202Test.cs
  const fixture = '01 03 02 190716101010'; // channel 1, fast forward, x2, position 02:10:10Z
  const expected = { channel: 1, control: 3, speed: 2, position: '2019-07-16T02:10:10.000Z' };
  t.same(body(0x9202, fixture), expected);
  t.same(bytesOf(0x9202, expected), hex(fixture));
});

t.test('0x9205 resource query with the 64-bit alarm (hand-built, table 21)', async (t) => {
  const fixture = `
    03                        // channel 3
    190716101010 190716101011 // 02:10:10Z - 02:10:11Z
    00000001                  // bit 32: video signal loss
    80000000                  // bit 31 (reserved): high bit stays unsigned
    02 01 02                  // video, main stream, backup storage`;
  const expected = {
    channel: 3, start: '2019-07-16T02:10:10.000Z', end: '2019-07-16T02:10:11.000Z', videoAlarm: 1, alarm: 0x80000000, mediaType: 2, streamType: 1, storageType: 2,
  };
  t.same(body(0x9205, fixture), expected);
  t.same(bytesOf(0x9205, expected), hex(fixture));
  // SmallChi JT808_0x9205Test.cs (early release): 4-byte alarm, 20 bytes; the standard needs 24
  t.equal(failure(0x9205, '0319071610101019071610101100000001020504'), 'truncated');
});

t.test('0x9206 file upload command', async (t) => {
  // SmallChi JT808_0x9206Test.cs, its 4-byte alarm widened to the standard's 8 bytes
  const fixture = `
    09 3132372e302e302e31  // host "127.0.0.1"
    0328                   // port 808
    02 746b                // user "tk"
    06 313233343536        // password "123456"
    08 443a2f2f31313132    // path "D://1112"
    03                     // channel 3
    190716101010 190716101011 // 02:10:10Z - 02:10:11Z
    00000000 00000001      // alarm 64 bits: SOS
    02 05 04               // video, stream 5, storage 4
    07                     // Wi-Fi, LAN or 3G/4G`;
  const expected = {
    host: '127.0.0.1', port: 808, user: 'tk', password: '123456', path: 'D://1112', channel: 3,
    start: '2019-07-16T02:10:10.000Z', end: '2019-07-16T02:10:11.000Z', videoAlarm: 0, alarm: 1, mediaType: 2, streamType: 5, storageType: 4, condition: 7,
  };
  t.same(body(0x9206, fixture), expected);
  t.same(bytesOf(0x9206, expected), hex(fixture));
});

t.test('negative: truncated bodies, lengths past the end', async (t) => {
  t.equal(failure(0x1003, '03020504000101 0607'), 'truncated', '0x1003 without max video channels');
  t.equal(failure(0x1205, '0001 00000002 04 190716102001 190716102501 0000000000000001 02 06 05 00000003'), 'truncated', '0x1205 says 2, carries 1');
  t.equal(failure(0x9101, '0a 3132372e302e302e31 0760'), 'truncated', '0x9101 IP length runs into the ports');
  t.equal(failure(0x9206, '09 3132372e302e302e31 0328 02 746b 06 3132'), 'truncated', '0x9206 password cut');
  t.equal(failure(0x1005, '190716102001 19071610250a 0001 0001'), 'malformed', '0x1005 non-BCD second');
  const wire = hex('7e 9102 0003 012345679810 0001 01 01 00 19 7e'); // hand-built: body one byte short, check 0x19 by hand
  const r = decodeWire(wire);
  t.equal(r.ok ? 'ok' : r.error.code, 'truncated', 'a whole frame with a 3-byte 0x9102 body');
  t.throws(() => bytesOf(0x9101, { ip: 'x'.repeat(256), tcpPort: 1, udpPort: 1, channel: 1, dataType: 0, streamType: 0 }), /encode/);
});
