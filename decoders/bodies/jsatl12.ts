/**
 * T/JSATL12-2017 (Su-biao active safety) attachment flow, §4.5-4.6. The 0x0200 alarm items
 * 0x64-0x67 live in location-items.ts; these are the messages that fetch their files.
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
 * - These messages always carry the 16-byte identifier (7-byte terminal ID) of T/JSATL12;
 *   the 40-byte Guangdong variant is only told apart inside 0x0200 items (by item length).
 * - Terminal IDs, alarm numbers and file names are text (GBK, NUL/space padding trimmed);
 *   the 0x9208 reserved bytes stay raw.
 */
import { isoOrNull } from '../bcd.js';
import type { Field } from '../fields.js';
import { bytes, gbk, gbk8, list, struct, u16, u32, u8 } from '../fields.js';
import { defineBody } from '../registry.js';
import type { SuBiaoAlarmIdentifier } from './location-items.js';

export type { SuBiaoAlarmIdentifier } from './location-items.js';

/** The 16-byte alarm identifier (7-byte terminal ID), as the attachment messages carry it. */
export const alarmIdentifier16: Field<SuBiaoAlarmIdentifier> = {
  read: (r) => ({ terminalId: r.gbk(7, 'alarm identifier terminal ID'), time: isoOrNull(r.time()), seq: r.u8(), attachments: r.u8(), reserved: r.u8() }),
  write: (w, v) => void w.gbk(v.terminalId, 7, 'alarm identifier terminal ID').timeIso(v.time).u8(v.seq).u8(v.attachments).u8(v.reserved),
};

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
