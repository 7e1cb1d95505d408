import fc from 'fast-check';
import { bytesOf, byte, dword, edition, isoTime, word } from './common.js';
import type { BodyArbitraries } from './common.js';
import { report } from './location.js';

/** The 28-byte basic block as decoded: a location report without its additional items. */
const basic = (v: '2013' | '2019') => report(v).map(({ extras: _extras, ...b }) => b);

const withVersion = <T>(f: (v: '2013' | '2019') => fc.Arbitrary<T>) => edition.chain((version) => f(version).map((body) => ({ version, body })));
const any = <T>(a: fc.Arbitrary<T>) => fc.record({ version: edition, body: a });

const head = { mediaId: dword, type: byte, format: byte, event: byte, channel: byte };
const criteria = { type: byte, channel: byte, event: byte, start: fc.option(isoTime, { nil: null }), end: fc.option(isoTime, { nil: null }) };

export const multimedia: BodyArbitraries = {
  0x0800: any(fc.record(head)),
  0x0801: withVersion((v) =>
    fc.oneof(
      fc.record({ ...head, location: basic(v), data: bytesOf(0, 200) }),
      // a 2011 terminal's upload: no block, and under 28 bytes of data so the length rule holds
      fc.record({ ...head, data: bytesOf(0, 27) }),
    ),
  ),
  0x8800: any(fc.record({ mediaId: dword, retransmitIds: fc.array(word, { maxLength: 30 }) }, { requiredKeys: ['mediaId'] })),
  0x8801: any(
    fc.record({
      channel: byte, command: word, intervalS: word, save: byte, resolution: byte, quality: byte,
      brightness: byte, contrast: byte, saturation: byte, chroma: byte,
    }),
  ),
  0x0805: any(
    fc.oneof(
      fc.record({ ackSerial: word, result: fc.constant(0), mediaIds: fc.array(dword, { maxLength: 20 }) }),
      fc.record({ ackSerial: word, result: fc.integer({ min: 1, max: 255 }), mediaIds: fc.array(dword, { maxLength: 5 }) }, { requiredKeys: ['ackSerial', 'result'] }),
    ),
  ),
  0x8802: any(fc.record(criteria)),
  0x0802: withVersion((v) =>
    fc.record({ ackSerial: word, items: fc.array(fc.record({ mediaId: dword, type: byte, channel: byte, event: byte, location: basic(v) }), { maxLength: 8 }) }),
  ),
  0x8803: any(fc.record({ ...criteria, delete: byte })),
  0x8804: any(fc.record({ command: byte, durationS: word, save: byte, sampleRate: byte })),
  0x8805: any(fc.record({ mediaId: dword, delete: byte })),
};
