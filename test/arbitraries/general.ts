import fc from 'fast-check';
import { byte, digits, edition, word } from './common.js';
import type { BodyArbitraries } from './common.js';

const generalResponse = fc.record({ ackSerial: word, ackMsgId: word, result: byte });
const retransmit = (v: fc.Arbitrary<'2013' | '2019'>) =>
  v.chain((version) => fc.record({ version: fc.constant(version), body: fc.record({ origSerial: word, packetIds: fc.array(word, { maxLength: 20 }) }) }));

export const general: BodyArbitraries = {
  0x0001: fc.record({ version: edition, body: generalResponse }),
  0x8001: fc.record({ version: edition, body: generalResponse }),
  0x0002: fc.record({ version: edition, body: fc.constant({}) }),
  0x0003: fc.record({ version: edition, body: fc.constant({}) }),
  0x0004: fc.record({ version: fc.constant('2019' as const), body: fc.constant({}) }),
  0x8004: fc.record({ version: fc.constant('2019' as const), body: fc.record({ utc: digits(12) }) }),
  0x8003: retransmit(edition),
  0x0005: retransmit(fc.constant('2019' as const)),
};
