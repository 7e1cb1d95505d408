import fc from 'fast-check';
import { byte, bytesOf, dword, edition, word } from './common.js';
import type { BodyArbitraries } from './common.js';

/** 2019 control items: door items, then at most one vendor item whose raw bytes end the body. */
const controls = fc
  .tuple(
    fc.array(fc.record({ id: fc.constant(0x0001), value: byte }), { maxLength: 4 }),
    fc.option(fc.record({ id: fc.integer({ min: 0xf001, max: 0xffff }), raw: bytesOf(0, 8) }), { nil: undefined }),
  )
  .map(([known, vendor]) => (vendor ? [...known, vendor] : known));

export const control: BodyArbitraries = {
  0x8201: fc.record({ version: edition, body: fc.constant({}) }),
  0x8202: fc.record({ version: edition, body: fc.record({ intervalS: word, validityS: dword }) }),
  0x8203: fc.record({ version: edition, body: fc.record({ alarmSerial: word, alarmType: dword }) }),
  0x8500: fc.oneof(
    fc.record({ version: fc.constant('2013' as const), body: fc.record({ flag: byte }) }),
    fc.record({ version: fc.constant('2019' as const), body: fc.record({ controls }) }),
  ),
};
