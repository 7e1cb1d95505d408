import fc from 'fast-check';
import { byte, bytesOf, dword, isoTime, word } from './common.js';
import type { BodyArbitraries } from './common.js';

/** Vendor messages have a 2013-style header only (6-byte phone, one-byte serial). */
const v2013 = <T>(a: fc.Arbitrary<T>) => fc.record({ version: fc.constant<'2013'>('2013'), body: a });

/** A DDMMmmmm (or DDDMMmmmm) coordinate as decoded: degrees + minutes / 60, minutes to 1/10^4. */
const coordinate = (maxDegrees: number) =>
  fc.tuple(fc.integer({ min: 0, max: maxDegrees }), fc.integer({ min: 0, max: 599_999 })).map(([d, m]) => d + m / 1e4 / 60);

const location = fc
  .record({
    time: fc.option(isoTime, { nil: null }),
    lat: coordinate(89),
    lng: coordinate(179),
    north: fc.boolean(),
    east: fc.boolean(),
    fixAndUnknown: fc.constantFrom(0, 1, 8, 9),
    speedKnots: fc.integer({ min: 0, max: 99 }),
    heading: fc.integer({ min: 0, max: 255 }).map((h) => h * 2),
    rssi: byte,
    satellites: byte,
    mileageKm: dword,
    battery: byte,
    cellId: dword,
    lac: word,
    product: byte,
    deviceStatus: word,
    deviceAlarm: word,
    tail: bytesOf(0, 20),
  })
  .map(({ north, east, fixAndUnknown, lat, lng, ...rest }) => ({
    ...rest,
    time: rest.time,
    lat: north ? lat : -lat,
    lng: east ? lng : -lng,
    fixFlags: fixAndUnknown | (north ? 2 : 0) | (east ? 4 : 0),
  }));

export const vendor: BodyArbitraries = {
  0x5501: v2013(location),
  0x5502: v2013(location),
  0x4401: v2013(fc.record({ ackMsgId: word, result: byte })),
};
