/**
 * T/JSATL12-2017 (Su-biao active safety): the alarm items it adds to 0x0200 (§4.4, placed in
 * the table of location-items.ts) and the attachment flow that fetches their files
 * (§4.5-4.6).
 *
 *   0x0200 items (value layouts; each item is id BYTE, length BYTE, value)
 *   0x64 ADAS   alarmId DWORD, flag BYTE (0 n/a, 1 start, 2 end), type BYTE, level BYTE,
 *               frontSpeed BYTE, distance BYTE, departureType BYTE, roadSignType BYTE,
 *               roadSignData BYTE, tail, alarm identifier
 *   0x65 DSM    alarmId DWORD, flag BYTE, type BYTE, level BYTE, fatigueLevel BYTE,
 *               reserved BYTE[4], tail, alarm identifier
 *   0x66 TPMS   alarmId DWORD, flag BYTE, tail, alarm identifier, count BYTE,
 *               count x {position BYTE, type WORD, pressure WORD, temperature WORD, battery WORD}
 *   0x67 BSD    alarmId DWORD, flag BYTE, type BYTE, tail, alarm identifier
 *   tail        speed BYTE, altitude WORD, lat DWORD, lng DWORD, time BCD[6], vehicle status WORD
 *
 *   0x9208 attachment upload command  ipLen BYTE, ip STRING, tcpPort WORD, udpPort WORD,
 *                                     alarm identifier BYTE[16], alarmNo BYTE[32],
 *                                     reserved BYTE[16]
 *   0x1210 attachment list            terminalId BYTE[7], alarm identifier BYTE[16],
 *                                     alarmNo BYTE[32], infoType BYTE (0 normal, 1 re-sent),
 *                                     count BYTE, count x {nameLen BYTE, name STRING, size DWORD}
 *   0x1211 file info                  nameLen BYTE, name STRING, fileType BYTE (0 picture,
 *                                     1 audio, 2 video, 3 text, 4 other), size DWORD
 *   0x1212 file upload complete       same layout as 0x1211
 *   0x9212 file upload complete answer nameLen BYTE, name STRING, fileType BYTE, result BYTE
 *                                     (0 done, 1 resend), count BYTE, count x {offset DWORD,
 *                                     length DWORD}
 *
 *   alarm identifier (16 bytes): terminalId BYTE[7], time BCD[6] (GMT+8), seq BYTE,
 *   attachments BYTE, reserved BYTE
 *
 * Decisions:
 * - Inside 0x0200 items the alarm identifier is 16 bytes (7-byte terminal ID) in T/JSATL12
 *   and 40 bytes (30-byte ID) in the Guangdong/2019 variant, told apart by the item's length
 *   (TPMS: by what remains after the event list).
 * - The attachment messages always carry the 16-byte identifier (7-byte terminal ID) of T/JSATL12;
 *   the 40-byte Guangdong variant is only told apart inside 0x0200 items (by item length).
 * - Terminal IDs, alarm numbers and file names are text (GBK, NUL/space padding trimmed);
 *   the 0x9208 reserved bytes stay raw.
 */
import type { Field } from '../fields.js';
import { bytes, gbk, gbk8, list, struct, u16, u32, u8 } from '../fields.js';
import { Reader } from '../reader.js';
import { defineBody } from '../registry.js';
import type { Writer } from '../writer.js';

export interface SuBiaoAlarmIdentifier {
  terminalId: string;
  time: string | null;
  seq: number;
  attachments: number;
  reserved: number;
}

interface SuBiaoCommon {
  alarmId: number;
  /** 0 n/a, 1 start, 2 end */
  flag: number;
  speed: number;
  altitude: number;
  lat: number;
  lng: number;
  time: string | null;
  vehicleStatus: number;
  identifier: SuBiaoAlarmIdentifier;
}

export interface AdasAlarm extends SuBiaoCommon {
  type: number;
  level: number;
  frontSpeed: number;
  distance: number;
  departureType: number;
  roadSignType: number;
  roadSignData: number;
}

export interface DsmAlarm extends SuBiaoCommon {
  type: number;
  level: number;
  fatigueLevel: number;
  reserved: Buffer;
}

export interface TpmsEvent {
  position: number;
  type: number;
  pressure: number;
  temperature: number;
  battery: number;
}

export interface TpmsAlarm extends SuBiaoCommon {
  events: TpmsEvent[];
}

export interface BsdAlarm extends SuBiaoCommon {
  type: number;
}

// ---------------------------------------------------------------- the alarm identifier, one layout

/**
 * terminalId BYTE[idLength], time BCD[6] (GMT+8), seq BYTE, attachments BYTE, reserved BYTE:
 * with T/JSATL12's 7-byte terminal ID (16 bytes) or the Guangdong/2019 variant's 30.
 */
function alarmIdentifier(idLength: 7 | 30): Field<SuBiaoAlarmIdentifier> {
  return {
    read: (r) => ({ terminalId: r.gbk(idLength, 'alarm identifier terminal ID'), time: r.timeIso('alarm identifier time'), seq: r.u8(), attachments: r.u8(), reserved: r.u8() }),
    write: (w, v) => void w.gbk(v.terminalId, idLength, 'alarm identifier terminal ID').timeIso(v.time).u8(v.seq).u8(v.attachments).u8(v.reserved),
  };
}

/** The 16-byte identifier (7-byte terminal ID): T/JSATL12, and always in the attachment messages. */
export const alarmIdentifier16 = alarmIdentifier(7);
const alarmIdentifier30 = alarmIdentifier(30);

/** Inside a 0x0200 item the width is told by what the item leaves for it (read) or by the ID (write). */
const identifier: Field<SuBiaoAlarmIdentifier> = {
  read: (r, ctx, parent) => (r.remaining >= 40 ? alarmIdentifier30 : alarmIdentifier16).read(r, ctx, parent),
  write: (w, v, ctx, parent) => (Buffer.byteLength(v.terminalId, 'latin1') > 7 ? alarmIdentifier30 : alarmIdentifier16).write(w, v, ctx, parent),
};

// ---------------------------------------------------------------- 0x0200 alarm items

/** speed BYTE, altitude WORD, lat DWORD, lng DWORD, time BCD[6], vehicle status WORD */
function readTail(r: Reader) {
  return { speed: r.u8(), altitude: r.u16(), lat: r.u32() / 1e6, lng: r.u32() / 1e6, time: r.timeIso(), vehicleStatus: r.u16() };
}
function writeTail(w: Writer, v: SuBiaoCommon): void {
  w.u8(v.speed).u16(v.altitude).u32(Math.round(v.lat * 1e6)).u32(Math.round(v.lng * 1e6)).timeIso(v.time).u16(v.vehicleStatus);
}

export const adas: Field<AdasAlarm> = {
  read(r) {
    const alarmId = r.u32();
    const flag = r.u8();
    const type = r.u8();
    const level = r.u8();
    const frontSpeed = r.u8();
    const distance = r.u8();
    const departureType = r.u8();
    const roadSignType = r.u8();
    const roadSignData = r.u8();
    const tail = readTail(r);
    return { alarmId, flag, type, level, frontSpeed, distance, departureType, roadSignType, roadSignData, ...tail, identifier: identifier.read(r, undefined as never, {}) };
  },
  write(w, v) {
    w.u32(v.alarmId).u8(v.flag).u8(v.type).u8(v.level).u8(v.frontSpeed).u8(v.distance).u8(v.departureType).u8(v.roadSignType).u8(v.roadSignData);
    writeTail(w, v);
    identifier.write(w, v.identifier, undefined as never, {});
  },
};

export const dsm: Field<DsmAlarm> = {
  read(r) {
    const alarmId = r.u32();
    const flag = r.u8();
    const type = r.u8();
    const level = r.u8();
    const fatigueLevel = r.u8();
    const reserved = Buffer.from(r.bytes(4));
    const tail = readTail(r);
    return { alarmId, flag, type, level, fatigueLevel, reserved, ...tail, identifier: identifier.read(r, undefined as never, {}) };
  },
  write(w, v) {
    w.u32(v.alarmId).u8(v.flag).u8(v.type).u8(v.level).u8(v.fatigueLevel).fixed(v.reserved, 4);
    writeTail(w, v);
    identifier.write(w, v.identifier, undefined as never, {});
  },
};

export const tpms: Field<TpmsAlarm> = {
  read(r) {
    const alarmId = r.u32();
    const flag = r.u8();
    const tail = readTail(r);
    // the identifier's width is known only from what remains after the event list, so
    // read the count first from the end: identifier = remaining - 1 - 9 * count
    const rest = r.remaining;
    const id7 = 16;
    const id30 = 40;
    let idLength = id7;
    const countAt7 = r.buf[r.pos + id7];
    if (countAt7 === undefined || rest !== id7 + 1 + 9 * countAt7) idLength = id30;
    const idReader = new Reader(r.buf, r.pos, r.pos + idLength);
    r.need(idLength, 'alarm identifier');
    const ident = identifier.read(idReader, undefined as never, {});
    const events: TpmsEvent[] = [];
    const n = r.u8('TPMS event count');
    for (let i = 0; i < n; i++) events.push({ position: r.u8(), type: r.u16(), pressure: r.u16(), temperature: r.u16(), battery: r.u16() });
    return { alarmId, flag, ...tail, identifier: ident, events };
  },
  write(w, v) {
    w.u32(v.alarmId).u8(v.flag);
    writeTail(w, v);
    identifier.write(w, v.identifier, undefined as never, {});
    w.u8(v.events.length);
    for (const e of v.events) w.u8(e.position).u16(e.type).u16(e.pressure).u16(e.temperature).u16(e.battery);
  },
};

export const bsd: Field<BsdAlarm> = {
  read(r) {
    const alarmId = r.u32();
    const flag = r.u8();
    const type = r.u8();
    const tail = readTail(r);
    return { alarmId, flag, type, ...tail, identifier: identifier.read(r, undefined as never, {}) };
  },
  write(w, v) {
    w.u32(v.alarmId).u8(v.flag).u8(v.type);
    writeTail(w, v);
    identifier.write(w, v.identifier, undefined as never, {});
  },
};

// ---------------------------------------------------------------- attachment messages


export interface AttachmentUploadCommand {
  ip: string;
  tcpPort: number;
  udpPort: number;
  identifier: SuBiaoAlarmIdentifier;
  alarmNo: string;
  reserved: Buffer;
}

export interface AttachmentFile {
  name: string;
  size: number;
}

export interface AttachmentList {
  terminalId: string;
  identifier: SuBiaoAlarmIdentifier;
  alarmNo: string;
  /** 0 normal, 1 list sent again (resend) */
  infoType: number;
  files: AttachmentFile[];
}

export interface AttachmentFileInfo {
  name: string;
  fileType: number;
  size: number;
}

export interface ResendRange {
  offset: number;
  length: number;
}

export interface AttachmentUploadAnswer {
  name: string;
  fileType: number;
  /** 0 complete, 1 resend the listed ranges */
  result: number;
  resend: ResendRange[];
}

declare module '../message.js' {
  interface BodyMap {
    0x9208: AttachmentUploadCommand;
    0x1210: AttachmentList;
    0x1211: AttachmentFileInfo;
    0x1212: AttachmentFileInfo;
    0x9212: AttachmentUploadAnswer;
  }
}

const fileInfo: Field<AttachmentFileInfo> = struct({ name: gbk8, fileType: u8, size: u32 });

export const jsatl12 = [
  defineBody(
    0x9208,
    'attachmentUploadCommand',
    'down',
    struct({ ip: gbk8, tcpPort: u16, udpPort: u16, identifier: alarmIdentifier16, alarmNo: gbk(32), reserved: bytes(16) }),
  ),
  defineBody(
    0x1210,
    'attachmentList',
    'up',
    struct({
      terminalId: gbk(7),
      identifier: alarmIdentifier16,
      alarmNo: gbk(32),
      infoType: u8,
      files: list(u8, struct({ name: gbk8, size: u32 })),
    }),
  ),
  defineBody(0x1211, 'attachmentFileInfo', 'up', fileInfo),
  defineBody(0x1212, 'attachmentFileDone', 'up', fileInfo),
  defineBody(
    0x9212,
    'attachmentUploadAnswer',
    'down',
    struct({ name: gbk8, fileType: u8, result: u8, resend: list(u8, struct({ offset: u32, length: u32 })) }),
  ),
];
