/**
 * A vendor location (0x5501 live, 0x5502 blind-area: decoders/bodies/vendor.ts) as the
 * LocationLike a Position is built from, so these terminals reach the map like 0x0200 ones:
 * the fix from bit 0 of the flags nibble becomes status bit 1 (the 0x0200 fix bit the
 * normaliser judges), knots become km/h, and what has no place in a Position stays in extras.
 */
import { alarmNames, statusNames } from '../../decoders/index.js';
import type { VendorLocation } from '../../decoders/index.js';
import type { LocationLike } from './position.js';

const FIX = 0x2;
const KMH_PER_KNOT = 1.852;

export function vendorLocation(v: VendorLocation): LocationLike {
  const status = (v.fixFlags & 0x1) !== 0 ? FIX : 0;
  return {
    alarm: 0,
    status,
    lat: v.lat,
    lng: v.lng,
    altitude: 0,
    speed: Math.round(v.speedKnots * KMH_PER_KNOT * 100) / 100,
    heading: v.heading,
    time: v.time,
    alarms: alarmNames(0, '2013'),
    flags: statusNames(status, '2013'),
    extras: {
      mileageKm: v.mileageKm,
      rssi: v.rssi,
      satellites: v.satellites,
      vendor: { battery: v.battery, cellId: v.cellId, lac: v.lac, product: v.product, status: v.deviceStatus, alarm: v.deviceAlarm },
    },
  };
}
