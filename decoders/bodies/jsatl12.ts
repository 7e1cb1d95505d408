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
 *   alarm identifier: terminalId, time BCD[6] (GMT+8), seq BYTE, attachments BYTE, reserved
 *     T/JSATL12 (Jiangsu)   16 bytes: terminalId BYTE[7],  reserved BYTE
 *     Guangdong             40 bytes: terminalId BYTE[30], reserved BYTE[2] (read as a WORD)
 *     Heilongjiang          38 bytes: terminalId BYTE[30], no reserved byte
 *   0x1210 by region: Jiangsu terminalId BYTE[7] + identifier[16]; Guangdong terminalId BYTE[30]
 *   + identifier[40]; Heilongjiang no terminalId, identifier[38]; the rest as above.
 *   (cuteLittleDevil/go-jt808 protocol/model/t_0x1210.go and p_0x9208.go, commit 2d00e6c4:
 *   "苏标-16 黑标-38 广东标-40", reserved "苏标1 黑标0 广东标2", and its parse_test.go vectors)
 *
 * Decisions:
 * - Nothing in these messages names the region, so it is told from the structure: inside a
 *   0x0200 item the identifier is the last field and its width is what the item leaves for it
 *   (16, 40 or 38; TPMS: what remains before an event list that ends the item); a 0x1210 is
 *   read with the first layout (Jiangsu, Guangdong, Heilongjiang) whose file list ends exactly
 *   at the body's end; a 0x9208 by what its fixed tail leaves for the identifier. A decoded
 *   identifier carries `region` (absent: T/JSATL12), which the encoder follows.
 * - Hunan's and Sichuan's layouts (go-jt808 lists 16/32 and 39 bytes) are not read: no public
 *   vector, and Hunan's two figures disagree.
 * - Terminal IDs, alarm numbers and file names are text (GBK, NUL/space padding trimmed);
 *   the 0x9208 reserved bytes stay raw.
 */
import type { Field } from '../fields.js';
import { gbk, gbk8, list, struct, u32, u8 } from '../fields.js';
import { Reader } from '../reader.js';
import { defineBody } from '../registry.js';
import type { BodyCodec } from '../registry.js';
import type { Writer } from '../writer.js';

/** A regional layout of the alarm identifier; absent: T/JSATL12's (Jiangsu, 16 bytes). */
export type SuBiaoRegion = 'guangdong' | 'heilongjiang';

export interface SuBiaoAlarmIdentifier {
  terminalId: string;
  time: string | null;
  seq: number;
  attachments: number;
  /** The reserved byte (T/JSATL12) or two (Guangdong, as a WORD); absent in Heilongjiang's layout. */
  reserved?: number;
  region?: SuBiaoRegion;
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

// ---------------------------------------------------------------- the alarm identifier, three layouts

/** Identifier bytes per layout (the region key '' is T/JSATL12's). */
export const IDENTIFIER_SIZE = { '': 16, guangdong: 40, heilongjiang: 38 } as const satisfies Record<SuBiaoRegion | '', number>;

const terminalIdWidth = (region: SuBiaoRegion | undefined): 7 | 30 => (region ? 30 : 7);

function readIdentifier(r: Reader, region: SuBiaoRegion | undefined): SuBiaoAlarmIdentifier {
  const terminalId = r.gbk(terminalIdWidth(region), 'alarm identifier terminal ID');
  const time = r.timeIso('alarm identifier time');
  const seq = r.u8('alarm identifier seq');
  const attachments = r.u8('alarm identifier attachments');
  if (region === 'heilongjiang') return { terminalId, time, seq, attachments, region };
  if (region === 'guangdong') return { terminalId, time, seq, attachments, reserved: r.u16('alarm identifier reserved'), region };
  return { terminalId, time, seq, attachments, reserved: r.u8('alarm identifier reserved') };
}

function writeIdentifier(w: Writer, v: SuBiaoAlarmIdentifier): void {
  w.gbk(v.terminalId, terminalIdWidth(v.region), 'alarm identifier terminal ID').timeIso(v.time).u8(v.seq).u8(v.attachments);
  if (v.region === 'guangdong') w.u16(v.reserved ?? 0, 'alarm identifier reserved');
  else if (v.region !== 'heilongjiang') w.u8(v.reserved ?? 0, 'alarm identifier reserved');
}

/** The region whose identifier is `size` bytes, or null for none of them. */
function regionOfSize(size: number): SuBiaoRegion | undefined | null {
  if (size === IDENTIFIER_SIZE['']) return undefined;
  if (size === IDENTIFIER_SIZE.guangdong) return 'guangdong';
  if (size === IDENTIFIER_SIZE.heilongjiang) return 'heilongjiang';
  return null;
}

/** Inside a 0x0200 item the identifier ends the item: its width is what the item leaves for it. */
const identifier: Field<SuBiaoAlarmIdentifier> = {
  read: (r) => readIdentifier(r, regionOfSize(r.remaining) ?? undefined),
  write: (w, v) => writeIdentifier(w, v),
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
    // the identifier's width is known only from what remains after the event list: the layout
    // whose count byte, read after it, makes the list end at the item's end
    const rest = r.remaining;
    let region: SuBiaoRegion | undefined;
    for (const candidate of [undefined, 'guangdong', 'heilongjiang'] as const) {
      const size = IDENTIFIER_SIZE[candidate ?? ''];
      const count = r.buf[r.pos + size];
      if (r.pos + size < r.end && count !== undefined && rest === size + 1 + 9 * count) {
        region = candidate;
        break;
      }
    }
    const size = IDENTIFIER_SIZE[region ?? ''];
    const idReader = new Reader(r.buf, r.pos, r.pos + size);
    r.need(size, 'alarm identifier');
    const ident = readIdentifier(idReader, region);
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
  /** BYTE[7] (T/JSATL12) or BYTE[30] (Guangdong); Heilongjiang's layout has none (the identifier carries it). */
  terminalId?: string;
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

const alarmNo = gbk(32);
const fileList = list(u8, struct({ name: gbk8, size: u32 }));

/** Bytes before infoType in a 0x1210 of each layout: terminal ID, identifier, alarm number. */
const LIST_PREFIX = { '': 7 + 16 + 32, guangdong: 30 + 40 + 32, heilongjiang: 38 + 32 } as const satisfies Record<SuBiaoRegion | '', number>;

/** Whether the 0x1210 file list after a prefix of `prefix` bytes ends exactly at the body's end. */
function listFits(r: Reader, prefix: number): boolean {
  let at = r.pos + prefix + 2;
  if (at > r.end) return false;
  const count = r.buf[at - 1]!;
  for (let i = 0; i < count; i++) {
    if (at >= r.end) return false;
    at += 1 + r.buf[at]! + 4;
  }
  return at === r.end;
}

const attachmentList: BodyCodec<AttachmentList> = {
  msgId: 0x1210,
  name: 'attachmentList',
  direction: 'up',
  decode(r, ctx) {
    // the first layout whose file list ends at the body's end; none: T/JSATL12's (and its error)
    const region = listFits(r, LIST_PREFIX['']) ? undefined : (['guangdong', 'heilongjiang'] as const).find((g) => listFits(r, LIST_PREFIX[g]));
    const terminalId = region === 'heilongjiang' ? undefined : r.gbk(terminalIdWidth(region), 'terminal ID');
    const ident = readIdentifier(r, region);
    const out: AttachmentList = { identifier: ident, alarmNo: alarmNo.read(r, ctx, {}), infoType: r.u8('info type'), files: fileList.read(r, ctx, {}) };
    return terminalId === undefined ? out : { terminalId, ...out };
  },
  encode(w, v, ctx) {
    const region = v.identifier.region;
    if (region !== 'heilongjiang') w.gbk(v.terminalId ?? '', terminalIdWidth(region), 'terminal ID');
    writeIdentifier(w, v.identifier);
    alarmNo.write(w, v.alarmNo, ctx, {});
    w.u8(v.infoType, 'info type');
    fileList.write(w, v.files, ctx, {});
  },
};

/** 0x9208: the identifier's width is what the fixed tail (alarm number 32, reserved 16) leaves. */
const uploadCommand: BodyCodec<AttachmentUploadCommand> = {
  msgId: 0x9208,
  name: 'attachmentUploadCommand',
  direction: 'down',
  decode(r) {
    const ip = r.gbk8('attachment server');
    const tcpPort = r.u16('TCP port');
    const udpPort = r.u16('UDP port');
    const region = regionOfSize(r.remaining - 32 - 16) ?? undefined;
    return { ip, tcpPort, udpPort, identifier: readIdentifier(r, region), alarmNo: r.gbk(32, 'alarm number'), reserved: Buffer.from(r.bytes(16, 'reserved')) };
  },
  encode(w, v) {
    w.gbk8(v.ip, 'attachment server').u16(v.tcpPort, 'TCP port').u16(v.udpPort, 'UDP port');
    writeIdentifier(w, v.identifier);
    w.gbk(v.alarmNo, 32, 'alarm number').fixed(v.reserved, 16, 'reserved');
  },
};

export const jsatl12 = [
  uploadCommand,
  attachmentList,
  defineBody(0x1211, 'attachmentFileInfo', 'up', fileInfo),
  defineBody(0x1212, 'attachmentFileDone', 'up', fileInfo),
  defineBody(
    0x9212,
    'attachmentUploadAnswer',
    'down',
    struct({ name: gbk8, fileType: u8, result: u8, resend: list(u8, struct({ offset: u32, length: u32 })) }),
  ),
];
