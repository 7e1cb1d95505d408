/**
 * Terminal parameters and terminal control (JT/T 808-2013 §8.8-8.11, 2019 §8.10-8.13).
 *
 *   0x8103 set parameters            count BYTE, items { id DWORD, len BYTE, value BYTE[len] } x count
 *   0x8104 query all parameters      empty
 *   0x8106 query given parameters    count BYTE, ids DWORD x count
 *   0x0104 query parameters answer   ackSerial WORD, count BYTE, items as 0x8103
 *   0x8105 terminal control          command BYTE, params STRING (';'-separated, optional)
 *
 * Items are decoded through the one table in parameter-table.ts: a known numeric ID whose
 * `len` is its type's size gives a number, a STRING ID gives text, and everything else
 * (BYTES IDs, reserved or vendor IDs such as the Su-biao 0xF364..., a numeric ID sent
 * with an unexpected length) gives the raw value bytes as a Buffer, so no item is lost
 * and every item survives decode -> encode byte for byte. Unknown IDs carry no `name`.
 * The encoder ignores `name` and picks the wire form from the value: Buffer -> raw bytes,
 * string -> GBK, number -> the table's numeric type (a number for an ID the table does
 * not type is an 'encode' error).
 *
 * 0x8105 parameters: the 2013 text lists TCP/UDP port and the connect time limit as WORD
 * inside the ';'-separated list, but terminals and platforms in the field write them as
 * decimal text; every parameter is read as text, split on ';' (empty fields kept, so
 * positions stay meaningful: command 1 = URL;APN;user;password;address;TCP;UDP;makerId;
 * hardware;firmware;timeout, command 2 = control;authCode;APN;user;password;address;TCP;UDP;
 * timeout). An absent or empty string gives no `params` key.
 */
import { fail } from '../errors.js';
import { emptyBody, defineBody } from '../registry.js';
import { described, list, struct, u16, u32, u8 } from '../fields.js';
import type { Field } from '../fields.js';
import { encodeGbk } from '../gbk.js';
import { NUMERIC_SIZE, paramDef } from './parameter-table.js';

export interface TerminalParam {
  id: number;
  /** From the parameter table; absent for IDs the table does not know. */
  name?: string;
  value: number | string | Buffer;
}

export interface SetParams {
  params: TerminalParam[];
}

export interface QueryParams {
  ids: number[];
}

export interface ParamsAnswer {
  ackSerial: number;
  params: TerminalParam[];
}

export interface TerminalControl {
  command: number;
  params?: string[];
}

declare module '../message.js' {
  interface BodyMap {
    0x8103: SetParams;
    0x8104: Record<string, never>;
    0x8106: QueryParams;
    0x0104: ParamsAnswer;
    0x8105: TerminalControl;
  }
}

/** 0x8105 command words (2013 table 13). */
export const TERMINAL_COMMAND = {
  wirelessUpgrade: 1,
  connectToServer: 2,
  powerOff: 3,
  reset: 4,
  factoryReset: 5,
  closeDataLink: 6,
  closeAllWireless: 7,
} as const;

const hex8 = (id: number) => `0x${id.toString(16).padStart(4, '0')}`;

export const paramItem: Field<TerminalParam> = {
  read(r) {
    const id = r.u32('parameter id');
    const len = r.u8('parameter length');
    const def = paramDef(id);
    let value: TerminalParam['value'];
    if (def?.type === 'STRING') value = r.gbk(len, `parameter ${hex8(id)}`);
    else if (def && NUMERIC_SIZE[def.type] === len) {
      value = len === 1 ? r.u8() : len === 2 ? r.u16() : r.u32();
    } else value = Buffer.from(r.bytes(len, `parameter ${hex8(id)}`));
    return def ? { id, name: def.name, value } : { id, value };
  },
  write(w, p) {
    w.u32(p.id, 'parameter id');
    const what = `parameter ${hex8(p.id)}`;
    const v = p.value;
    if (Buffer.isBuffer(v)) {
      w.u8(v.length, `${what} length`).bytes(v);
      return;
    }
    const def = paramDef(p.id);
    const size = def ? NUMERIC_SIZE[def.type] : undefined;
    if (typeof v === 'string') {
      if (size !== undefined) fail('encode', `${what} is ${def!.type}, got a string`);
      const b = encodeGbk(v);
      w.u8(b.length, `${what} length`).bytes(b);
      return;
    }
    if (size === undefined) fail('encode', `${what}: a number needs a BYTE/WORD/DWORD parameter, give a Buffer for this ID`);
    w.u8(size);
    if (size === 1) w.u8(v, what);
    else if (size === 2) w.u16(v, what);
    else w.u32(v, what);
  },
};

const paramItemSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'value'],
  properties: {
    id: { ...u32.schema, description: 'parameter ID (2013 table 12, 2019 table 14)' },
    name: { type: 'string', description: 'as a 0x0104 answer names it; not sent' },
    value: { anyOf: [u32.schema, { type: 'string' }], description: "a number for a BYTE/WORD/DWORD parameter (its size from the table), a string for a STRING one" },
  },
};

const paramList: Field<TerminalParam[]> = { ...list(u8, paramItem), schema: { type: 'array', maxItems: 0xff, items: paramItemSchema } };

/** The ';'-separated 0x8105 parameters, absent when the body ends after the command. */
const controlParams: Field<string[] | undefined> = {
  read(r) {
    const text = r.gbkRest();
    return text === '' ? undefined : text.split(';');
  },
  write(w, v) {
    if (v !== undefined) w.gbkRest(v.join(';'));
  },
  optional: true,
  schema: { type: 'array', items: { type: 'string' }, description: "the command's parameters (1 wireless upgrade, 2 connect to a server), sent ';'-separated" },
};

export const parameters = [
  defineBody<SetParams>(0x8103, 'setParameters', 'down', struct({ params: paramList })),
  emptyBody(0x8104, 'queryAllParameters', 'down'),
  defineBody<QueryParams>(0x8106, 'queryParameters', 'down', struct({ ids: described(list(u8, u32), 'the parameter IDs to read') })),
  defineBody<ParamsAnswer>(0x0104, 'parametersAnswer', 'up', struct({ ackSerial: u16, params: paramList })),
  defineBody<TerminalControl>(
    0x8105,
    'terminalControl',
    'down',
    struct({ command: described(u8, '1 wireless upgrade, 2 connect to a server, 3 power off, 4 reset, 5 factory reset, 6 close the data link, 7 close all wireless links'), params: controlParams }),
  ),
];
