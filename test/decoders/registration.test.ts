/**
 * Registration family: real frames from Traccar's and SmallChi's published tests and from
 * SmallChi issue threads (device captures), expected values worked out by hand from the
 * bytes. Bodies without a published frame are hand-built from the standard's layout.
 */
import t from 'tap';
import { decodeBody, decodeWire, encodeBody, Jt808Error } from '../../decoders/index.js';
import type { Edition, Header, Message } from '../../decoders/index.js';
import { decodeOk, hex } from '../helpers/frames.js';

/** Decodes a bare body (hand-built fixture) under a header of the given edition. */
function body(msgId: number, version: Edition, bytes: string): Message {
  const header: Header = { msgId, version, phone: version === '2019' ? '00000000013912345678' : '013912345678', serial: 1 };
  const r = decodeBody(header, hex(bytes));
  if (!r.ok) throw r.error;
  if ('part' in r.message) throw new Error('unexpected part');
  return r.message;
}

function bodyError(msgId: number, version: Edition, bytes: string): string {
  const header: Header = { msgId, version, phone: '013912345678', serial: 1 };
  const r = decodeBody(header, hex(bytes));
  return r.ok ? 'ok' : r.error.code;
}

function encodeError(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return e instanceof Jt808Error ? e.code : String(e);
  }
}

t.test('0x0100 2011 layout told apart by length (traccar HuabaoProtocolDecoderTest)', async (t) => {
  // traccar/traccar:src/test/java/org/traccar/protocol/HuabaoProtocolDecoderTest.java
  const m = decodeOk(`
    7e
    0100                 // registration
    0021                 // attrs: no 2019 flag, body length 0x21 = 33 (< 37: 2011 layout)
    013345678906         // phone
    000f                 // serial 15
    002c                 // province 44
    012f                 // city 303
    3730313131           // maker BYTE[5] "70111"
    42534a2d4d374220     // model BYTE[8] "BSJ-M7B " (space padding trimmed)
    30303030303030       // terminal id BYTE[7] "0000000"
    01                   // plate colour 1 blue
    d4c1423838383838     // plate: d4c1 = GBK 粤, "B88888"
    b4                   // check
    7e`);
  t.equal(m.version, '2011');
  t.strictSame(m.body, { provinceId: 44, cityId: 303, makerId: '70111', model: 'BSJ-M7B', terminalId: '0000000', plateColor: 1, plate: '粤B88888' });
});

t.test('0x0100 2011 (SmallChi JT808_0x0100Test.Test2011_2)', async (t) => {
  // SmallChi/JT808:src/JT808.Protocol.Test/MessageBody/JT808_0x0100Test.cs
  const m = decodeOk(`
    7e 0100 0021 000123456789 000a  // body 33 bytes -> 2011; serial 10
    0028                 // province 40
    0032                 // city 50
    3132333400           // maker "1234" + NUL
    746b313233343500     // model BYTE[8] "tk12345" + NUL
    43484931323300       // terminal id "CHI123" + NUL
    01                   // blue
    d4c1413132333435     // 粤A12345
    85 7e`);
  t.equal(m.version, '2011');
  t.strictSame(m.body, { provinceId: 40, cityId: 50, makerId: '1234', model: 'tk12345', terminalId: 'CHI123', plateColor: 1, plate: '粤A12345' });
});

t.test('0x0100 2013 (traccar HuabaoProtocolDecoderTest)', async (t) => {
  // traccar/traccar:src/test/java/org/traccar/protocol/HuabaoProtocolDecoderTest.java
  const m = decodeOk(`
    7e 0100
    002d                 // body 45 bytes = 37 fixed + 8 plate: 2013
    014130567872 0024    // phone, serial 36
    002c 012f            // province 44, city 303
    3730313131           // maker "70111"
    42534a2d41362d4244 0000000000000000000000  // model BYTE[20] "BSJ-A6-BD" + 11 NUL
    30353637383732       // terminal id "0567872"
    01                   // blue
    d4c1423838383838     // 粤B88888
    6d 7e`);
  t.equal(m.version, '2013');
  const asSession2011 = decodeWire(hex('7e0100002d0141305678720024002c012f373031313142534a2d41362d424400000000000000000000003035363738373201d4c14238383838386d7e'), { edition: '2011' });
  t.equal(asSession2011.ok && asSession2011.message.version, '2013', 'the body length overrides a 2011 session default');
  t.strictSame(m.body, { provinceId: 44, cityId: 303, makerId: '70111', model: 'BSJ-A6-BD', terminalId: '0567872', plateColor: 1, plate: '粤B88888' });

  // a second traccar frame: yellow plate, province/city 0
  const m2 = decodeOk(`
    7e 0100 002d 013511221122 0005
    0000 0000            // province 0, city 0
    3730313037           // maker "70107"
    48422d5230334742440000000000000000000000  // model "HB-R03GBD"
    32333636313034       // terminal id "2366104"
    02                   // yellow
    cbd5424136383630     // cbd5 = GBK 苏, "BA6860"
    38 7e`);
  t.strictSame(m2.body, { provinceId: 0, cityId: 0, makerId: '70107', model: 'HB-R03GBD', terminalId: '2366104', plateColor: 2, plate: '苏BA6860' });
});

t.test('0x0100 2019 (SmallChi JT808_0x0100Test.Test2019_2 and Test2019_4_2)', async (t) => {
  // SmallChi/JT808:src/JT808.Protocol.Test/MessageBody/JT808_0x0100Test.cs
  const m = decodeOk(`
    7e 0100
    4054                 // 0100 0000 0101 0100: bit 14 = 2019, body length 0x54 = 84 = 76 + 8
    01                   // protocol version 1
    00000000000123456789 // phone BCD[10]
    000a                 // serial 10
    0028 0032            // province 40, city 50
    3132333400000000000000                                        // maker BYTE[11] "1234"
    736d616c6c636869313233 00000000000000000000000000000000000000 // model BYTE[30] "smallchi123"
    434849313233 000000000000000000000000000000000000000000000000 // terminal id BYTE[30] "CHI123"
    01 d4c1413132333435  // blue, 粤A12345
    b2 7e`);
  t.equal(m.version, '2019');
  t.equal(m.protocolVersion, 1);
  t.strictSame(m.body, { provinceId: 40, cityId: 50, makerId: '1234', model: 'smallchi123', terminalId: 'CHI123', plateColor: 1, plate: '粤A12345' });

  // left-padded with ASCII '0': the zeros are data, kept as sent
  const m2 = decodeOk(`
    7e 0100 4054 01 00000000022222222222 0001
    0000 0000
    3030304b6f696b65303032                                        // maker "000Koike002"
    303030303030303030303030303030303030303030304b6f696b65303032  // model: 22 x '0' + "Koike002"
    303030303030303030303030303030303030303030304b6f696b65303032  // terminal id: same
    02 d4c1413132333436  // yellow, 粤A12346
    10 7e`);
  t.strictSame(m2.body, {
    provinceId: 0,
    cityId: 0,
    makerId: '000Koike002',
    model: '0000000000000000000000Koike002',
    terminalId: '0000000000000000000000Koike002',
    plateColor: 2,
    plate: '粤A12346',
  });
});

t.test('0x0100 quirk: 2019 header with a 2013 body is read by length', async (t) => {
  // hand-built: the SmallChi 2013 body (Test1_1) behind a 2019 header; 45 < 76 bytes
  const m = body(0x0100, '2019', `
    0028 0032 3132333400
    736d616c6c636869313233000000000000000000  // model BYTE[20] "smallchi123"
    43484931323300 01 d4c1413132333435`);
  t.equal(m.version, '2019', 'the header edition stays');
  t.strictSame(m.body, { provinceId: 40, cityId: 50, makerId: '1234', model: 'smallchi123', terminalId: 'CHI123', plateColor: 1, plate: '粤A12345' });
});

t.test('0x0100 encoder writes the layout of the edition', async (t) => {
  const reg = { provinceId: 0x002c, cityId: 0x012f, makerId: '70111', model: 'BSJ', terminalId: 'T1', plateColor: 1, plate: 'A1' };
  const base = { msgId: 0x0100, phone: '013912345678', serial: 1, body: reg };
  t.strictSame(encodeBody({ ...base, version: '2011' }), hex(`
    002c 012f 3730313131
    42534a0000000000      // model BYTE[8]
    54310000000000        // terminal id BYTE[7]
    01 4131`));
  t.strictSame(encodeBody({ ...base, version: '2019' }), hex(`
    002c 012f
    3730313131000000000000                                        // maker BYTE[11]
    42534a000000000000000000000000000000000000000000000000000000  // model BYTE[30]
    543100000000000000000000000000000000000000000000000000000000  // terminal id BYTE[30]
    01 4131`));
  t.equal(encodeError(() => encodeBody({ ...base, version: '2013', body: { ...reg, makerId: '701112' } })), 'encode', 'maker over 5 bytes');
});

t.test('0x0100 negative: truncated fixed part', async (t) => {
  // 20 bytes: < 37 so the 2011 layout, which needs 25 before the plate
  t.equal(bodyError(0x0100, '2013', '002c 012f 3730313131 42534a2d4d374220 303030'), 'truncated');
  t.equal(bodyError(0x0100, '2019', '002c 012f 3730313131'), 'truncated');
});

t.test('0x8100 registration answer (SmallChi JT808_0x8100Test)', async (t) => {
  // SmallChi/JT808:src/JT808.Protocol.Test/MessageBody/JT808_0x8100Test.cs Test2
  const ok = decodeOk(`
    7e 8100 0009 012345678900 000a
    0064                 // ack serial 100
    00                   // result 0 ok
    313233343536         // auth code "123456"
    68 7e`);
  t.strictSame(ok.body, { ackSerial: 100, result: 0, authCode: '123456' });
  // Test4: result 4 (no such terminal) carries no auth code
  const no = decodeOk('7e 8100 0003 012345678900 000a 0064 04 61 7e');
  t.strictSame(no.body, { ackSerial: 100, result: 4 });
  // Test6: a longer code
  const long = decodeOk(`
    7e 8100 0013 012345678900 000a
    0064 00
    7a737364616632333132347366647363  // "zssdaf23124sfdsc" (16 bytes: 19 - 3)
    3b 7e`);
  t.strictSame(long.body, { ackSerial: 100, result: 0, authCode: 'zssdaf23124sfdsc' });
});

t.test('0x8100 encoder against a hand-built body', async (t) => {
  const msg = { msgId: 0x8100, version: '2013' as const, phone: '012345678900', serial: 10 };
  t.strictSame(encodeBody({ ...msg, body: { ackSerial: 100, result: 0, authCode: '123456' } }), hex('0064 00 313233343536'));
  t.strictSame(encodeBody({ ...msg, body: { ackSerial: 0xfffe, result: 3 } }), hex('fffe 03'));
  // a trailing byte after a failure result is ignored (some platforms pad)
  t.strictSame(body(0x8100, '2013', '0001 02 00').body, { ackSerial: 1, result: 2 });
  t.equal(bodyError(0x8100, '2013', '0001'), 'truncated');
});

t.test('0x0102 authentication 2013 (traccar HuabaoProtocolDecoderTest)', async (t) => {
  // traccar/traccar:src/test/java/org/traccar/protocol/HuabaoProtocolDecoderTest.java
  const m = decodeOk(`
    7e 0102 000e 013511221122 0006
    61757468656e7469636174696f6e  // whole body: "authentication"
    3f 7e`);
  t.strictSame(m.body, { authCode: 'authentication' });
  const m2 = decodeOk('7e 0102 0010 094027849470 0084 32303131313130383131333332313936 9f 7e');
  t.strictSame(m2.body, { authCode: '2011110811332196' });
});

t.test('0x0102 authentication 2019 (SmallChi JT808_0x0102Test.Test2019_2)', async (t) => {
  // SmallChi/JT808:src/JT808.Protocol.Test/MessageBody/JT808_0x0102Test.cs (body only)
  const fixture = `
    05                               // code length 5
    3435363132                       // "45612"
    313233343536373839306162636465   // IMEI BYTE[15] "1234567890abcde"
    76322e302e30 0000000000000000000000000000  // software version BYTE[20] "v2.0.0"`;
  const m = body(0x0102, '2019', fixture);
  t.strictSame(m.body, { authCode: '45612', imei: '1234567890abcde', softwareVersion: 'v2.0.0' });
  t.strictSame(encodeBody({ msgId: 0x0102, version: '2019', phone: '1', serial: 1, body: m.body }), hex(fixture));
  // quirk: a 2013 body behind a 2019 header ('a' = 0x61 -> 1 + 97 + 35 != 14 bytes)
  t.strictSame(body(0x0102, '2019', '61757468656e7469636174696f6e').body, { authCode: 'authentication' });
});

t.test('0x0107 terminal attributes 2013 (SmallChi JT808_0x0107Test.Test2)', async (t) => {
  // SmallChi/JT808:src/JT808.Protocol.Test/MessageBody/JT808_0x0107Test.cs
  const m = decodeOk(`
    7e 0107 0041 112233445566 22b8   // body 65 bytes, serial 8888
    0005                   // terminal type: bits 0 (passenger) and 2 (freight)
    3130363031             // maker "10601"
    3130343535353435393535313033 000000000000  // model BYTE[20] "10455545955103"
    34643661313300         // terminal id BYTE[7] "4d6a13"
    12345678901234567890   // ICCID BCD[10]
    07 61626364656667      // hardware version "abcdefg"
    0a 706f6975797472657771 // firmware version "poiuytrewq"
    07                     // GNSS: GPS, BeiDou, GLONASS
    09                     // comm: GPRS, WCDMA
    ea 7e`);
  t.strictSame(m.body, {
    terminalType: 5,
    makerId: '10601',
    model: '10455545955103',
    terminalId: '4d6a13',
    iccid: '12345678901234567890',
    hardwareVersion: 'abcdefg',
    firmwareVersion: 'poiuytrewq',
    gnssProperties: 7,
    commProperties: 9,
  });
});

t.test('0x0107 2019 device capture, maker BYTE[5] (SmallChi/JT808#43)', async (t) => {
  // https://github.com/SmallChi/JT808/issues/43 (raw data from a 2019 device)
  const m = decodeOk(`
    7e 0107
    4066                   // 2019 flag, body 0x66 = 102 = 2+5+30+30+10+1+7+1+14+2
    01 00000000010941000493 0007
    00ff                   // terminal type 255
    3838383838             // maker BYTE[5] "88888"
    434b31303043 000000000000000000000000000000000000000000000000  // model BYTE[30] "CK100C"
    313030303439330000000000000000000000000000000000000000000000  // terminal id BYTE[30] "1000493"
    89860324947560032900   // ICCID
    07 48572d56322e35      // "HW-V2.5"
    0e 434b313030432d4a542d56303234  // "CK100C-JT-V024"
    02                     // GNSS: BeiDou
    20                     // comm: bit 5 TD-LTE
    9b 7e`);
  t.strictSame(m.body, {
    terminalType: 255,
    makerId: '88888',
    model: 'CK100C',
    terminalId: '1000493',
    iccid: '89860324947560032900',
    hardwareVersion: 'HW-V2.5',
    firmwareVersion: 'CK100C-JT-V024',
    gnssProperties: 2,
    commProperties: 32,
  });
});

t.test('0x0107 quirk: 2019 device with maker BYTE[11] (SmallChi/JT808#52)', async (t) => {
  // https://github.com/SmallChi/JT808/issues/52 ; 127 = 2+11+30+30+10+1+34+1+6+2, while
  // the 5-byte reading would end at 121: only the 11-byte layout fits
  const wire = hex(`
    7e 0107 407f 01 00000868628074866293 0096
    000f                   // terminal type 15
    0000000000000000000000 // maker BYTE[11], empty
    000000000000000000000000000000000000000000000000000000000000  // model, empty
    300000000000000000000000000000000000000000000000000000000000  // terminal id "0"
    89860833192330760501   // ICCID
    22 454332303041455548415230314132364d31365f3639363039393230353231313036  // 34: "EC200AEUHAR01A26M16_69609920521106"
    06 362e322e3834        // "6.2.84"
    03                     // GPS + BeiDou
    ff                     // comm: all bits
    e9 7e`);
  const m = decodeOk(wire);
  t.strictSame(m.body, {
    terminalType: 15,
    makerId: '',
    model: '',
    terminalId: '0',
    iccid: '89860833192330760501',
    hardwareVersion: 'EC200AEUHAR01A26M16_69609920521106',
    firmwareVersion: '6.2.84',
    gnssProperties: 3,
    commProperties: 255,
  });
});

t.test('0x0107 ICCID with a non-decimal nibble does not fail the frame (SmallChi/JT808#54)', async (t) => {
  // https://github.com/SmallChi/JT808/issues/54 (SmallChi threw on this capture)
  const m = decodeOk(`
    7e 0107 4067 01 00000000019200000154 0fd9
    0004                   // terminal type: bit 2 freight
    3530303030             // maker "50000"
    435230330000000000000000000000000000000000000000000000000000  // model "CR03"
    696430303135360000000000000000000000000000000000000000000000  // terminal id "id00156"
    00000000001111d00154   // ICCID: a 0xd nibble, read as hex
    0b 79696e676a69616e303031  // "yingjian001"
    0b 67756a69616e3030303031  // "gujian00001"
    03 07
    a6 7e`);
  t.strictSame(m.body, {
    terminalType: 4,
    makerId: '50000',
    model: 'CR03',
    terminalId: 'id00156',
    iccid: '00000000001111D00154',
    hardwareVersion: 'yingjian001',
    firmwareVersion: 'gujian00001',
    gnssProperties: 3,
    commProperties: 7,
  });
});

t.test('0x0107 encoder and negatives', async (t) => {
  const attrs = {
    terminalType: 0x8001,
    makerId: 'ABCDEFGHIJK',
    model: 'M',
    terminalId: 'I',
    iccid: '8986000000000000000F',
    hardwareVersion: 'h',
    firmwareVersion: '',
    gnssProperties: 1,
    commProperties: 0x80,
  };
  // a 2019 maker over 5 bytes is written as BYTE[11] (the quirk layout), hand-built:
  const wire = hex(`
    8001 4142434445464748494a4b
    4d0000000000000000000000000000000000000000000000000000000000
    490000000000000000000000000000000000000000000000000000000000
    8986000000000000000f
    01 68 00 01 80`);
  t.strictSame(encodeBody({ msgId: 0x0107, version: '2019', phone: '1', serial: 1, body: attrs }), wire);
  t.strictSame(body(0x0107, '2019', wire.toString('hex')).body, attrs);
  t.equal(encodeError(() => encodeBody({ msgId: 0x0107, version: '2013', phone: '1', serial: 1, body: attrs })), 'encode', '11-byte maker in 2013');
  t.equal(encodeError(() => encodeBody({ msgId: 0x0107, version: '2013', phone: '1', serial: 1, body: { ...attrs, makerId: 'A', iccid: 'X' } })), 'encode', 'bad ICCID');
  // hardware version length runs past the end
  t.equal(bodyError(0x0107, '2013', `0001 3130363031 ${'00'.repeat(20)} ${'00'.repeat(7)} ${'00'.repeat(10)} 09 6162`), 'truncated');
});

t.test('0x8107 query attributes is empty', async (t) => {
  t.strictSame(encodeBody({ msgId: 0x8107, version: '2013', phone: '1', serial: 1, body: {} }), Buffer.alloc(0));
  t.strictSame(body(0x8107, '2013', '').body, {});
});

t.test('0x8108 upgrade package (SmallChi JT808_0x8108Test)', async (t) => {
  // SmallChi/JT808:src/JT808.Protocol.Test/MessageBody/JT808_0x8108Test.cs (body only)
  const fixture = `
    34                       // upgrade type 52: GNSS module
    6173646667               // maker "asdfg"
    0c 717363766869757974726577  // version "qscvhiuytrew"
    00000005                 // data length 5
    0102030405`;
  const expected = { upgradeType: 52, makerId: 'asdfg', version: 'qscvhiuytrew', data: Buffer.from([1, 2, 3, 4, 5]) };
  t.strictSame(body(0x8108, '2013', fixture).body, expected);
  t.strictSame(encodeBody({ msgId: 0x8108, version: '2013', phone: '1', serial: 1, body: expected }), hex(fixture));
  // data length with the high bit set overruns the body
  t.equal(bodyError(0x8108, '2013', '00 6173646667 00 ffffffff 01'), 'truncated');
});

t.test('0x0108 upgrade result (SmallChi JT808_0x0108Test)', async (t) => {
  // SmallChi/JT808:src/JT808.Protocol.Test/MessageBody/JT808_0x0108Test.cs: "34 00"
  t.strictSame(body(0x0108, '2013', '34 00').body, { upgradeType: 52, result: 0 });
  t.strictSame(encodeBody({ msgId: 0x0108, version: '2019', phone: '1', serial: 1, body: { upgradeType: 0, result: 2 } }), hex('00 02'));
  t.equal(bodyError(0x0108, '2013', '34'), 'truncated');
});
