import fc from 'fast-check';
import { alarmNames, statusNames } from '../../decoders/bodies/location-bits.js';
import { bytesOf, byte, dword, edition, isoTime, word } from './common.js';
import type { BodyArbitraries } from './common.js';

const micro = (max: number) => fc.integer({ min: 0, max }).map((n) => n / 1e6);

// T/JSATL12's, Guangdong's and Heilongjiang's alarm identifiers (told apart by what the item leaves)
const identifier = fc.oneof(
  fc.record({ terminalId: fc.constantFrom('1234567', 'ABC0001'), time: isoTime, seq: byte, attachments: byte, reserved: byte }),
  fc.record({ terminalId: fc.constantFrom('GD12345678', '粤B00001'), time: isoTime, seq: byte, attachments: byte, reserved: word, region: fc.constant<'guangdong'>('guangdong') }),
  fc.record({ terminalId: fc.constantFrom('HLJ0000001', '黑A00001'), time: isoTime, seq: byte, attachments: byte, region: fc.constant<'heilongjiang'>('heilongjiang') }),
);
const tail = { speed: byte, altitude: word, lat: micro(90e6), lng: micro(180e6), time: isoTime, vehicleStatus: word };

const extras = fc.record(
  {
    mileageKm: fc.integer({ min: 0, max: 0xffffffff }).map((n) => n / 10),
    fuelL: fc.integer({ min: 0, max: 0xffff }).map((n) => n / 10),
    recorderSpeedKmh: fc.integer({ min: 0, max: 0xffff }).map((n) => n / 10),
    alarmEventId: word,
    tirePressure: fc.array(byte, { minLength: 30, maxLength: 30 }),
    carriageTempC: fc.integer({ min: -32768, max: 32767 }),
    satelliteStatus: bytesOf(0, 40),
    overspeed: fc.oneof(fc.constant({ locationType: 0 }), fc.record({ locationType: fc.integer({ min: 1, max: 4 }), areaId: dword })),
    areaAlarm: fc.record({ locationType: byte, areaId: dword, direction: byte }),
    routeTimeAlarm: fc.record({ routeId: dword, driveTimeS: word, result: byte }),
    videoAlarms: dword,
    videoSignalLoss: dword,
    videoOcclusion: dword,
    storageFault: word,
    abnormalDriving: fc.oneof(fc.record({ type: word }), fc.record({ type: word, fatigueLevel: byte })),
    vehicleSignals: dword,
    ioStatus: word,
    analog: fc.record({ ad0: word, ad1: word }),
    rssi: byte,
    satellites: byte,
    adas: fc.record({
      alarmId: dword, flag: byte, type: byte, level: byte, frontSpeed: byte, distance: byte, departureType: byte, roadSignType: byte, roadSignData: byte,
      ...tail, identifier,
    }),
    dsm: fc.record({ alarmId: dword, flag: byte, type: byte, level: byte, fatigueLevel: byte, reserved: bytesOf(4, 4), ...tail, identifier }),
    tpms: fc.record({
      alarmId: dword, flag: byte, ...tail, identifier,
      events: fc.array(fc.record({ position: byte, type: word, pressure: word, temperature: word, battery: word }), { maxLength: 4 }),
    }),
    bsd: fc.record({ alarmId: dword, flag: byte, type: byte, ...tail, identifier }),
    unknown: fc.dictionary(fc.constantFrom('0xe1', '0xe2', '0xf0', '0xfe'), bytesOf(0, 20), { minKeys: 1, maxKeys: 3 }),
  },
  { requiredKeys: [] },
);

/** A canonical report for `version`: sign bits agree with lat/lng, names derived from the integers. */
export const report = (version: '2013' | '2019') =>
  fc
    .record({
      alarm: dword,
      status: dword,
      lat: micro(90e6),
      lng: micro(180e6),
      altitude: fc.integer({ min: -32768, max: 32767 }),
      speed: fc.integer({ min: 0, max: 0xffff }).map((n) => n / 10),
      heading: fc.integer({ min: 0, max: 359 }),
      time: fc.option(isoTime, { nil: null }),
      extras,
    })
    .map((r) => {
      const lat = (r.status & 4) !== 0 && r.lat !== 0 ? -r.lat : r.lat;
      const lng = (r.status & 8) !== 0 && r.lng !== 0 ? -r.lng : r.lng;
      const base = { alarm: r.alarm, status: r.status, lat, lng, altitude: r.altitude, speed: r.speed, heading: r.heading, time: r.time };
      return { ...base, alarms: alarmNames(r.alarm, version), flags: statusNames(r.status, version), extras: r.extras };
    });

const withVersion = <T>(f: (v: '2013' | '2019') => fc.Arbitrary<T>) => edition.chain((version) => f(version).map((body) => ({ version, body })));

export const location: BodyArbitraries = {
  0x0200: withVersion(report),
  0x0201: withVersion((v) => fc.tuple(word, report(v)).map(([ackSerial, r]) => ({ ackSerial, ...r }))),
  0x0500: withVersion((v) => fc.tuple(word, report(v)).map(([ackSerial, r]) => ({ ackSerial, ...r }))),
  0x0704: withVersion((v) =>
    fc.record({ type: fc.constantFrom(0, 1), locations: fc.array(report(v).map((r) => ({ ...r, extras: { mileageKm: 1 } })), { minLength: 1, maxLength: 5 }) }),
  ),
};
