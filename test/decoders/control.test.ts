/**
 * Control family vectors. Sources are cited beside each one; bodies from SmallChi's tests
 * are body-only hex, so they are decoded through decodeBody with a bare header.
 */
import t from 'tap';
import { decodeBody, encodeBody } from '../../decoders/index.js';
import type { Edition } from '../../decoders/index.js';
import { decodeOk, hex } from '../helpers/frames.js';

function bodyOf(msgId: number, version: Edition, text: string): unknown {
  const r = decodeBody({ msgId, version, phone: '', serial: 0 }, hex(text));
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.detail}`);
  return (r.message as { body: unknown }).body;
}

function bodyError(msgId: number, version: Edition, text: string): string {
  const r = decodeBody({ msgId, version, phone: '', serial: 0 }, hex(text));
  return r.ok ? 'ok' : r.error.code;
}

t.test('0x8201 position query: a real 2019 frame (traccar Jt808ProtocolEncoderTest.java)', async (t) => {
  const m = decodeOk(`
    7e
    8201                          // position query
    4000                          // bit 14 = 2019, body length 0
    03                            // protocol version 3
    00000123456789012345          // phone BCD[10]
    0000                          // serial 0
    2e                            // XOR check
    7e`);
  t.same(m, { msgId: 0x8201, version: '2019', protocolVersion: 3, phone: '00000123456789012345', serial: 0, body: {} });
});

t.test('0x8202 temporary tracking (SmallChi JT808_0x8202Test.cs)', async (t) => {
  const body = bodyOf(0x8202, '2013', `
    0045          // interval 69 s
    0000007b      // validity 123 s`);
  t.same(body, { intervalS: 69, validityS: 123 });
});

t.test('0x8202 encoder matches hand-built hex with a high-bit DWORD', async (t) => {
  const wire = encodeBody({ msgId: 0x8202, version: '2013', phone: '1', serial: 0, body: { intervalS: 30, validityS: 0x80000000 } });
  t.same(wire, hex(`
    001e          // 30 s
    80000000      // 2147483648 s: DWORD high bit set`));
});

t.test('0x8203 manual alarm confirmation', async (t) => {
  // traccar Jt808ProtocolEncoderTest.java, TYPE_ALARM_DISMISS: body 00 0000 0000 (its header's
  // phone is not BCD, so only the body bytes are used here)
  t.same(bodyOf(0x8203, '2013', '0000 00000000'), { alarmSerial: 0, alarmType: 0 });
  // hand-built from 2013 table 53: confirm SOS (bit 0) and illegal door open (bit 31)
  const fixture = `
    1234          // alarm serial 4660
    80000001      // bits 31 and 0`;
  t.same(bodyOf(0x8203, '2013', fixture), { alarmSerial: 0x1234, alarmType: 0x80000001 });
  const wire = encodeBody({ msgId: 0x8203, version: '2013', phone: '1', serial: 0, body: { alarmSerial: 0x1234, alarmType: 0x80000001 } });
  t.same(wire, hex(fixture));
});

t.test('0x8500 vehicle control 2013 (SmallChi JT808_0x8500Test.cs Test2)', async (t) => {
  // 0x0C = 0000 1100: bit 0 clear = unlock doors; bits 2-3 are reserved but kept as sent
  t.same(bodyOf(0x8500, '2013', '0c'), { flag: 12 });
  t.same(encodeBody({ msgId: 0x8500, version: '2013', phone: '1', serial: 0, body: { flag: 1 } }), hex('01 // lock doors'));
});

t.test('0x8500 vehicle control 2019 (SmallChi JT808_0x8500Test.cs Test_2019_2)', async (t) => {
  const body = bodyOf(0x8500, '2019', `
    0002          // 2 control items
    0001 00       // door: 0 = lock
    f001 01       // vendor id 0xF001: size unknown, so the rest is raw`);
  t.same(body, { controls: [{ id: 1, value: 0 }, { id: 0xf001, raw: Buffer.from([1]) }] });
  const wire = encodeBody({ msgId: 0x8500, version: '2019', phone: '1', serial: 0, body: { controls: [{ id: 1, value: 1 }] } });
  t.same(wire, hex('0001 // one item\n 0001 01 // door: open'));
});

t.test('0x8500 encoder refuses what it cannot delimit', async (t) => {
  const enc = (body: unknown, version: Edition = '2019') => () => encodeBody({ msgId: 0x8500, version, phone: '1', serial: 0, body });
  t.throws(enc({ controls: [{ id: 0xf001, raw: Buffer.from([1]) }, { id: 1, value: 0 }] }), { code: 'encode' });
  t.throws(enc({ controls: [{ id: 0x0002, value: 0 }] }), { code: 'encode' });
  t.throws(enc({}), { code: 'encode' }, 'neither controls nor flag');
  t.throws(enc({ controls: [] }, '2013'), { code: 'encode' }, 'no door item to make a 2013 flag of');
});

t.test("0x8500 in the other edition's words: the door translated (2013 flag bit 0 = 1 lock; 2019 door 0 lock, 1 open)", async (t) => {
  const wire = (body: unknown, version: Edition) => encodeBody({ msgId: 0x8500, version, phone: '1', serial: 0, body });
  t.same(wire({ flag: 1 }, '2019'), hex('0001 // one item\n 0001 00 // door: lock'));
  t.same(wire({ flag: 0 }, '2019'), hex('0001 // one item\n 0001 01 // door: open'));
  t.same(wire({ controls: [{ id: 1, value: 0 }] }, '2013'), hex('01 // bit 0: lock'));
  t.same(wire({ controls: [{ id: 1, value: 1 }] }, '2013'), hex('00 // unlock'));
});

t.test('truncated control bodies fail alone', async (t) => {
  t.equal(bodyError(0x8202, '2013', '0045 000000'), 'truncated');
  t.equal(bodyError(0x8203, '2013', '0001'), 'truncated');
  t.equal(bodyError(0x8500, '2013', ''), 'truncated');
  t.equal(bodyError(0x8500, '2019', '0002 0001 00'), 'truncated'); // count 2, one item
  t.equal(bodyError(0x8500, '2019', '0001 0001'), 'truncated'); // door item without its BYTE
});
