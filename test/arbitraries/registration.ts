/**
 * Canonical registration-family bodies: fixed-width text fits its field, the 2011 plate is
 * short enough for the length rule to pick 2011 (25 + plate < 37), the 0x0107 maker stays
 * within the standard BYTE[5], and 2019 0x0102 always carries its IMEI block.
 */
import fc from 'fast-check';
import { byte, bytesOf, edition, gbkText, word } from './common.js';
import type { BodyArbitraries } from './common.js';

const withVersion = <V extends string, B>(version: fc.Arbitrary<V>, body: (v: V) => fc.Arbitrary<B>) =>
  version.chain((v) => fc.record({ version: fc.constant(v), body: body(v) }));

const WIDTHS = {
  '2011': { maker: 5, model: 8, id: 7, plate: 11 },
  '2013': { maker: 5, model: 20, id: 7, plate: 20 },
  '2019': { maker: 11, model: 30, id: 30, plate: 20 },
} as const;

const registrationBody = withVersion(fc.constantFrom<'2011' | '2013' | '2019'>('2011', '2013', '2019'), (v) => {
  const w = WIDTHS[v];
  return fc.record({
    provinceId: word,
    cityId: word,
    makerId: gbkText(w.maker),
    model: gbkText(w.model),
    terminalId: gbkText(w.id),
    plateColor: byte,
    plate: gbkText(w.plate),
  });
});

const registrationAnswer = fc.oneof(
  fc.record({ ackSerial: word, result: fc.constant(0), authCode: gbkText(40) }),
  fc.record({ ackSerial: word, result: fc.integer({ min: 1, max: 0xff }) }),
);

const authentication = withVersion(edition, (v) =>
  v === '2019'
    ? fc.record({ authCode: gbkText(40), imei: gbkText(15), softwareVersion: gbkText(20) })
    : fc.record({ authCode: gbkText(40) }),
);

const iccid = fc.array(fc.constantFrom(...'0123456789ABCDEF'), { minLength: 20, maxLength: 20 }).map((a) => a.join(''));

const attributes = withVersion(edition, (v) =>
  fc.record({
    terminalType: word,
    makerId: gbkText(5),
    model: gbkText(v === '2019' ? 30 : 20),
    terminalId: gbkText(v === '2019' ? 30 : 7),
    iccid,
    hardwareVersion: gbkText(40),
    firmwareVersion: gbkText(40),
    gnssProperties: byte,
    commProperties: byte,
  }),
);

export const registration: BodyArbitraries = {
  0x0100: registrationBody,
  0x8100: fc.record({ version: edition, body: registrationAnswer }),
  0x0102: authentication,
  0x8107: fc.record({ version: edition, body: fc.constant({}) }),
  0x0107: attributes,
  0x8108: fc.record({
    version: edition,
    body: fc.record({ upgradeType: byte, makerId: gbkText(5), version: gbkText(30), data: bytesOf(0, 300) }),
  }),
  0x0108: fc.record({ version: edition, body: fc.record({ upgradeType: byte, result: byte }) }),
};
