/**
 * Names of the 0x0200 alarm and status bits (JT/T 808-2013 tables 24 and 25, with the
 * 2019 changes). Index = bit number; null = reserved in that edition (a set reserved bit is
 * reported as "bitN" so nothing a terminal sends disappears).
 */
import type { Edition } from '../message.js';

const ALARMS_2013: (string | null)[] = [
  'sos', // 0 emergency switch; cleared after the platform's ack
  'overspeed', // 1
  'fatigue', // 2
  'danger', // 3 danger warning; cleared after ack
  'gnssFault', // 4
  'gnssAntennaOpen', // 5
  'gnssAntennaShort', // 6
  'powerUndervoltage', // 7
  'powerLost', // 8
  'displayFault', // 9
  'ttsFault', // 10
  'cameraFault', // 11
  'icCardFault', // 12 road-transport IC card module
  'overspeedWarning', // 13
  'fatigueWarning', // 14
  null, // 15 reserved (2019: illegal driving)
  null, // 16 reserved (2019: TPMS)
  null, // 17 reserved (2019: right-turn blind zone)
  'drivingTimeout', // 18 daily cumulative driving
  'overtimeParking', // 19
  'areaInOut', // 20 cleared after ack
  'routeInOut', // 21 cleared after ack
  'routeTime', // 22 segment time too short/long; cleared after ack
  'routeDeviation', // 23
  'vssFault', // 24
  'fuelAbnormal', // 25
  'theft', // 26
  'illegalIgnition', // 27 cleared after ack
  'illegalDisplacement', // 28 cleared after ack
  'collision', // 29 (2019: collision/rollover)
  'rollover', // 30
  'illegalDoorOpen', // 31 (2019: reserved)
];

const ALARMS_2019 = ALARMS_2013.slice();
ALARMS_2019[15] = 'illegalDriving';
ALARMS_2019[16] = 'tpmsWarning';
ALARMS_2019[17] = 'blindZone';
ALARMS_2019[31] = null;

const STATUS_2013: (string | null)[] = [
  'acc', // 0 ACC on
  'fix', // 1 positioned
  'south', // 2 latitude is south
  'west', // 3 longitude is west
  'outOfService', // 4
  'encrypted', // 5 coordinates encrypted by the security plug-in
  null, // 6 (2019: forward-collision warning)
  null, // 7 (2019: lane-departure warning)
  'loadHalf', // 8 bits 8-9: 01 half, 11 full (named by the pair below)
  'loadBit9', // 9
  'oilCut', // 10
  'circuitCut', // 11
  'doorsLocked', // 12
  'door1Open', // 13 front
  'door2Open', // 14 middle
  'door3Open', // 15 rear
  'door4Open', // 16 driver
  'door5Open', // 17 custom
  'gps', // 18
  'beidou', // 19
  'glonass', // 20
  'galileo', // 21
  null, // 22 (2019: moving)
];

const STATUS_2019 = STATUS_2013.slice();
STATUS_2019[6] = 'forwardCollisionWarning';
STATUS_2019[7] = 'laneDepartureWarning';
STATUS_2019[22] = 'moving';

function names(value: number, table: (string | null)[], skip: number): string[] {
  const out: string[] = [];
  for (let bit = 0; value !== 0 && bit < 32; bit++) {
    const mask = 2 ** bit;
    if (value % (mask * 2) < mask) continue;
    value -= mask;
    if ((skip & mask) !== 0) continue;
    out.push(table[bit] ?? `bit${bit}`);
  }
  return out;
}

/**
 * A fleet repeats a handful of status words all day, so each edition keeps a bounded cache of
 * name lists. The lists are frozen: shared between messages, never to be mutated.
 */
const EMPTY: readonly string[] = Object.freeze([]);
const caches = { alarm2013: new Map<number, readonly string[]>(), alarm2019: new Map<number, readonly string[]>(), status2013: new Map<number, readonly string[]>(), status2019: new Map<number, readonly string[]>() };

function remember(cache: Map<number, readonly string[]>, value: number, list: string[]): readonly string[] {
  const frozen = Object.freeze(list);
  if (cache.size >= 4096) cache.clear();
  cache.set(value, frozen);
  return frozen;
}

// No closure per call: under tsx (tests, `npm run bench:codec`, the benchmark gateways) esbuild's
// keepNames wraps each one, and a `cached(cache, v, () => names(...))` form halved the 0x0200
// decode there (1.69 M -> 0.80 M frames/CPU-s). Compiled (`npm run build`, what production runs)
// both forms measured the same (1.88 M each), so this stays for the tsx-run figures, not for speed.
export function alarmNames(alarm: number, edition: Edition): readonly string[] {
  if (alarm === 0) return EMPTY;
  const is2019 = edition === '2019';
  const cache = is2019 ? caches.alarm2019 : caches.alarm2013;
  return cache.get(alarm) ?? remember(cache, alarm, names(alarm, is2019 ? ALARMS_2019 : ALARMS_2013, 0));
}

/** Status names; the two load bits are folded into one of loadHalf / loadFull / loadReserved. */
export function statusNames(status: number, edition: Edition): readonly string[] {
  if (status === 0) return EMPTY;
  const is2019 = edition === '2019';
  const cache = is2019 ? caches.status2019 : caches.status2013;
  const hit = cache.get(status);
  if (hit !== undefined) return hit;
  const out = names(status, is2019 ? STATUS_2019 : STATUS_2013, 0x300);
  const load = (status >>> 8) & 3;
  if (load !== 0) out.push(load === 1 ? 'loadHalf' : load === 3 ? 'loadFull' : 'loadReserved');
  return remember(cache, status, out);
}

export const ALARM_BIT = Object.fromEntries(ALARMS_2013.map((n, i) => [n, i]).filter(([n]) => n !== null)) as Record<string, number>;
Object.assign(ALARM_BIT, { illegalDriving: 15, tpmsWarning: 16, blindZone: 17 });
export const STATUS_BIT = { acc: 0, fix: 1, south: 2, west: 3 } as const;
