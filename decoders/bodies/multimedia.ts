/**
 * Multimedia family (JT/T 808-2013 §8.48-8.58, tables 79-89; 2019 keeps the layouts).
 *
 *   0x0800 multimedia event           mediaId DWORD, type BYTE (0 image, 1 audio, 2 video),
 *                                     format BYTE (0 JPEG, 1 TIF, 2 MP3, 3 WAV, 4 WMV),
 *                                     event BYTE, channel BYTE
 *   0x0801 multimedia data upload     mediaId DWORD, type BYTE, format BYTE, event BYTE,
 *                                     channel BYTE, location BYTE[28] (0x0200 basic block),
 *                                     data BYTE[n] to the end
 *   0x8800 upload answer              mediaId DWORD [, count BYTE, packet ids WORD x n]
 *   0x8801 camera shoot command       channel BYTE, command WORD (0 stop, 0xFFFF record,
 *                                     else photo count), intervalS WORD, save BYTE (1 save,
 *                                     0 upload), resolution BYTE, quality BYTE (1-10),
 *                                     brightness BYTE, contrast BYTE, saturation BYTE, chroma BYTE
 *   0x0805 camera shoot answer        ackSerial WORD, result BYTE (0 ok, 1 fail, 2 channel
 *                                     unsupported), [count WORD, ids DWORD x n] (2013 on;
 *                                     a 2011 terminal answers 0x8801 with 0x0001)
 *   0x8802 stored media search        type BYTE, channel BYTE, event BYTE, start BCD[6], end BCD[6]
 *   0x0802 stored media search answer ackSerial WORD, count WORD, count x {mediaId DWORD,
 *                                     type BYTE, channel BYTE, event BYTE, location BYTE[28]}
 *                                     (2011: no mediaId, 31-byte items)
 *   0x8803 stored media upload        type BYTE, channel BYTE, event BYTE, start BCD[6],
 *                                     end BCD[6], delete BYTE (0 keep, 1 delete)
 *   0x8804 audio record start         command BYTE (0 stop, 1 start), durationS WORD (0 =
 *                                     until stopped), save BYTE, sampleRate BYTE (0 8K .. 3 32K)
 *   0x8805 single stored media upload mediaId DWORD, delete BYTE (2013 on)
 *
 * Decisions:
 * - 0x0801: JT/T 808-2011 had no location block; the 2011 and 2013 headers look alike, so
 *   the block is read only when at least 28 bytes follow the 8-byte prefix AND the block's
 *   time bytes are a plausible BCD time (or all zero). Otherwise `location` is omitted, the
 *   frame is taken for a 2011 terminal (ctx.version '2013' is refined to '2011') and all
 *   remaining bytes are `data`. A header already marked 2011 never has the block. A 2011
 *   image whose bytes 30-35 happen to look like a time would be misread: JPEG data there is
 *   inside the APP0/DQT segments and does not look like one in practice.
 * - 0x8800: the retransmit count is a BYTE in every edition (2013 table 80; SmallChi, Traccar
 *   and other public decoders read one byte, none reads a 2019 WORD). `retransmitIds` is
 *   omitted when the answer stops after the media ID (all packets received).
 * - 0x0805: the count and IDs are only meaningful when result is 0; they are read when the
 *   result is 0, and also after a failure if the terminal sent them anyway (kept, not
 *   failed). `mediaIds` is omitted when absent. The 2013 and 2019 layouts are the same; 2011
 *   has no 0x0805 (its terminals answer 0x8801 with 0x0001).
 * - 0x0802: the media ID of each item came with 2013 (as did 0x8805, which names one). A 2011
 *   header looks like a 2013 one, so a '2013' answer whose items fill exactly count x 31 bytes
 *   (never count x 35, for any count above 0) is a 2011 terminal's: read without IDs, and
 *   ctx.version refined to '2011' as 0x0801 does. `mediaId` is then absent from its items.
 * - Type, format, event and the rest stay raw codes; MEDIA_TYPE / MEDIA_FORMAT / MEDIA_EVENT
 *   name them for consumers.
 */
import type { BodyContext, Field } from '../fields.js';
import { described, struct, time, u16, u32, u8, withDefault } from '../fields.js';
import type { Reader } from '../reader.js';
import type { BodyCodec } from '../registry.js';
import { defineBody } from '../registry.js';
import type { Writer } from '../writer.js';
import { locationBasic } from './location.js';
import type { LocationBasic } from './location.js';

export const MEDIA_TYPE = { image: 0, audio: 1, video: 2 } as const;
export const MEDIA_FORMAT = { jpeg: 0, tif: 1, mp3: 2, wav: 3, wmv: 4 } as const;
/** 2013 table 79: what triggered the capture (2019 adds 7 distance-based photo). */
export const MEDIA_EVENT = {
  platform: 0,
  timed: 1,
  robberyAlarm: 2,
  collisionRollover: 3,
  doorOpenPhoto: 4,
  doorClosePhoto: 5,
  doorSpeedPhoto: 6,
  distancePhoto: 7,
} as const;

export interface MediaEvent {
  mediaId: number;
  type: number;
  format: number;
  event: number;
  channel: number;
}

export interface MediaUpload extends MediaEvent {
  /** Absent for JT/T 808-2011 terminals (see the doc comment). */
  location?: LocationBasic;
  data: Buffer;
}

export interface MediaUploadAnswer {
  mediaId: number;
  /** Packet indexes to send again; absent when every packet arrived. */
  retransmitIds?: number[];
}

export interface CameraShootCommand {
  channel: number;
  /** 0 stop, 0xFFFF record video, otherwise the number of photos. */
  command: number;
  /** Photo interval or recording time, seconds (0 = shortest / until stopped). */
  intervalS: number;
  /** 1 save on the terminal, 0 upload at once. */
  save: number;
  resolution: number;
  quality: number;
  brightness: number;
  contrast: number;
  saturation: number;
  chroma: number;
}

export interface CameraShootAnswer {
  ackSerial: number;
  /** 0 ok, 1 failed, 2 channel not supported */
  result: number;
  mediaIds?: number[];
}

export interface StoredMediaSearch {
  type: number;
  /** 0 = every channel */
  channel: number;
  event: number;
  start: string | null;
  end: string | null;
}

export interface StoredMediaItem {
  /** Absent from a JT/T 808-2011 terminal's answer (see the doc comment). */
  mediaId?: number;
  type: number;
  channel: number;
  event: number;
  location: LocationBasic;
}

export interface StoredMediaSearchAnswer {
  ackSerial: number;
  items: StoredMediaItem[];
}

export interface StoredMediaUpload extends StoredMediaSearch {
  /** 0 keep, 1 delete after upload */
  delete: number;
}

export interface AudioRecordStart {
  /** 0 stop, 1 start */
  command: number;
  /** 0 = until stopped */
  durationS: number;
  save: number;
  /** 0 8 kHz, 1 11 kHz, 2 23 kHz, 3 32 kHz */
  sampleRate: number;
}

export interface SingleStoredMediaUpload {
  mediaId: number;
  delete: number;
}

declare module '../message.js' {
  interface BodyMap {
    0x0800: MediaEvent;
    0x0801: MediaUpload;
    0x8800: MediaUploadAnswer;
    0x8801: CameraShootCommand;
    0x0805: CameraShootAnswer;
    0x8802: StoredMediaSearch;
    0x0802: StoredMediaSearchAnswer;
    0x8803: StoredMediaUpload;
    0x8804: AudioRecordStart;
    0x8805: SingleStoredMediaUpload;
  }
}

const mediaEvent: Field<MediaEvent> = struct({ mediaId: u32, type: u8, format: u8, event: u8, channel: u8 });

const BCD_TIME_AT = 22; // offset of the time inside the 28-byte basic block

/** True when the six bytes at `at` read as a BCD time YYMMDDhhmmss, or are all zero. */
function looksLikeBcdTime(buf: Buffer, at: number): boolean {
  const digits: number[] = [];
  for (let i = 0; i < 6; i++) {
    const b = buf[at + i]!;
    if (b >> 4 > 9 || (b & 0x0f) > 9) return false;
    digits.push((b >> 4) * 10 + (b & 0x0f));
  }
  const [, mo, dd, hh, mi, ss] = digits as [number, number, number, number, number, number];
  if (mo === 0 && dd === 0) return true; // what the reader maps to a null time
  return mo >= 1 && mo <= 12 && dd >= 1 && dd <= 31 && hh <= 23 && mi <= 59 && ss <= 59;
}

function hasLocationBlock(r: Reader, ctx: BodyContext): boolean {
  if (ctx.version === '2011' || r.remaining < 28) return false;
  return looksLikeBcdTime(r.buf, r.pos + BCD_TIME_AT);
}

const mediaUpload: BodyCodec<MediaUpload> = {
  msgId: 0x0801,
  name: 'mediaUpload',
  direction: 'up',
  decode(r, ctx) {
    const head = mediaEvent.read(r, ctx, {});
    const out: MediaUpload = { ...head, data: Buffer.alloc(0) };
    if (hasLocationBlock(r, ctx)) out.location = locationBasic.read(r, ctx, {});
    else if (ctx.version === '2013') ctx.version = '2011';
    out.data = Buffer.from(r.rest());
    return out;
  },
  encode(w: Writer, v, ctx) {
    mediaEvent.write(w, v, ctx, {});
    if (v.location) locationBasic.write(w, v.location, ctx, {});
    w.bytes(v.data);
  },
};

/** Packet IDs one 0x8800 can carry: its count is a BYTE in every edition. Longer lists take several. */
export const UPLOAD_ANSWER_MAX_IDS = 0xff;

const uploadAnswer: BodyCodec<MediaUploadAnswer> = {
  msgId: 0x8800,
  name: 'mediaUploadAnswer',
  direction: 'down',
  decode(r) {
    const mediaId = r.u32('media ID');
    if (r.remaining === 0) return { mediaId };
    const n = r.u8('retransmit count');
    const retransmitIds: number[] = [];
    for (let i = 0; i < n; i++) retransmitIds.push(r.u16(`retransmit packet ID ${i + 1} of ${n}`));
    return { mediaId, retransmitIds };
  },
  encode(w, v) {
    w.u32(v.mediaId, 'media ID');
    if (v.retransmitIds === undefined) return;
    w.u8(v.retransmitIds.length, 'retransmit count');
    for (const id of v.retransmitIds) w.u16(id, 'retransmit packet ID');
  },
};

const shootAnswer: BodyCodec<CameraShootAnswer> = {
  msgId: 0x0805,
  name: 'cameraShootAnswer',
  direction: 'up',
  decode(r) {
    const ackSerial = r.u16('ack serial');
    const result = r.u8('result');
    if (result !== 0 && r.remaining === 0) return { ackSerial, result };
    const n = r.u16('media ID count');
    const mediaIds: number[] = [];
    for (let i = 0; i < n; i++) mediaIds.push(r.u32(`media ID ${i + 1} of ${n}`));
    return { ackSerial, result, mediaIds };
  },
  encode(w, v) {
    w.u16(v.ackSerial, 'ack serial').u8(v.result, 'result');
    // a success always carries the list (possibly empty); a failure only if given
    const ids = v.mediaIds ?? (v.result === 0 ? [] : undefined);
    if (ids === undefined) return;
    w.u16(ids.length, 'media ID count');
    for (const id of ids) w.u32(id, 'media ID');
  },
};

const storedItem: Field<StoredMediaItem> = struct({ mediaId: u32, type: u8, channel: u8, event: u8, location: locationBasic });
const storedItem2011: Field<StoredMediaItem> = struct({ type: u8, channel: u8, event: u8, location: locationBasic });
/** an item's bytes without its media ID: the 2011 layout */
const ITEM_2011_BYTES = 31;

const storedSearchAnswer: BodyCodec<StoredMediaSearchAnswer> = {
  msgId: 0x0802,
  name: 'storedMediaSearchAnswer',
  direction: 'up',
  decode(r, ctx) {
    const ackSerial = r.u16('ack serial');
    const n = r.u16('item count');
    if (ctx.version === '2013' && n > 0 && r.remaining === n * ITEM_2011_BYTES) ctx.version = '2011';
    const item = ctx.version === '2011' ? storedItem2011 : storedItem;
    const items: StoredMediaItem[] = [];
    for (let i = 0; i < n; i++) items.push(item.read(r, ctx, {}));
    return { ackSerial, items };
  },
  encode(w, v, ctx) {
    w.u16(v.ackSerial, 'ack serial').u16(v.items.length, 'item count');
    const item = ctx.version === '2011' ? storedItem2011 : storedItem;
    for (const i of v.items) item.write(w, i, ctx, {});
  },
};

// ranges and meanings: the standard's stored media search and upload tables (2011, 2013 and 2019 alike)
const searchCriteria = {
  type: described(u8, '0 image, 1 audio, 2 video', { maximum: 2 }),
  channel: withDefault(u8, 0, 'camera channel; 0 (the default) = every channel'),
  event: described(u8, 'what triggered the capture: 0 platform order, 1 timed, 2 robbery alarm, 3 collision/rollover; 2013 adds 4 door open, 5 door closed, 6 door closed above 20 km/h, 7 distance-based'),
  start: withDefault(time, null, 'taken at or after (UTC); null (the default) with end null = no time range (all zeros on the wire)'),
  end: withDefault(time, null, 'taken before (UTC); null (the default) with start null = no time range'),
};
// evidence stays on the terminal unless the caller says otherwise
const deleteFlag = withDefault(described(u8, '', { maximum: 1 }), 0, '0 (the default) keep on the terminal, 1 delete once uploaded');

export const multimedia = [
  defineBody(0x0800, 'mediaEvent', 'up', mediaEvent),
  mediaUpload,
  uploadAnswer,
  defineBody(
    0x8801,
    'cameraShootCommand',
    'down',
    // ranges and meanings: the standard's camera shoot command table (2019 keeps it, adding resolutions 0x00 lowest and 0xFF highest)
    struct({
      channel: described(u8, 'camera channel, from 1', { minimum: 1 }),
      command: described(u16, '0 stop, 0xFFFF record video, otherwise the number of photos'),
      intervalS: described(u16, 'seconds between photos, or of recording; 0 = the shortest interval, or record until stopped'),
      save: described(u8, '1 save on the terminal, 0 upload at once', { maximum: 1 }),
      resolution: described(u8, '1 320x240, 2 640x480, 3 800x600, 4 1024x768, 5 176x144 (QCIF), 6 352x288 (CIF), 7 704x288 (half D1), 8 704x576 (D1); 2019: 0 lowest, 0xFF highest'),
      quality: described(u8, '1 (least loss) .. 10 (most compressed)', { minimum: 1, maximum: 10 }),
      brightness: described(u8, '0..255'),
      contrast: described(u8, '0..127', { maximum: 127 }),
      saturation: described(u8, '0..127', { maximum: 127 }),
      chroma: described(u8, '0..255'),
    }),
  ),
  shootAnswer,
  defineBody(0x8802, 'storedMediaSearch', 'down', struct(searchCriteria)),
  storedSearchAnswer,
  defineBody(0x8803, 'storedMediaUpload', 'down', struct({ ...searchCriteria, delete: deleteFlag })),
  defineBody(0x8804, 'audioRecordStart', 'down', struct({ command: u8, durationS: u16, save: u8, sampleRate: u8 })),
  defineBody(
    0x8805,
    'singleStoredMediaUpload',
    'down',
    struct({ mediaId: described(u32, "the terminal's media ID (from a 0x0802 answer); 2013 and later (a 2011 terminal does not know 0x8805)"), delete: deleteFlag }),
  ),
];
