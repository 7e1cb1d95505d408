/**
 * Messaging family vectors. Sources are cited beside each one. SmallChi's body tests are
 * body-only hex and Traccar's frames carry non-BCD phone numbers, so those bodies are
 * decoded through decodeBody with a bare header; whole frames go through decodeOk.
 */
import { gunzipSync } from 'node:zlib';
import t from 'tap';
import { decodeBody, encode, encodeBody } from '../../decoders/index.js';
import type { Edition } from '../../decoders/index.js';
import { decodeOk, hex } from '../helpers/frames.js';

function decoded(msgId: number, version: Edition, text: string): { version: Edition; body: unknown } {
  const r = decodeBody({ msgId, version, phone: '', serial: 0 }, hex(text));
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.detail}`);
  return r.message as { version: Edition; body: unknown };
}
const bodyOf = (msgId: number, version: Edition, text: string): unknown => decoded(msgId, version, text).body;

function bodyError(msgId: number, version: Edition, text: string): string {
  const r = decodeBody({ msgId, version, phone: '', serial: 0 }, hex(text));
  return r.ok ? 'ok' : r.error.code;
}

const bodyHex = (msgId: number, version: Edition, body: unknown): Buffer => encodeBody({ msgId, version, phone: '1', serial: 0, body });

t.test('0x8300 text message: SmallChi frames, decoded and re-encoded byte for byte', async (t) => {
  // SmallChi JT808_0x8300Test.cs Test1_2 (2013)
  const f2013 = `
    7e 8300            // text message
    000d               // 2013, body 13 bytes
    012345678900       // phone BCD[6]
    0001               // serial 1
    05                 // flag 0000 0101: bit 0 emergency, bit 2 display
    736d616c6c63686920353138 // "smallchi 518"
    02 7e              // check`;
  const m = decodeOk(f2013);
  t.same(m, { msgId: 0x8300, version: '2013', phone: '012345678900', serial: 1, body: { flag: 5, text: 'smallchi 518' } });
  t.same(encode({ msgId: 0x8300, version: '2013', phone: '012345678900', serial: 1, body: { flag: 5, text: 'smallchi 518' } }), hex(f2013));
  // SmallChi JT808_0x8300Test.cs Test_2019_2
  const f2019 = `
    7e 8300
    400e               // 2019 flag, body 14 bytes
    01                 // protocol version 1
    00000000012345678900 // phone BCD[10]
    0001               // serial 1
    05                 // flag
    01                 // text type 1: notice
    736d616c6c63686920353138 // "smallchi 518"
    41 7e`;
  const m19 = decodeOk(f2019);
  t.same(m19.body, { flag: 5, textType: 1, text: 'smallchi 518' });
  t.same(
    encode({ msgId: 0x8300, version: '2019', protocolVersion: 1, phone: '00000000012345678900', serial: 1, body: { flag: 5, textType: 1, text: 'smallchi 518' } }),
    hex(f2019),
  );
});

t.test('0x8300 bodies from traccar Jt808ProtocolEncoderTest.java', async (t) => {
  t.same(bodyOf(0x8300, '2013', '01 546573742c20436f6d6d616e642c2031323323'), { flag: 1, text: 'Test, Command, 123#' });
  t.same(bodyOf(0x8300, '2013', '04 48656c6c6f'), { flag: 4, text: 'Hello' }); // bit 2: display
});

t.test('0x8301 event setting (SmallChi JT808_0x8301Test.cs): type 0 with items', async (t) => {
  t.same(bodyOf(0x8301, '2013', `
    00                   // type 0: delete all (SmallChi still sends items)
    02                   // 2 events
    01 06 313233343536   // id 1, "123456"
    02 06 373839343536   // id 2, "789456"`), { type: 0, events: [{ id: 1, text: '123456' }, { id: 2, text: '789456' }] });
  // the standard's bare "delete all": hand-built, nothing after the type
  t.same(bodyOf(0x8301, '2013', '00'), { type: 0, events: [] });
  t.same(bodyHex(0x8301, '2013', { type: 0, events: [] }), hex('00 // delete all, no count'));
  t.same(bodyHex(0x8301, '2013', { type: 2, events: [{ id: 9, text: '天气' }] }), hex(`
    02           // append
    01           // one event
    09 04 ccecc6f8 // id 9, 4 bytes, GBK "天气"`));
});

t.test('0x0301 event report and 0x0302 question answer (hand-built from 2013 tables 46, 48)', async (t) => {
  t.same(bodyOf(0x0301, '2013', '09 // event id 9'), { eventId: 9 });
  t.same(bodyOf(0x0302, '2013', '8001 // ack serial 32769\n 02 // answer 2'), { ackSerial: 0x8001, answerId: 2 });
});

t.test('0x8302 question (SmallChi JT808_0x8302Test.cs)', async (t) => {
  const fixture = `
    01                 // flag bit 0: emergency
    07 73646464616666  // question "sdddaff"
    80 0006 313233343536 // answer 128, WORD length 6, "123456"
    7f 0006 313233343537 // answer 127, "123457"`;
  const body = { flag: 1, question: 'sdddaff', answers: [{ id: 128, text: '123456' }, { id: 127, text: '123457' }] };
  t.same(bodyOf(0x8302, '2013', fixture), body);
  t.same(bodyHex(0x8302, '2013', body), hex(fixture));
});

t.test('0x8303 info menu, 0x0303 demand, 0x8304 info service (hand-built from 2013 tables 49-52)', async (t) => {
  const menu = `
    02                // append
    02                // two items
    01 0004 ccecc6f8  // type 1, WORD length 4, "天气"
    02 0004 d0c2cec5  // type 2, "新闻"`;
  const menuBody = { type: 2, items: [{ infoType: 1, name: '天气' }, { infoType: 2, name: '新闻' }] };
  t.same(bodyOf(0x8303, '2013', menu), menuBody);
  t.same(bodyHex(0x8303, '2013', menuBody), hex(menu));
  t.same(bodyOf(0x8303, '2013', '00'), { type: 0, items: [] });
  t.same(bodyOf(0x0303, '2013', '01 // info type 1\n 00 // cancel'), { infoType: 1, flag: 0 });
  const service = '01 // weather\n 0006 bdf1c8d5c7e7 // "今日晴"';
  t.same(bodyOf(0x8304, '2013', service), { infoType: 1, content: '今日晴' });
  t.same(bodyHex(0x8304, '2013', { infoType: 1, content: '今日晴' }), hex(service));
});

t.test('0x8400 call back (SmallChi JT808_0x8400Test.cs)', async (t) => {
  const fixture = '00 // normal call\n 3132333435363739383130 // "12345679810"';
  t.same(bodyOf(0x8400, '2013', fixture), { flag: 0, phone: '12345679810' });
  t.same(bodyHex(0x8400, '2013', { flag: 0, phone: '12345679810' }), hex(fixture));
});

t.test('0x8401 phone book (SmallChi JT808_0x8401Test.cs)', async (t) => {
  const fixture = `
    02 02                             // append, 2 contacts
    01 0c 3133343536736d616c6c6368    // call in, "13456smallch"
       08 736d616c6c636869            // "smallchi"
    03 0b 6b6f696b65313233343536      // in and out, "koike123456"
       05 6b6f696b65                  // "koike"`;
  const body = {
    type: 2,
    contacts: [
      { flag: 1, phone: '13456smallch', name: 'smallchi' },
      { flag: 3, phone: 'koike123456', name: 'koike' },
    ],
  };
  t.same(bodyOf(0x8401, '2013', fixture), body);
  t.same(bodyHex(0x8401, '2013', body), hex(fixture));
  t.same(bodyHex(0x8401, '2013', { type: 0, contacts: [] }), hex('00 // delete all'));
});

t.test('0x0701 waybill (hand-built from 2013 table 79)', async (t) => {
  t.same(bodyOf(0x0701, '2013', '00000003 // length 3\n 010203'), { content: Buffer.from([1, 2, 3]) });
  t.equal(bodyError(0x0701, '2013', '0000000a 010203'), 'truncated'); // says 10, carries 3
  t.equal(bodyError(0x0701, '2013', '80000000'), 'truncated'); // high-bit length, no data
});

t.test('0x0702 driver identity 2013 (SmallChi JT808_0x0702Test.cs)', async (t) => {
  // Test1_2: card pulled out at 2018-08-16 09:16:16 GMT+8 = 01:16:16 UTC
  t.same(bodyOf(0x0702, '2013', '02 180816091616'), { status: 2, time: '2018-08-16T01:16:16.000Z' });
  // Test2_2: card in, read failed (1 = key authentication failed)
  t.same(bodyOf(0x0702, '2013', '01 180816091616 01'), { status: 1, time: '2018-08-16T01:16:16.000Z', icResult: 1 });
  // Test3_1: read ok; certificate padded on the right
  const fixture = `
    01 180816091616 00   // card in, time, read ok
    05 6b6f696b65        // name "koike"
    717765313233343536616161 0000000000000000 // certificate STRING[20] "qwe123456aaa"
    06 717765727478      // issuer "qwertx"
    20180816             // expiry BCD[4]`;
  const body = {
    status: 1,
    time: '2018-08-16T01:16:16.000Z',
    icResult: 0,
    driverName: 'koike',
    certificate: 'qwe123456aaa',
    issuer: 'qwertx',
    certificateExpiry: '20180816',
  };
  t.same(bodyOf(0x0702, '2013', fixture), body);
  t.same(bodyHex(0x0702, '2013', body), hex(fixture));
});

t.test('0x0702 driver identity 2019, left-padded fields and the face-match tail (SmallChi Test_2019_5)', async (t) => {
  t.same(bodyOf(0x0702, '2019', `
    01 210528181111 00   // card in 2021-05-28 18:11:11 GMT+8, read ok
    05 6b6f696b65        // "koike"
    0000000000000000 717765313233343536616161 // certificate, padded on the LEFT
    06 717765727478      // "qwertx"
    20210528             // expiry
    000000 3132333435363738393031323334353637 // ID number, left-padded: "12345678901234567"
    63                   // face match 99
    000000 3132333435363738393031323334353637 // UID`), {
    status: 1,
    time: '2021-05-28T10:11:11.000Z',
    icResult: 0,
    driverName: 'koike',
    certificate: 'qwe123456aaa',
    issuer: 'qwertx',
    certificateExpiry: '20210528',
    driverIdNumber: '12345678901234567',
    faceMatch: 99,
    uid: '12345678901234567',
  });
});

t.test('0x0702 driver identity 2011 (SmallChi JT808_0x0702Test.cs Test2011_2)', async (t) => {
  const fixture = `
    02 746b              // name length 2: "tk" (first byte 2, but the body is not 7 bytes long)
    0000 313233343536373839313233343536373839 // ID number STRING[20], left-padded
    00000000000000000000000000000000000000000000000000000000 717765313233343536616161 // certificate STRING[40]
    06 717765727478      // issuer "qwertx"`;
  const m = decoded(0x0702, '2013', fixture);
  t.equal(m.version, '2011', 'the 2011 layout refines the edition');
  t.same(m.body, { driverName: 'tk', driverIdNumber: '123456789123456789', certificate: 'qwe123456aaa', issuer: 'qwertx' });
  t.same(bodyOf(0x0702, '2011', fixture), m.body, 'a session-declared 2011 edition reads the same');
  // the encoder pads on the right, as the standard says
  t.same(bodyHex(0x0702, '2011', { driverName: 'tk', driverIdNumber: '1', certificate: 'q', issuer: '' }), hex(`
    02 746b
    31 00000000000000000000000000000000000000 // "1" + 19 NULs
    71 000000000000000000000000000000000000000000000000000000000000000000000000000000 // "q" + 39 NULs
    00`));
});

t.test('0x0702 told apart by length: a 2013 report from a terminal that registered with a 2011 0x0100', async (t) => {
  // hylexus/xtream-codec ext/jt/jt-808-server-spring-boot-starter-reactive/src/test/java/io/github/hylexus/
  // xtream/codec/ext/jt808/builtin/messages/request/BuiltinMessage0702V2013Test.java, its body
  const v2013 = `
    01 241029213903 00   // card in 2024-10-29 21:39:03 GMT+8 = 13:39:03Z, read ok
    06 d5c5cedebcc9      // name "张无忌" (GBK)
    3131333335353737393932323434363638383030 // certificate STRING[20] "11335577992244668800"
    08 c3bbd3d0c3fbd7d6  // issuer "没有名字"
    30241029             // expiry 3024-10-29`;
  const body = {
    status: 1,
    time: '2024-10-29T13:39:03.000Z',
    icResult: 0,
    driverName: '张无忌',
    certificate: '11335577992244668800',
    issuer: '没有名字',
    certificateExpiry: '30241029',
  };
  // the session learnt '2011' from the 0x0100 length; the 2011 layout (1 + 6 + 20 + 40 + ...) runs
  // past these 48 bytes, the 2013 one ends exactly at them
  const m = decoded(0x0702, '2011', v2013);
  t.equal(m.version, '2013', 'read with the 2013 layout, and the message says so');
  t.same(m.body, body);
  t.same(bodyOf(0x0702, '2013', v2013), body, 'as a 2013 session reads it');

  // hylexus BuiltinMessage0702V2011Test.java (commit 6fc81989): a 2011 body still reads as 2011 in either session
  const v2011 = `
    06 d5c5cedebcc9      // name "张无忌"
    3131323233333434353536363737383839393030 // ID number STRING[20]
    39383736353433323130393837363534333231303938373635343332313039383736353433323130 // certificate STRING[40]
    08 c3bbd3d0c3fbd7d6  // issuer "没有名字"`;
  const old = { driverName: '张无忌', driverIdNumber: '11223344556677889900', certificate: '9876543210987654321098765432109876543210', issuer: '没有名字' };
  for (const session of ['2011', '2013'] as const) {
    const r = decoded(0x0702, session, v2011);
    t.equal(r.version, '2011', `a ${session} session reads the 2011 layout`);
    t.same(r.body, old);
  }
});

t.test('0x0702 card out followed by what only a card read carries: still the 2013 layout', async (t) => {
  // 2013 table 80: the fields after the time are "valid and filled" only for status 0x01; a card-out
  // (0x02) that carries an IC result anyway used to be read as a 2011 body (first byte 2, not 7 bytes)
  // and fail. Hand-built from the table.
  const m = decoded(0x0702, '2013', '02 180816091616 00 // card out 2018-08-16 09:16:16 GMT+8, IC result 0');
  t.equal(m.version, '2013');
  t.same(m.body, { status: 2, time: '2018-08-16T01:16:16.000Z' });
});

t.test('0x8702 driver identity request: hand-built empty frame', async (t) => {
  const frame = `
    7e 8702 0000      // empty body
    012345678900 0001 // phone, serial 1
    0d 7e             // XOR of the 12 header bytes`;
  t.same(decodeOk(frame).body, {});
  t.same(encode({ msgId: 0x8702, version: '2013', phone: '012345678900', serial: 1, body: {} }), hex(frame));
});

t.test('0x0900 uplink passthrough (traccar HuabaoProtocolDecoderTest.java, body of its 0x0900 frame)', async (t) => {
  const content =
    '2204280610090002010d052b0150052c0400129009052d016b052e014f05300231ba053502000005360203b8053802000005390200ad053d0201ea05440150054604009899d90545040000001e000c00030160a85c06d1c138';
  t.same(bodyOf(0x0900, '2013', `f0 // type 0xF0: user-defined\n ${content}`), { type: 0xf0, content: Buffer.from(content, 'hex') });
});

t.test('0x8900 downlink passthrough (traccar Jt808ProtocolEncoderTest.java, JC371 custom)', async (t) => {
  const fixture = 'f0 // user-defined\n 54455354 // "TEST"';
  t.same(bodyOf(0x8900, '2013', fixture), { type: 0xf0, content: Buffer.from('TEST') });
  t.same(bodyHex(0x8900, '2013', { type: 0xf0, content: Buffer.from('TEST') }), hex(fixture));
});

t.test('0x0901 compressed upload (SmallChi JT808_0x0901Test.cs): data kept gzipped', async (t) => {
  const body = bodyOf(0x0901, '2013', `
    0000001f // 31 bytes of gzip
    1f8b080000000000000b2bce4dccc949cec82ca6320d0027f897e258000000`) as { data: Buffer };
  t.equal(body.data.length, 31);
  t.equal(gunzipSync(body.data).toString(), 'smallchi'.repeat(11), 'SmallChi expects 88 bytes of "smallchi"');
});

t.test('0x0A00 / 0x8A00 RSA public keys', async (t) => {
  const n = Buffer.from(Array.from({ length: 128 }, (_, i) => i));
  // SmallChi JT808_0x0A00Test.cs: e = 128, n = 00 01 .. 7f
  t.same(bodyOf(0x0a00, '2013', `00000080 ${n.toString('hex')}`), { e: 128, n });
  // hand-built: e with the DWORD high bit set
  const fixture = `ffffffff // e = 4294967295\n ${n.toString('hex')} // n BYTE[128]`;
  t.same(bodyOf(0x8a00, '2013', fixture), { e: 0xffffffff, n });
  t.same(bodyHex(0x8a00, '2013', { e: 0xffffffff, n }), hex(fixture));
  t.throws(() => bodyHex(0x8a00, '2013', { e: 1, n: Buffer.alloc(129) }), { code: 'encode' });
});

t.test('truncated messaging bodies fail alone', async (t) => {
  t.equal(bodyError(0x8300, '2013', ''), 'truncated');
  t.equal(bodyError(0x8300, '2019', '05'), 'truncated'); // no text type
  t.equal(bodyError(0x8301, '2013', '02 02 01 06 313233343536'), 'truncated'); // count 2, one event
  t.equal(bodyError(0x8302, '2013', '01 07 7364'), 'truncated'); // question shorter than 7
  t.equal(bodyError(0x8302, '2013', '01 01 73 80 0006 3132'), 'truncated'); // answer shorter than its WORD length
  t.equal(bodyError(0x0302, '2013', '0001'), 'truncated');
  t.equal(bodyError(0x8304, '2013', '01 0010 3132'), 'truncated');
  t.equal(bodyError(0x8401, '2013', '02 01 01 0c 3133'), 'truncated');
  t.equal(bodyError(0x0702, '2013', '01 180816091616'), 'truncated'); // card in, no IC result
  t.equal(bodyError(0x0702, '2013', '01 180816091616 00 05 6b6f'), 'truncated');
  t.equal(bodyError(0x0702, '2019', '01 180816091616 00 05 6b6f696b65 0000000000000000000000000000000000000000 06 717765727478 20180816'), 'truncated'); // 2019 without its ID number
  t.equal(bodyError(0x0a00, '2013', '00000080 0001'), 'truncated');
  t.equal(bodyError(0x0900, '2013', ''), 'truncated');
});
