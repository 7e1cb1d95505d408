import t from 'tap';
import { decodeWire, encode } from '../../decoders/index.js';
import { decodeOk, hex } from '../helpers/frames.js';

t.test('0x0002 heartbeat round trip', async (t) => {
  const wire = encode({ msgId: 0x0002, version: '2013', phone: '13912345678', serial: 7, body: {} });
  const r = decodeWire(wire);
  t.ok(r.ok);
  if (r.ok) t.same(r.message, { msgId: 2, version: '2013', phone: '013912345678', serial: 7, body: {} });
});

t.test('a body missing a field is an encode error, not a TypeError', async (t) => {
  t.throws(() => encode({ msgId: 0x8300, version: '2013', phone: '13912345678', serial: 1, body: { flag: 1 } }), { name: 'Jt808Error', code: 'encode' });
  t.throws(() => encode({ msgId: 0x8103, version: '2013', phone: '13912345678', serial: 1, body: {} }), { name: 'Jt808Error', code: 'encode' });
});

t.test('0x0001 terminal general response, a whole frame', async (t) => {
  // SmallChi/JT808 src/JT808.Protocol.Test/MessageBody/JT808_0x0001Test.cs
  const m = decodeOk(`
    7e 0001 0005            // terminal general response, body 5 bytes
    012345678900 04b3       // phone, serial 0x04b3 = 1203
    03e8                    // ack serial 1000
    0002                    // answering a heartbeat
    00                      // result 0: success
    d3 7e`);
  t.same({ phone: m.phone, serial: m.serial, body: m.body }, { phone: '012345678900', serial: 1203, body: { ackSerial: 1000, ackMsgId: 2, result: 0 } });
  // and the encoder writes the same bytes
  t.same(encode({ msgId: 0x0001, version: '2013', phone: '012345678900', serial: 1203, body: { ackSerial: 1000, ackMsgId: 2, result: 0 } }), hex('7E0001000501234567890004B303E8000200D37E'));
});

t.test('0x8003 retransmit request: 2013 BYTE count, 2019 WORD count', async (t) => {
  // body from SmallChi/JT808 JT808_0x8003Test.cs: "04D20201020203"
  const body = (version: '2013' | '2019', bodyHex: string) => {
    const h = version === '2019' ? `8003 ${(0x4000 | hex(bodyHex).length).toString(16).padStart(4, '0')} 01 00000000013912345678 0001` : `8003 ${hex(bodyHex).length.toString(16).padStart(4, '0')} 013912345678 0001`;
    const data = hex(h + bodyHex);
    let x = 0;
    for (const b of data) x ^= b;
    return decodeOk(Buffer.concat([Buffer.from([0x7e]), data, Buffer.from([x, 0x7e])])).body;
  };
  // 04d2 = original serial 1234; 02 = two packets; 0102 = 258, 0203 = 515
  t.same(body('2013', '04d2 02 0102 0203'), { origSerial: 1234, packetIds: [258, 515] });
  // 2019: the count is a WORD (0002), hand-built from JT/T 808-2019 table 8
  t.same(body('2019', '04d2 0002 0102 0203'), { origSerial: 1234, packetIds: [258, 515] });
});

t.test('0x8004 time answer and 0x0004/0x0003/0x0005 (2019)', async (t) => {
  // 0x8004 body from SmallChi/JT808 JT808_0x8004Test.cs: "191126155850"
  const w = encode({ msgId: 0x8004, version: '2019', phone: '13912345678', serial: 3, body: { utc: '191126155850' } });
  const m = decodeOk(w);
  t.same(m.body, { utc: '191126155850' });
  t.ok(w.includes(hex('191126155850')), 'BCD digits on the wire as given');
  for (const id of [0x0003, 0x0004]) {
    t.same(decodeOk(encode({ msgId: id, version: '2019', phone: '13912345678', serial: 1, body: {} })).body, {});
  }
  // 0x0005 shares 0x8003's layout (2019 §8.x), hand-built body: serial 0x0010, one id 0x0003
  const data = hex('0005 4006 01 00000000013912345678 0002 0010 0001 0003'); // 2019 flag | 6 bytes
  let x = 0;
  for (const b of data) x ^= b;
  t.same(decodeOk(Buffer.concat([Buffer.from([0x7e]), data, Buffer.from([x, 0x7e])])).body, { origSerial: 16, packetIds: [3] });
});
