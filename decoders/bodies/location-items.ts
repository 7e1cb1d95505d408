/**
 * 0x0200 additional information items (JT/T 808-2013 table 27, 2019 additions, JT/T 1078
 * table 13, T/JSATL12 §4.4), described once: id -> name + Field. The 0x0200 decoder and
 * encoder both walk this table (mqtt-packet's propertiesTypes pattern).
 *
 * Wire form of each item: id BYTE, length BYTE, value[length]. Decisions:
 * - Bytes after the basic block that do not tile into items (an item header or value runs past
 *   the body) are not items: some terminals send a fixed vendor block there instead (Traccar's
 *   HuabaoProtocolDecoder reads one 18-byte layout by length alone). No item is read from them;
 *   they are kept as sent in `extras.vendorBlock` and the frame decodes (the basic block is
 *   unambiguous). Which vendor's block it is, the length does not tell, so it is not parsed.
 * - A known item whose declared length does not fit its layout is kept raw under
 *   `extras.unknown` (a vendor's variant loses nothing and does not fail the frame).
 * - 0x07 (satellite status, 2019) is kept as raw bytes: the public layouts disagree.
 * - The Su-biao alarm items 0x64-0x67 (ADAS, DSM, TPMS, BSD) are laid out with the rest of
 *   T/JSATL12 in jsatl12.ts; this table only places them.
 */
import { fail } from '../errors.js';
import type { Field } from '../fields.js';
import { Reader } from '../reader.js';
import { adas, bsd, dsm, tpms } from './jsatl12.js';
import type { AdasAlarm, BsdAlarm, DsmAlarm, TpmsAlarm } from './jsatl12.js';

export interface LocationExtras {
  mileageKm?: number; // 0x01 DWORD 1/10 km
  fuelL?: number; // 0x02 WORD 1/10 L
  recorderSpeedKmh?: number; // 0x03 WORD 1/10 km/h
  alarmEventId?: number; // 0x04 WORD
  tirePressure?: number[]; // 0x05 BYTE[30]
  carriageTempC?: number; // 0x06 signed WORD
  satelliteStatus?: Buffer; // 0x07 raw
  overspeed?: { locationType: number; areaId?: number }; // 0x11
  areaAlarm?: { locationType: number; areaId: number; direction: number }; // 0x12
  routeTimeAlarm?: { routeId: number; driveTimeS: number; result: number }; // 0x13
  videoAlarms?: number; // 0x14 DWORD
  videoSignalLoss?: number; // 0x15 DWORD, bit n = channel n+1
  videoOcclusion?: number; // 0x16 DWORD
  storageFault?: number; // 0x17 WORD
  abnormalDriving?: { type: number; fatigueLevel?: number }; // 0x18
  vehicleSignals?: number; // 0x25 DWORD
  ioStatus?: number; // 0x2A WORD
  analog?: { ad0: number; ad1: number }; // 0x2B DWORD: AD0 bits 0-15 (second WORD), AD1 bits 16-31
  rssi?: number; // 0x30 BYTE
  satellites?: number; // 0x31 BYTE
  adas?: AdasAlarm; // 0x64
  dsm?: DsmAlarm; // 0x65
  tpms?: TpmsAlarm; // 0x66
  bsd?: BsdAlarm; // 0x67
  /** Items without a layout here (vendor 0xE1-0xFF, reserved IDs), keyed "0xNN", value bytes. */
  unknown?: Record<string, Buffer>;
  /** The bytes after the basic block when they are not additional items (a vendor's fixed block), as sent; alone. */
  vendorBlock?: Buffer;
}

/** Item fields are read from a Reader bounded to the item's declared length. */
interface Item<T> {
  id: number;
  key: keyof LocationExtras;
  field: Field<T>;
}

const scaled = (width: 2 | 4, scale: number): Field<number> => ({
  read: (r) => (width === 2 ? r.u16() : r.u32()) / scale,
  write: (w, v) => void (width === 2 ? w.u16(Math.round(v * scale)) : w.u32(Math.round(v * scale))),
});
const u8f: Field<number> = { read: (r) => r.u8(), write: (w, v) => void w.u8(v) };
const u16f: Field<number> = { read: (r) => r.u16(), write: (w, v) => void w.u16(v) };
const u32f: Field<number> = { read: (r) => r.u32(), write: (w, v) => void w.u32(v) };

/* eslint-disable @typescript-eslint/no-explicit-any */
const ITEMS: Item<any>[] = [
  { id: 0x01, key: 'mileageKm', field: scaled(4, 10) },
  { id: 0x02, key: 'fuelL', field: scaled(2, 10) },
  { id: 0x03, key: 'recorderSpeedKmh', field: scaled(2, 10) },
  { id: 0x04, key: 'alarmEventId', field: u16f },
  {
    id: 0x05,
    key: 'tirePressure',
    field: { read: (r) => [...r.bytes(30)], write: (w, v: number[]) => void w.fixed(Buffer.from(v), 30) } as Field<number[]>,
  },
  { id: 0x06, key: 'carriageTempC', field: { read: (r) => r.i16(), write: (w, v) => void w.i16(v) } as Field<number> },
  { id: 0x07, key: 'satelliteStatus', field: { read: (r) => Buffer.from(r.rest()), write: (w, v) => void w.bytes(v) } as Field<Buffer> },
  {
    id: 0x11,
    key: 'overspeed',
    field: {
      read: (r) => {
        const locationType = r.u8();
        return locationType === 0 ? { locationType } : { locationType, areaId: r.u32() };
      },
      write: (w, v) => {
        w.u8(v.locationType);
        if (v.locationType !== 0) w.u32(v.areaId ?? 0);
      },
    } as Field<{ locationType: number; areaId?: number }>,
  },
  {
    id: 0x12,
    key: 'areaAlarm',
    field: {
      read: (r) => ({ locationType: r.u8(), areaId: r.u32(), direction: r.u8() }),
      write: (w, v) => void w.u8(v.locationType).u32(v.areaId).u8(v.direction),
    } as Field<{ locationType: number; areaId: number; direction: number }>,
  },
  {
    id: 0x13,
    key: 'routeTimeAlarm',
    field: {
      read: (r) => ({ routeId: r.u32(), driveTimeS: r.u16(), result: r.u8() }),
      write: (w, v) => void w.u32(v.routeId).u16(v.driveTimeS).u8(v.result),
    } as Field<{ routeId: number; driveTimeS: number; result: number }>,
  },
  { id: 0x14, key: 'videoAlarms', field: u32f },
  { id: 0x15, key: 'videoSignalLoss', field: u32f },
  { id: 0x16, key: 'videoOcclusion', field: u32f },
  { id: 0x17, key: 'storageFault', field: u16f },
  {
    // JT/T 1078 table 13 declares length 2, table 15 describes 3 bytes: read by length
    id: 0x18,
    key: 'abnormalDriving',
    field: {
      read: (r) => {
        const type = r.u16();
        return r.remaining > 0 ? { type, fatigueLevel: r.u8() } : { type };
      },
      write: (w, v) => {
        w.u16(v.type);
        if (v.fatigueLevel !== undefined) w.u8(v.fatigueLevel);
      },
    } as Field<{ type: number; fatigueLevel?: number }>,
  },
  { id: 0x25, key: 'vehicleSignals', field: u32f },
  { id: 0x2a, key: 'ioStatus', field: u16f },
  {
    // a DWORD whose bits 0-15 are AD0 and bits 16-31 AD1 (2013 table 27): AD1 is the first WORD
    // on the wire, AD0 the second (EMQX's emqx_jt808_frame.erl reads <<AD1:WORD, AD0:WORD>> too)
    id: 0x2b,
    key: 'analog',
    field: {
      read: (r) => {
        const ad1 = r.u16();
        return { ad0: r.u16(), ad1 };
      },
      write: (w, v) => void w.u16(v.ad1).u16(v.ad0),
    } as Field<{ ad0: number; ad1: number }>,
  },
  { id: 0x30, key: 'rssi', field: u8f },
  { id: 0x31, key: 'satellites', field: u8f },
  { id: 0x64, key: 'adas', field: adas },
  { id: 0x65, key: 'dsm', field: dsm },
  { id: 0x66, key: 'tpms', field: tpms },
  { id: 0x67, key: 'bsd', field: bsd },
];
/* eslint-enable @typescript-eslint/no-explicit-any */

const BY_ID: (Item<unknown> | undefined)[] = new Array(256);
for (const item of ITEMS) BY_ID[item.id] = item as Item<unknown>;

const itemKey = (id: number): string => `0x${id.toString(16).padStart(2, '0')}`;
const NO_CTX = { version: '2013', msgId: 0x0200 } as const;

/** One cursor reused for every item (items never nest into readItems). */
const sub = new Reader(Buffer.alloc(0));

/** The bytes from `from` to the end, which are not items: kept whole, nothing read from them. */
function vendorBlock(r: Reader, from: number): LocationExtras {
  const end = r.end;
  r.pos = end;
  return { vendorBlock: Buffer.from(r.buf.subarray(from, end)) };
}

/** Reads items from r.pos to r.end into a fresh extras object (or keeps them as a vendor block). */
export function readItems(r: Reader): LocationExtras {
  const extras: Record<string, unknown> = {};
  const buf = r.buf;
  const from = r.pos;
  let pos = from;
  const end = r.end;
  while (pos < end) {
    // an item header or value past the body: these bytes were never items
    if (pos + 2 > end) return vendorBlock(r, from);
    const id = buf[pos]!;
    const len = buf[pos + 1]!;
    const start = pos + 2;
    pos = start + len;
    if (pos > end) return vendorBlock(r, from);
    // the items every terminal sends, read in place (one switch instead of a field call)
    switch (id) {
      case 0x01:
        if (len === 4) {
          extras.mileageKm = (buf[start]! * 0x1000000 + ((buf[start + 1]! << 16) | (buf[start + 2]! << 8) | buf[start + 3]!)) / 10;
          continue;
        }
        break;
      case 0x02:
        if (len === 2) {
          extras.fuelL = ((buf[start]! << 8) | buf[start + 1]!) / 10;
          continue;
        }
        break;
      case 0x03:
        if (len === 2) {
          extras.recorderSpeedKmh = ((buf[start]! << 8) | buf[start + 1]!) / 10;
          continue;
        }
        break;
      case 0x2a:
        if (len === 2) {
          extras.ioStatus = (buf[start]! << 8) | buf[start + 1]!;
          continue;
        }
        break;
      case 0x30:
        if (len === 1) {
          extras.rssi = buf[start]!;
          continue;
        }
        break;
      case 0x31:
        if (len === 1) {
          extras.satellites = buf[start]!;
          continue;
        }
        break;
    }
    const item = BY_ID[id];
    if (item) {
      sub.buf = buf;
      sub.pos = start;
      sub.end = pos;
      try {
        const v = item.field.read(sub, NO_CTX, extras);
        if (sub.pos === sub.end) {
          extras[item.key] = v;
          continue;
        }
      } catch {
        // declared length does not fit the layout: keep the bytes (below)
      }
    }
    const unknown = (extras.unknown ??= {}) as Record<string, Buffer>;
    unknown[itemKey(id)] = Buffer.from(buf.subarray(start, pos));
  }
  r.pos = pos;
  return extras as LocationExtras;
}

const BY_KEY = new Map<string, Item<unknown>>(ITEMS.map((item) => [item.key, item as Item<unknown>]));

/** Items in the order the extras object holds them (decode -> encode keeps the wire order). */
export function writeItems(w: import('../writer.js').Writer, extras: LocationExtras): void {
  const e = extras as Record<string, unknown>;
  for (const key in e) {
    const v = e[key];
    if (v === undefined || key === 'vendorBlock') continue;
    if (key === 'unknown') {
      for (const [hexId, bytes] of Object.entries(v as Record<string, Buffer>)) {
        const id = Number(hexId);
        if (!Number.isInteger(id) || id < 0 || id > 0xff) fail('encode', `unknown item key "${hexId}" is not 0x00..0xff`);
        w.u8(id).u8(bytes.length).bytes(bytes);
      }
      continue;
    }
    const item = BY_KEY.get(key);
    if (!item) fail('encode', `extras.${key} is not an additional item (unknown items go under extras.unknown)`);
    w.u8(item.id);
    const at = w.reserve(1);
    const before = w.length;
    item.field.write(w, v, NO_CTX, e);
    const len = w.length - before;
    if (len > 0xff) fail('encode', `additional item ${item.key} is ${len} bytes`);
    w.setU8(at, len);
  }
  // after any items (a decoded vendor block comes alone)
  if (extras.vendorBlock !== undefined) {
    if (!Buffer.isBuffer(extras.vendorBlock)) fail('encode', 'extras.vendorBlock must be bytes');
    w.bytes(extras.vendorBlock);
  }
}

export { ITEMS as ADDITIONAL_ITEMS };
