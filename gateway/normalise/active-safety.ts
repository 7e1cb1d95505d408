/**
 * T/JSATL12 (Su Biao) active-safety alarms, carried as 0x0200 additional items 0x64 ADAS,
 * 0x65 DSM, 0x66 TPMS, 0x67 BSD (T/JSATL12-2017 §4.5.2, tables 4-10). Each has its own
 * position and time and a flag (0 instantaneous, 1 start, 2 end), so each becomes an Alarm
 * event with a Position built from the alarm's own fix (status bits from the report).
 */
import type { LocationExtras } from '../../decoders/index.js';
import type { Device } from '../registry/devices.js';
import type { Alarm, Position } from '../../events/model.js';
import type { LocationLike } from './position.js';

/** Alarm type names per table (codes not listed become "adas.type7" etc.). */
const NAMES: Record<'adas' | 'dsm' | 'tpms' | 'bsd', Record<number, string>> = {
  adas: { 1: 'forwardCollision', 2: 'laneDeparture', 3: 'vehicleTooClose', 4: 'pedestrianCollision', 5: 'frequentLaneChange', 6: 'roadSignOverLimit', 7: 'obstacle', 16: 'roadSignRecognised', 17: 'activeCapture' },
  dsm: { 1: 'fatigue', 2: 'phoneCall', 3: 'smoking', 4: 'distraction', 5: 'driverAbnormal', 16: 'autoCapture', 17: 'driverChange' },
  tpms: {},
  bsd: { 1: 'rearApproach', 2: 'leftRearApproach', 3: 'rightRearApproach' },
};

/** Every named active-safety alarm ("adas.forwardCollision", "tpms.alarm", ...), for the metrics' series. */
export const ACTIVE_SAFETY_ALARMS: readonly string[] = (Object.keys(NAMES) as (keyof typeof NAMES)[]).flatMap((source) =>
  source === 'tpms' ? [`${source}.alarm`] : Object.values(NAMES[source]).map((name) => `${source}.${name}`),
);

const STATE = ['event', 'start', 'end'] as const;

/** The T/JSATL12 item sources, in the order their alarms are raised. */
export const ACTIVE_SAFETY_SOURCES = ['adas', 'dsm', 'tpms', 'bsd'] as const;
export type ActiveSafetySource = (typeof ACTIVE_SAFETY_SOURCES)[number];

/** An item's alarm name ("adas.forwardCollision", "adas.type9", "tpms.alarm"): its Alarm event's and its incident's kind. */
export function activeSafetyName(source: ActiveSafetySource, type: number | null): string {
  return `${source}.${type === null ? 'alarm' : (NAMES[source][type] ?? `type${type}`)}`;
}

export function activeSafetyAlarms(extras: object | undefined, report: LocationLike, device: Device, makePosition: (loc: LocationLike) => Position): Alarm[] {
  if (!extras) return [];
  const out: Alarm[] = [];
  for (const source of ACTIVE_SAFETY_SOURCES) {
    // the codec's layouts (decoders/bodies/location-items.ts); TPMS has no alarm type
    const item = (extras as LocationExtras)[source];
    if (!item) continue;
    const position = makePosition({ ...report, lat: item.lat, lng: item.lng, speed: item.speed, altitude: item.altitude, time: item.time, extras: {} });
    const type = 'type' in item ? item.type : null;
    out.push({
      terminal: device.terminal,
      category: device.category,
      org: device.org,
      source,
      alarm: activeSafetyName(source, type),
      bit: null,
      type,
      state: STATE[item.flag] ?? 'event',
      time: item.time,
      position,
    });
  }
  return out;
}
