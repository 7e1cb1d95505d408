/**
 * Parameter family: real frames from SmallChi's published tests (one of them a device
 * capture carrying a JT/T 1078 parameter), expected values worked out by hand; hand-built
 * fixtures from the 2013 layout where no frame was published.
 */
import t from 'tap';
import { decodeBody, encodeBody, Jt808Error } from '../../decoders/index.js';
import type { Edition, Header, Message } from '../../decoders/index.js';
import { PARAM_ID, paramDef } from '../../decoders/bodies/parameter-table.js';
import { decodeOk, hex } from '../helpers/frames.js';

function body(msgId: number, version: Edition, bytes: string): Message {
  const header: Header = { msgId, version, phone: '013912345678', serial: 1 };
  const r = decodeBody(header, hex(bytes));
  if (!r.ok) throw r.error;
  if ('part' in r.message) throw new Error('unexpected part');
  return r.message;
}

function bodyError(msgId: number, bytes: string): string {
  const r = decodeBody({ msgId, version: '2013', phone: '013912345678', serial: 1 }, hex(bytes));
  return r.ok ? 'ok' : r.error.code;
}

const enc = (msgId: number, b: unknown, version: Edition = '2013') => encodeBody({ msgId, version, phone: '013912345678', serial: 1, body: b });

function encodeError(msgId: number, b: unknown): string {
  try {
    enc(msgId, b);
    return 'ok';
  } catch (e) {
    return e instanceof Jt808Error ? e.code : String(e);
  }
}

t.test('parameter table', async (t) => {
  t.strictSame(paramDef(0x0001), { name: 'heartbeatIntervalS', type: 'DWORD' });
  t.strictSame(paramDef(0x0013), { name: 'mainServerAddress', type: 'STRING' });
  t.strictSame(paramDef(0x0084), { name: 'plateColor', type: 'BYTE' });
  t.strictSame(paramDef(0x0031), { name: 'fenceRadiusM', type: 'WORD' });
  t.strictSame(paramDef(0x0175), { name: 'canIdCollection', type: 'BYTES' }, 'CAN ID range 0x0110-0x01FF');
  t.equal(paramDef(0x0008), undefined, 'reserved');
  t.equal(paramDef(0xf364), undefined, 'vendor (Su-biao ADAS)');
  t.equal(PARAM_ID['maxSpeedKmh'], 0x0055);
});

t.test('0x8103 set parameters (SmallChi JT808_0x8103Test.Test1_1)', async (t) => {
  // SmallChi/JT808:src/JT808.Protocol.Test/MessageBody/JT808_0x8103Test.cs
  const m = decodeOk(`
    7e 8103 000a 000123456789 000a
    01                   // 1 item
    00000001 04 0000000a // 0x0001 heartbeat interval, 4 bytes, 10 s
    05 7e`);
  t.strictSame(m.body, { params: [{ id: 1, name: 'heartbeatIntervalS', value: 10 }] });
});

t.test('0x8103 encoder against SmallChi JT808_0x8103Test.Test2 body', async (t) => {
  const fixture = `
    02
    00000001 04 0000000a                     // heartbeat 10 s
    00000013 0d 7777772e62616964752e636f6d   // main server address "www.baidu.com" (13 bytes)`;
  const params = [
    { id: 0x0001, name: 'heartbeatIntervalS', value: 10 },
    { id: 0x0013, name: 'mainServerAddress', value: 'www.baidu.com' },
  ];
  t.strictSame(enc(0x8103, { params }), hex(fixture));
  t.strictSame(body(0x8103, '2013', fixture).body, { params });
  // the encoder needs no name
  t.strictSame(enc(0x8103, { params: params.map(({ id, value }) => ({ id, value })) }), hex(fixture));
});

t.test('0x8103 CAN ID setting and JT/T 1078 parameter kept raw (SmallChi)', async (t) => {
  // SmallChi/JT808:src/JT808.Protocol.Test/MessageBody/JT808_0x8103Test.cs Test4_2 (whole frame)
  const m = decodeOk(`
    7e 8103 000e 013512344321 3039
    01
    00000110 08 ffffffffffffffff   // 0x0110 CAN bus ID collection setting, BYTE[8]
    ed 7e`);
  t.strictSame(m.body, { params: [{ id: 0x0110, name: 'canIdCollection', value: Buffer.alloc(8, 0xff) }] });

  // Test3 body: 0x0075 audio/video parameters, 21 bytes (JT/T 1078 table 2)
  const av = `
    03 05 0004 07 00000006   // real-time: encoding 3, resolution 5, key frame 4, 7 fps, 6 kbps
    08 0a 0009 0c 0000000b   // storage: encoding 8, resolution 10, key frame 9, 12 fps, 11 kbps
    0002 01                  // OSD bits, audio output on`;
  const m2 = body(0x8103, '2013', `01 00000075 15 ${av}`);
  t.strictSame(m2.body, { params: [{ id: 0x0075, name: 'avParams', value: hex(av) }] });
});

t.test('0x8103 high-bit DWORDs, unknown IDs and odd lengths survive a round trip', async (t) => {
  // hand-built from 2013 §8.8 table 10/12
  const fixture = `
    05
    00000050 04 ffffffff      // 0x0050 alarm mask: every bit (4294967295)
    80000001 02 abcd          // unknown ID with the high bit set: raw bytes, no name
    0000f364 03 010203        // Su-biao ADAS parameters (vendor ID): raw
    00000001 02 0001          // heartbeat sent as 2 bytes instead of 4: raw, not guessed
    00000083 09 d4c141313233343500  // plate "粤A12345" with a NUL terminator (trimmed)`;
  const m = body(0x8103, '2013', fixture);
  t.strictSame(m.body, {
    params: [
      { id: 0x0050, name: 'alarmMask', value: 0xffffffff },
      { id: 0x80000001, value: hex('abcd') },
      { id: 0xf364, value: hex('010203') },
      { id: 0x0001, name: 'heartbeatIntervalS', value: hex('0001') },
      { id: 0x0083, name: 'plate', value: '粤A12345' },
    ],
  });
  // re-encoding is byte-identical except the trimmed NUL
  const again = enc(0x8103, m.body);
  t.strictSame(again, hex(fixture.replace('00000083 09 d4c141313233343500', '00000083 08 d4c1413132333435')));
});

t.test('0x8103 encoder refusals and truncated bodies', async (t) => {
  t.equal(encodeError(0x8103, { params: [{ id: 0xf364, value: 5 }] }), 'encode', 'number for an untyped ID');
  t.equal(encodeError(0x8103, { params: [{ id: 0x0001, value: '10' }] }), 'encode', 'string for a DWORD');
  t.equal(encodeError(0x8103, { params: [{ id: 0x0084, value: 256 }] }), 'encode', 'BYTE out of range');
  t.equal(encodeError(0x8103, { params: [{ id: 0x0075, value: Buffer.alloc(256) }] }), 'encode', 'value over 255 bytes');
  t.equal(encodeError(0x8103, { params: [{ id: 0x1_0000_0000, value: Buffer.alloc(1) }] }), 'encode', 'ID over a DWORD');
  t.equal(bodyError(0x8103, '02 00000001 04 0000000a'), 'truncated', 'count says 2, one item');
  t.equal(bodyError(0x8103, '01 00000013 0d 777777'), 'truncated', 'value shorter than its length');
  t.equal(bodyError(0x8103, ''), 'truncated', 'empty body');
});

t.test('0x8104 query all parameters is empty', async (t) => {
  t.strictSame(enc(0x8104, {}), Buffer.alloc(0));
  t.strictSame(body(0x8104, '2019', '').body, {});
});

t.test('0x8106 query given parameters (SmallChi JT808_0x8106Test)', async (t) => {
  // SmallChi/JT808:src/JT808.Protocol.Test/MessageBody/JT808_0x8106Test.cs: "020000000100000002"
  const fixture = '02 00000001 00000002';
  t.strictSame(body(0x8106, '2013', fixture).body, { ids: [1, 2] });
  t.strictSame(enc(0x8106, { ids: [1, 2] }), hex(fixture));
  // hand-built: an ID with the high bit set
  t.strictSame(enc(0x8106, { ids: [0xfffffff0] }, '2019'), hex('01 fffffff0'));
  t.equal(bodyError(0x8106, '02 00000001 0000'), 'truncated');
});

t.test('0x0104 parameters answer (SmallChi JT808_0x0104Test)', async (t) => {
  // SmallChi/JT808:src/JT808.Protocol.Test/MessageBody/JT808_0x0104Test.cs Test1_1
  const m = decodeOk(`
    7e 0104 000c 000123456789 000a
    0014                 // answers serial 20
    01 00000001 04 0000000a
    90 7e`);
  t.strictSame(m.body, { ackSerial: 20, params: [{ id: 1, name: 'heartbeatIntervalS', value: 10 }] });

  // Test2_1
  const m2 = decodeOk(`
    7e 0104 001e 000123456789 000a
    0014 02
    00000001 04 0000000a
    00000013 0d 7777772e62616964752e636f6d
    f2 7e`);
  t.strictSame(m2.body, {
    ackSerial: 20,
    params: [
      { id: 1, name: 'heartbeatIntervalS', value: 10 },
      { id: 0x13, name: 'mainServerAddress', value: 'www.baidu.com' },
    ],
  });
});

t.test('0x0104 device capture with JT/T 1078 0x0077 (SmallChi JT808_0x0104Test.Test2_2)', async (t) => {
  // SmallChi/JT808:src/JT808.Protocol.Test/MessageBody/JT808_0x0104Test.cs Test2_2
  const value = `
    09                                          // 9 channels x 21 bytes: 1 + 189 = 190
    01 01 01 002d 14 00000064 00 05 0014 14 00000320 001f  // ch 1: rt mode 1 res 1 kf 45 20 fps 100 kbps; storage res 5 kf 20 20 fps 800 kbps; OSD 0x1f
    02 01 01 002d 0f 00000064 00 05 0019 19 00000840 001f
    03 01 01 002d 0f 00000064 00 05 0019 19 00000840 001f
    04 01 01 002d 0f 00000064 00 05 0019 19 00000840 001f
    05 01 01 002d 0f 00000064 01 05 0019 19 00000840 001f
    06 01 01 002d 0f 00000064 00 05 0019 19 00000840 001f
    07 01 01 002d 0f 00000064 01 03 0019 19 000004ce 001f
    08 01 01 002d 0f 00000064 00 05 0019 19 00000840 001f
    09 01 01 000f 0f 000000c8 01 05 0019 19 00000400 001f`;
  const m = decodeOk(`
    7e 0104 00c6 040524580395 03d8   // body 198 bytes, serial 984
    0002                 // answers serial 2
    01                   // 1 item
    00000077 be          // 0x0077 per-channel video parameters, 190 bytes
    ${value}
    12 7e`);
  t.equal(hex(value).length, 190);
  t.strictSame(m.body, { ackSerial: 2, params: [{ id: 0x0077, name: 'perChannelVideoParams', value: hex(value) }] });
  t.equal(bodyError(0x0104, '0002'), 'truncated', 'no count');
});

t.test('0x8105 terminal control (SmallChi JT808_0x8105Test.Test2_1)', async (t) => {
  // SmallChi/JT808:src/JT808.Protocol.Test/MessageBody/JT808_0x8105Test.cs
  const m = decodeOk(`
    7e 8105 0001 012345678900 0001
    05                   // command 5: factory reset, no parameters
    08 7e`);
  t.strictSame(m.body, { command: 5 });
});

t.test('0x8105 encoder against a hand-built body', async (t) => {
  // 2013 table 13/14: command 1 (wireless upgrade), URL;APN;user;password;address;TCP;UDP;...
  const fixture = `
    01
    687474703a2f2f612f62 3b   // "http://a/b" ;
    636d6e6574 3b             // "cmnet" ;
    3b 3b 3b                  // user, password, address empty
    37363131                  // "7611"`;
  const b = { command: 1, params: ['http://a/b', 'cmnet', '', '', '', '7611'] };
  t.strictSame(enc(0x8105, b), hex(fixture));
  t.strictSame(body(0x8105, '2013', fixture).body, b);
  t.strictSame(enc(0x8105, { command: 4 }), hex('04'));
  t.equal(bodyError(0x8105, ''), 'truncated');
});
