import fc from 'fast-check';
import { byte, bytesOf, digits, dword, edition, gbkText, isoTime, word } from './common.js';
import type { BodyArbitraries } from './common.js';

const any = <T>(body: fc.Arbitrary<T>) => fc.record({ version: edition, body });
const optionalTime = fc.oneof(isoTime, fc.constant(null));
const passthrough = fc.record({ type: byte, content: bytesOf(0, 300) });
const rsaKey = fc.record({ e: dword, n: bytesOf(128, 128) });

/** 0x0702 in 2013/2019: status 1 or 2 (anything else is read as a 2011 body under a 2013 header). */
const driverIdentity = edition.chain((version) => {
  const details = fc.record({
    driverName: gbkText(20),
    certificate: gbkText(20),
    issuer: gbkText(40),
    certificateExpiry: digits(8),
  });
  const v2019 = fc.record(
    { driverIdNumber: gbkText(20), faceMatch: fc.integer({ min: 0, max: 100 }), uid: gbkText(20) },
    { requiredKeys: ['driverIdNumber'] },
  ).filter((x) => (x.faceMatch === undefined) === (x.uid === undefined));
  const inserted = fc.oneof(
    fc.record({ status: fc.constant(1), time: optionalTime, icResult: fc.integer({ min: 1, max: 255 }) }),
    fc
      .tuple(fc.record({ status: fc.constant(1), time: optionalTime, icResult: fc.constant(0) }), details, version === '2019' ? v2019 : fc.constant({}))
      .map(([head, d, extra]) => ({ ...head, ...d, ...extra })),
  );
  const removed = fc.record({ status: fc.constant(2), time: optionalTime });
  return fc.record({ version: fc.constant(version), body: fc.oneof(inserted, removed) });
});

export const messaging: BodyArbitraries = {
  0x8300: edition.chain((version) =>
    fc.record({
      version: fc.constant(version),
      body: version === '2019' ? fc.record({ flag: byte, textType: byte, text: gbkText(300) }) : fc.record({ flag: byte, text: gbkText(300) }),
    }),
  ),
  0x8301: any(fc.record({ type: byte, events: fc.array(fc.record({ id: byte, text: gbkText(40) }), { maxLength: 8 }) })),
  0x0301: any(fc.record({ eventId: byte })),
  0x8302: any(fc.record({ flag: byte, question: gbkText(60), answers: fc.array(fc.record({ id: byte, text: gbkText(40) }), { maxLength: 8 }) })),
  0x0302: any(fc.record({ ackSerial: word, answerId: byte })),
  0x8303: any(fc.record({ type: byte, items: fc.array(fc.record({ infoType: byte, name: gbkText(40) }), { maxLength: 8 }) })),
  0x0303: any(fc.record({ infoType: byte, flag: byte })),
  0x8304: any(fc.record({ infoType: byte, content: gbkText(300) })),
  0x8400: any(fc.record({ flag: byte, phone: gbkText(20) })),
  0x8401: any(fc.record({ type: byte, contacts: fc.array(fc.record({ flag: byte, phone: gbkText(20), name: gbkText(20) }), { maxLength: 8 }) })),
  0x0701: any(fc.record({ content: bytesOf(0, 300) })),
  0x0702: driverIdentity,
  0x8702: any(fc.constant({})),
  0x0900: any(passthrough),
  0x8900: any(passthrough),
  0x0901: any(fc.record({ data: bytesOf(0, 300) })),
  0x0a00: any(rsaKey),
  0x8a00: any(rsaKey),
};
