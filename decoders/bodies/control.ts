/**
 * Control family: position query, temporary tracking, manual alarm confirmation and
 * vehicle control (platform -> terminal). The answers 0x0201 and 0x0500 carry a location
 * and live in location.ts.
 *
 *   0x8201 position query            empty (2013 §8.19)
 *   0x8202 temporary tracking        intervalS WORD (0 stops tracking), validityS DWORD
 *   0x8203 manual alarm confirmation alarmSerial WORD (0 = every message of that type),
 *                                    alarmType DWORD (alarm bits to clear, 2013 table 54)
 *   0x8500 vehicle control  2013     flag BYTE: bit 0 = 1 lock doors, 0 unlock; 1-7 reserved
 *                           2019     count WORD, then count x {id WORD, params}: the
 *                                    params' length depends on the id (2019 table 77)
 *
 * Decisions:
 * - 2019 0x8500 items carry no length, so only ids whose parameter size the standard gives
 *   can be walked past. The standard defines 0x0001 (door: BYTE 0 lock, 1 open); 0x0002-
 *   0x8000 are reserved and 0xF001-0xFFFF vendor-defined. An item with any other id takes
 *   the rest of the body as `raw` and ends the list (toggery's B8500Codec stops there too;
 *   SmallChi maps vendor ids to registered formatters instead). A vendor id in the middle
 *   of the list therefore swallows the items after it, and re-encoding writes a smaller
 *   count: the honest reading of bytes we cannot delimit.
 * - 2011 has the same 0x8500 layout as 2013.
 * - 0x8500 across editions: a body written for the other edition is translated, since both
 *   say the same about the doors (2013 flag bit 0: 1 lock, 0 unlock; 2019 id 0x0001: 0 lock,
 *   1 open): `flag` to a 2019 terminal is controls [{ id: 1, value }], controls with a door
 *   item to a 2013 terminal is its flag. Anything else needs the edition's own field.
 */
import { fail } from '../errors.js';
import { described, struct, u16, u32, u8 } from '../fields.js';
import type { Reader } from '../reader.js';
import { defineBody, emptyBody } from '../registry.js';
import type { BodyCodec } from '../registry.js';
import type { Writer } from '../writer.js';

export interface TemporaryTracking {
  /** Seconds between reports; 0 stops temporary tracking. */
  intervalS: number;
  /** Seconds the tracking lasts. */
  validityS: number;
}

export interface ManualAlarmConfirmation {
  /** Serial of the alarm message to confirm; 0 confirms every alarm of `alarmType`. */
  alarmSerial: number;
  /** Alarm bits (0x0200 alarm word) to confirm. */
  alarmType: number;
}

/** One 2019 control item: a known id with its value, or an undelimitable vendor id. */
export type VehicleControlItem = { id: number; value: number } | { id: number; raw: Buffer };

/** 2013 carries `flag`; 2019 carries `controls`. */
export type VehicleControl = { flag: number } | { controls: VehicleControlItem[] };

declare module '../message.js' {
  interface BodyMap {
    0x8201: Record<string, never>;
    0x8202: TemporaryTracking;
    0x8203: ManualAlarmConfirmation;
    0x8500: VehicleControl;
  }
}

/** 2019 control ids whose parameter is one BYTE (the only kind the standard defines). */
export const CONTROL_BYTE_PARAMS: ReadonlySet<number> = new Set([0x0001]);
export const CONTROL_DOOR = 0x0001;

function readControls(r: Reader): VehicleControlItem[] {
  const n = r.u16('control count');
  const out: VehicleControlItem[] = [];
  for (let i = 0; i < n; i++) {
    const id = r.u16('control id');
    if (!CONTROL_BYTE_PARAMS.has(id)) {
      // no length on the wire: the rest is this item's (and any later item's) bytes
      out.push({ id, raw: Buffer.from(r.rest()) });
      break;
    }
    out.push({ id, value: r.u8('control parameter') });
  }
  return out;
}

function writeControls(w: Writer, items: VehicleControlItem[]): void {
  w.u16(items.length, 'control count');
  items.forEach((item, i) => {
    w.u16(item.id, 'control id');
    if ('raw' in item) {
      if (i !== items.length - 1) fail('encode', `control 0x${item.id.toString(16)} has raw parameters: only the last item may`);
      w.bytes(item.raw);
    } else {
      if (!CONTROL_BYTE_PARAMS.has(item.id)) fail('encode', `control 0x${item.id.toString(16)} has no known parameter size: give raw`);
      w.u8(item.value, 'control parameter');
    }
  });
}

/** The door's 2019 control value for a 2013 flag, and back (see Decisions). */
const doorOfFlag = (flag: number): number => ((flag & 1) === 1 ? 0 : 1);
const flagOfDoor = (value: number): number => (value === 0 ? 1 : 0);

const vehicleControl: BodyCodec<VehicleControl> = {
  msgId: 0x8500,
  name: 'vehicleControl',
  direction: 'down',
  decode: (r, ctx) => (ctx.version === '2019' ? { controls: readControls(r) } : { flag: r.u8('control flag') }),
  encode(w, body, ctx) {
    if (ctx.version === '2019') {
      if ('controls' in body) return writeControls(w, body.controls);
      if ('flag' in body && typeof body.flag === 'number') return writeControls(w, [{ id: CONTROL_DOOR, value: doorOfFlag(body.flag) }]);
      fail('encode', 'controls: required (2019), or flag');
    } else {
      if ('flag' in body) return void w.u8(body.flag, 'flag');
      const door = 'controls' in body && Array.isArray(body.controls) ? body.controls.find((c) => c.id === CONTROL_DOOR && 'value' in c) : undefined;
      if (door && 'value' in door) return void w.u8(flagOfDoor(door.value), 'flag');
      fail('encode', 'flag: required (2011/2013), or controls with the door (id 1)');
    }
  },
  schema: {
    type: 'object',
    additionalProperties: false,
    description: 'one of flag (2011/2013) and controls (2019); either is translated for the other edition when it is about the doors',
    properties: {
      flag: described(u8, '2011/2013: bit 0 = 1 lock the doors, 0 unlock; bits 1-7 reserved').schema,
      controls: {
        type: 'array',
        maxItems: 0xffff,
        description: '2019: control items; id 1 is the door (value 0 lock, 1 open), 0xF001-0xFFFF vendor-defined',
        items: { type: 'object', additionalProperties: false, required: ['id', 'value'], properties: { id: u16.schema, value: u8.schema } },
      },
    },
    minProperties: 1,
    maxProperties: 1,
  },
};

export const control = [
  emptyBody(0x8201, 'positionQuery', 'down'),
  defineBody(0x8202, 'temporaryTracking', 'down', struct({ intervalS: described(u16, 'seconds between reports; 0 stops temporary tracking'), validityS: described(u32, 'seconds the tracking lasts') })),
  defineBody(
    0x8203,
    'manualAlarmConfirmation',
    'down',
    struct({ alarmSerial: described(u16, 'serial of the alarm message to confirm; 0 = every alarm of alarmType'), alarmType: described(u32, 'the alarm bits to confirm (0x0200 alarm word)') }),
  ),
  vehicleControl,
];
