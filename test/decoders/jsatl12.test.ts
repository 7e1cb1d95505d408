/**
 * T/JSATL12 attachment-flow bodies. Vectors from SmallChi/JTActiveSafety
 * (src/JT808.Protocol.Extensions.JTActiveSafety.Test/*) and, for the Guangdong and Heilongjiang
 * variants, cuteLittleDevil/go-jt808; 0x1212 (no published vector) is hand-built from §4.6 (same
 * layout as 0x1211). Expected values are worked out by hand.
 */
import t from 'tap';
import { decodeBody, encodeBody } from '../../decoders/index.js';
import type { Message } from '../../decoders/index.js';
import { decodeOk, hex } from '../helpers/frames.js';

function body(msgId: number, text: string): unknown {
  const r = decodeBody({ msgId, version: '2013', phone: '013912345678', serial: 1 }, hex(text));
  if (!r.ok) throw new Error(`expected a body, got ${r.error.code}: ${r.error.detail}`);
  return (r.message as Message).body;
}

function failure(msgId: number, text: string): string {
  const r = decodeBody({ msgId, version: '2019', phone: '00000000013912345678', serial: 1 }, hex(text));
  return r.ok ? 'ok' : r.error.code;
}

const bytesOf = (msgId: number, b: unknown) => encodeBody({ msgId, version: '2013', phone: '1', serial: 0, body: b });

const ALARM_NO = '31'.repeat(32); // 32 x "1"
const identifierHex = `
  34343434343434 // terminal ID "4444444"
  191210183100   // 2019-12-10 18:31:00 +8 = 10:31:00Z
  03 02 01       // seq 3, 2 attachments, reserved 1`;
const identifier = { terminalId: '4444444', time: '2019-12-10T10:31:00.000Z', seq: 3, attachments: 2, reserved: 1 };

t.test('0x9208 attachment upload command: decode and encode', async (t) => {
  // SmallChi JT808_0x9208_Test.cs
  const fixture = `
    0b 3139322e3136382e312e31 // "192.168.1.1"
    1388 1389                 // TCP 5000, UDP 5001
    ${identifierHex}
    ${ALARM_NO}               // alarm number "111...1"
    00000000000000000000000000000000 // reserved`;
  const expected = { ip: '192.168.1.1', tcpPort: 5000, udpPort: 5001, identifier, alarmNo: '1'.repeat(32), reserved: Buffer.alloc(16) };
  t.same(body(0x9208, fixture), expected);
  t.same(bytesOf(0x9208, expected), hex(fixture));
});

t.test('0x1210 attachment list with two files', async (t) => {
  // SmallChi JT808_0x1210_Test.cs
  t.same(
    body(0x1210, `
      34343434343434            // terminal ID "4444444"
      ${identifierHex}
      ${ALARM_NO}
      00                        // info type 0 normal
      02                        // 2 files
      08 66696c656e616d65 00000009   // "filename", 9 bytes
      09 66696c656e616d6531 0000000a // "filename1", 10 bytes`),
    {
      terminalId: '4444444',
      identifier,
      alarmNo: '1'.repeat(32),
      infoType: 0,
      files: [
        { name: 'filename', size: 9 },
        { name: 'filename1', size: 10 },
      ],
    },
  );
});

t.test('0x1211 file info and 0x1212 file done', async (t) => {
  // SmallChi JT808_0x1211_Test.cs
  t.same(body(0x1211, '08 46696c654e616d65 02 00000001'), { name: 'FileName', fileType: 2, size: 1 }); // video, 1 byte
  // hand-built 0x1212 with a T/JSATL12 §4.5 style name and a size with the high bit set
  const name = '00_65_6501_0_' + '1'.repeat(5) + '.jpg'; // picture, channel 65, DSM fatigue (0x6501), seq 0
  const fixture = `${name.length.toString(16).padStart(2, '0')} ${Buffer.from(name).toString('hex')} 00 fffffff0`;
  t.same(body(0x1212, fixture), { name, fileType: 0, size: 0xfffffff0 });
  t.same(bytesOf(0x1212, { name, fileType: 0, size: 0xfffffff0 }), hex(fixture));
});

t.test('0x9212 upload complete answer: decode and encode', async (t) => {
  // SmallChi JT808_0x9212_Test.cs
  const fixture = `
    08 46696c654e616d65 // "FileName"
    01                  // audio
    02                  // result 2 (SmallChi's value; the standard defines 0 done, 1 resend)
    02                  // 2 ranges
    00000014 0000000a   // offset 20, 10 bytes
    00000028 0000001e   // offset 40, 30 bytes`;
  const expected = { name: 'FileName', fileType: 1, result: 2, resend: [{ offset: 20, length: 10 }, { offset: 40, length: 30 }] };
  t.same(body(0x9212, fixture), expected);
  t.same(bytesOf(0x9212, expected), hex(fixture));
  // hand-built: done, nothing to resend
  t.same(body(0x9212, '01 41 00 00 00'), { name: 'A', fileType: 0, result: 0, resend: [] });
});

t.test('negative: cut bodies and bad identifier times', async (t) => {
  t.equal(failure(0x9208, `0b 3139322e3136382e312e31 1388 1389 ${identifierHex} 3131`), 'truncated', '0x9208 alarm number cut');
  t.equal(failure(0x1210, `34343434343434 ${identifierHex} ${ALARM_NO} 00 02 08 66696c656e616d65 00000009`), 'truncated', '0x1210 says 2 files, has 1');
  t.equal(failure(0x1211, '09 46696c654e616d65 02 00000001'), 'truncated', '0x1211 name length past the end');
  t.equal(failure(0x9212, '01 41 00 01 01 00000000'), 'truncated', '0x9212 range without its length');
  t.equal(failure(0x9208, `01 41 0000 0000 34343434343434 1912101831ff 030201 ${ALARM_NO} ${'00'.repeat(16)}`), 'malformed', 'identifier time not BCD');
  t.throws(() => bytesOf(0x1210, { terminalId: '12345678', identifier, alarmNo: '', infoType: 0, files: [] }), /encode/, 'terminal ID over 7 bytes');
});

t.test('one alarm identifier layout: the attachment messages and the 0x0200 items read it alike', async (t) => {
  // Hand-built from T/JSATL12-2017 §4.5.2 table 10 (BSD item 0x67) on a JT/T 808-2013 0x0200 body
  const basic = '00000000 00000002 01c9c380 06bdd2a0 0010 0064 005a 261124120000'; // 28 bytes
  const bsdHead = `
    00000007 01 02        // alarm 7, start, rear approach (type 2)
    3c 0000               // 60 km/h, altitude 0
    01c9c380 06bdd2a0     // 30.0, 113.10352
    261124120000 0001     // 2026-11-24 12:00:00 +8, vehicle status 1
  `; // 25 bytes
  const tail = { speed: 60, altitude: 0, lat: 30, lng: 113.10352, time: '2026-11-24T04:00:00.000Z', vehicleStatus: 1 };

  // 16-byte identifier: 25 + 16 = 41 = 0x29, the same bytes and value as in 0x9208 above
  const short = body(0x0200, `${basic} 67 29 ${bsdHead} ${identifierHex}`) as { extras: { bsd: unknown } };
  t.same(short.extras.bsd, { alarmId: 7, flag: 1, type: 2, ...tail, identifier });

  const shortHex = `${basic} 67 29 ${bsdHead} ${identifierHex}`;
  t.same(bytesOf(0x0200, short), hex(shortHex), 'and writes it back the same');
});

t.test('the 40-byte identifier of the Guangdong variant inside a 0x0200 item', async (t) => {
  // Guangdong's identifier: terminal ID BYTE[30], time, seq, attachments, reserved BYTE[2] (40 bytes;
  // cuteLittleDevil/go-jt808 protocol/model/p_0x9208.go at 2d00e6c4: "广东标30", reserved "广东标2",
  // alarm sign 40). Hand-built BSD item: alarm 7, start, type 2, 60 km/h, altitude 0, 30.0,
  // 113.10352, 2026-11-24 12:00:00 +8, status 1; 25 + 40 = 0x41
  const basic = '00000000 00000002 01c9c380 06bdd2a0 0010 0064 005a 261124120000';
  const longHex = `${basic} 67 41 00000007 01 02 3c 0000 01c9c380 06bdd2a0 261124120000 0001 47443132333435363738 ${'00'.repeat(20)} 191210183100 03 02 0100`;
  const long = body(0x0200, longHex) as { extras: { bsd?: { identifier: unknown } } };
  t.same(long.extras.bsd?.identifier, { terminalId: 'GD12345678', time: '2019-12-10T10:31:00.000Z', seq: 3, attachments: 2, reserved: 0x0100, region: 'guangdong' });
  t.same(bytesOf(0x0200, long), hex(longHex), 'written back in the Guangdong layout');
});

// cuteLittleDevil/go-jt808 protocol/model/parse_test.go at commit 2d00e6c4f7a8437e111170649d9834c1c1c21b16:
// "T0x1210 终端-报警附件信息消息 (广东)", "(黑龙江)" and the Jiangsu one; the layouts from its t_0x1210.go
// (terminal ID 苏标7 黑标0 广东标30; identifier 苏标16 黑标38 广东标40). Nothing in the body names the
// region: the codec reads the layout whose file list ends at the body's end.
const FILES = `
  00                                    // info type 0
  02                                    // 2 files
  1c 323032342d31312d32325f31305f30305f30305f646174612e747874 000803e6 // "2024-11-22_10_00_00_data.txt", 525286 bytes
  20 323032342d31312d32325f31305f30305f30305f72747673393130312e706e67 0005633f // "2024-11-22_10_00_00_rtvs9101.png", 353087 bytes`;
const ALARM_NO_20 = '323032342d31312d32325f31305f30305f30305f 000000000000000000000000'; // "2024-11-22_10_00_00_", NUL-padded to 32
const TERMINAL_30 = `3132333463642e ${'00'.repeat(23)}`; // "1234cd.", NUL-padded to 30
const files = [
  { name: '2024-11-22_10_00_00_data.txt', size: 525286 },
  { name: '2024-11-22_10_00_00_rtvs9101.png', size: 353087 },
];

t.test('0x1210 Guangdong: terminal ID BYTE[30], a 40-byte identifier (reserved BYTE[2])', async (t) => {
  const fixture = `
    ${TERMINAL_30}                      // terminal ID
    ${TERMINAL_30} 241206190412 01 02 0000 // identifier: 2024-12-06 19:04:12 +8, seq 1, 2 attachments, reserved 0000
    ${ALARM_NO_20} ${FILES}`;
  const expected = {
    terminalId: '1234cd.',
    identifier: { terminalId: '1234cd.', time: '2024-12-06T11:04:12.000Z', seq: 1, attachments: 2, reserved: 0, region: 'guangdong' },
    alarmNo: '2024-11-22_10_00_00_',
    infoType: 0,
    files,
  };
  const m = decodeOk(`7e 1210 00ae 000000001001 0001 ${fixture}
 14 7e`);
  t.same(m.body, expected, 'the whole go-jt808 frame (174-byte body)');
  t.same(bytesOf(0x1210, expected), hex(fixture), 'and its body written back');
});

t.test('0x1210 Heilongjiang: no terminal ID field, a 38-byte identifier (no reserved byte)', async (t) => {
  const fixture = `
    ${TERMINAL_30} 241206183659 01 02   // identifier: 2024-12-06 18:36:59 +8, seq 1, 2 attachments
    ${ALARM_NO_20} ${FILES}`;
  const expected = {
    identifier: { terminalId: '1234cd.', time: '2024-12-06T10:36:59.000Z', seq: 1, attachments: 2, region: 'heilongjiang' },
    alarmNo: '2024-11-22_10_00_00_',
    infoType: 0,
    files,
  };
  t.same(decodeOk(`7e 1210 008e 000000001001 0001 ${fixture}
 61 7e`).body, expected, 'the whole go-jt808 frame (142-byte body)');
  t.same(bytesOf(0x1210, expected), hex(fixture));
});

t.test('0x1210 Jiangsu (T/JSATL12) from the same test file still reads as before', async (t) => {
  const m = decodeOk(`
    7e 1210 0058 000000001558 0000
    31323363640000                       // terminal ID "123cd"
    31323363640000 241111000000 01 02 01 // identifier: 2024-11-11 00:00:00 +8, seq 1, 2 attachments, reserved 1
    616161 ${'00'.repeat(29)}            // alarm number "aaa"
    00 02
    0b 3132335f6161612e6a7067 000004d2   // "123_aaa.jpg", 1234 bytes
    0a 63645f6161612e6d7034 0001e240     // "cd_aaa.mp4", 123456 bytes
    45 7e`);
  t.same(m.body, {
    terminalId: '123cd',
    identifier: { terminalId: '123cd', time: '2024-11-10T16:00:00.000Z', seq: 1, attachments: 2, reserved: 1 },
    alarmNo: 'aaa',
    infoType: 0,
    files: [
      { name: '123_aaa.jpg', size: 1234 },
      { name: 'cd_aaa.mp4', size: 123456 },
    ],
  });
});

t.test('0x9208 to a Guangdong terminal carries its 40-byte identifier', async (t) => {
  // hand-built from go-jt808 p_0x9208.go (identifier sized by region; alarm number 32; reserved 16)
  const fixture = `
    0d 34372e3130342e39372e313639       // "47.104.97.169"
    200a 200b                           // TCP 8202, UDP 8203
    ${TERMINAL_30} 241206190412 01 02 0000
    ${ALARM_NO_20}
    ${'00'.repeat(16)}`;
  const expected = {
    ip: '47.104.97.169',
    tcpPort: 8202,
    udpPort: 8203,
    identifier: { terminalId: '1234cd.', time: '2024-12-06T11:04:12.000Z', seq: 1, attachments: 2, reserved: 0, region: 'guangdong' },
    alarmNo: '2024-11-22_10_00_00_',
    reserved: Buffer.alloc(16),
  };
  t.same(body(0x9208, fixture), expected);
  t.same(bytesOf(0x9208, expected), hex(fixture));
});
