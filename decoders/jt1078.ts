/**
 * JT/T 1078-2016 media packets (§5.5.3, table 19): the RTP-like unit a terminal streams on the
 * connection it opens after 0x9101/0x9201. Big-endian, no escaping, no check byte:
 *
 *   off 0      magic            30 31 63 64 ("01cd")
 *   off 4      V P X CC         V (2 bits) = 2, P 1 bit, X 1 bit, CC 4 bits (terminals send 0x81 or 0x80)
 *   off 5      M PT             M: last packet of a frame; PT: payload type (table 12)
 *   off 6      sequence         WORD, +1 per packet sent
 *   off 8      SIM              BCD[6] (12 digits, 2016) or BCD[10] (20 digits, terminals on 808-2019)
 *   +0         channel          BYTE, logical channel (table 2)
 *   +1         data type, mark  high 4 bits: 0 I-frame, 1 P-frame, 2 B-frame, 3 audio, 4 passthrough;
 *                               low 4 bits: 0 atomic, 1 first, 2 last, 3 middle
 *   +2         timestamp        BYTE[8], ms; absent for passthrough
 *   then       last I interval  WORD, ms since the last I-frame    } video (data type 0-2) only
 *   then       last interval    WORD, ms since the previous frame  }
 *   then       body length      WORD, at most 950
 *   then       body
 *
 * The SIM's width is not announced. We take Traccar's rule (Jt1078FrameDecoder, 2026: a packet
 * whose WORD at offset 8 is zero carries BCD[10]): a 12-digit 2016 SIM starts with its phone's
 * leading 0 and a digit (`01 38 ...`), a 2019 number is 20 digits zero-padded from 11 or 12
 * (`00 00 00 00 01 38 ...`), so the first two bytes tell them apart. A 2016 SIM whose first four
 * digits are 0000 would be misread; the relay, which knows the terminal's 808 phone and edition,
 * can force `simWidth`.
 * `simMatchKey` drops leading zeros so both widths (and the 808 phone in either edition) match.
 *
 * Payload types (table 12), the same in SmallChi/JT1078 (Enums/JT1078AVType.cs), glaciall's
 * jtt1078-video-server (entity/MediaEncoding.java, index = PT) and a third JT/T 808 server's
 * MediaType enum: G.711A 6, G.711U 7, G.726 8, AAC 19, ADPCM (IMA) 26, H.264 98, H.265 99,
 * AVS 100, SVAC 101, passthrough 91. Traccar's decoder takes any video type and drops audio.
 * Data types and subpackage marks agree in SmallChi (Enums/JT1078DataType.cs, JT1078SubPackageType.cs),
 * Traccar (Jt1078ProtocolDecoder: type <= 2 is video with the two intervals) and the standard.
 *
 * Decoding never throws: `{ ok: false, error }` with a Jt808Error code (`malformed` bad version,
 * data type, mark or BCD; `too_long` body over 950; `truncated`/`length` when the bytes given
 * and the length field disagree). Encoding throws Jt808Error('encode'), as encode() does.
 */
import { decodeBcd, encodeBcd } from './bcd.js';
import { Jt808Error } from './errors.js';

export const MEDIA_MAGIC = Buffer.from([0x30, 0x31, 0x63, 0x64]);
/** The standard's bound on one packet's body. */
export const MAX_MEDIA_BODY = 950;
/** The longest packet: 10-byte SIM, timestamp, both intervals, length, 950 bytes. */
export const MAX_MEDIA_PACKET = 20 + 8 + 4 + 2 + MAX_MEDIA_BODY;

export const MEDIA_DATA_TYPE = { iFrame: 0, pFrame: 1, bFrame: 2, audio: 3, passthrough: 4 } as const;
export type MediaDataType = (typeof MEDIA_DATA_TYPE)[keyof typeof MEDIA_DATA_TYPE];

export const SUBPACKAGE_MARK = { atomic: 0, first: 1, last: 2, middle: 3 } as const;
export type SubpackageMark = (typeof SUBPACKAGE_MARK)[keyof typeof SUBPACKAGE_MARK];

/** JT/T 1078 table 12, the entries a relay acts on (others pass as numbers). */
export const PAYLOAD_TYPE = {
  g711a: 6,
  g711u: 7,
  g726: 8,
  aac: 19,
  adpcm: 26,
  passthrough: 91,
  h264: 98,
  h265: 99,
} as const;

export type SimWidth = 6 | 10;

export interface MediaPacket {
  padding: boolean;
  extension: boolean;
  csrcCount: number;
  /** M: the last packet of a frame */
  marker: boolean;
  payloadType: number;
  sequence: number;
  /** BCD digits as sent: 12 or 20 */
  sim: string;
  simWidth: SimWidth;
  channel: number;
  dataType: MediaDataType;
  mark: SubpackageMark;
  /** ms; null for passthrough. Values above 2^53 lose precision. */
  timestamp: number | null;
  /** ms; null unless video */
  lastIFrameInterval: number | null;
  lastFrameInterval: number | null;
  /** a view into the input */
  body: Buffer;
}

export type MediaPacketInput = Omit<MediaPacket, 'padding' | 'extension' | 'csrcCount' | 'simWidth' | 'timestamp' | 'lastIFrameInterval' | 'lastFrameInterval'> & {
  simWidth?: SimWidth;
  csrcCount?: number;
  timestamp?: number | null;
  lastIFrameInterval?: number | null;
  lastFrameInterval?: number | null;
};

export type MediaPacketResult = { ok: true; packet: MediaPacket; length: number } | { ok: false; error: Jt808Error };

/** `need` more bytes are wanted before the packet at `at` can be judged. */
export type MediaHeaderScan = { length: number } | { need: number } | { error: Jt808Error };

export interface MediaDecodeOptions {
  /** Take this SIM width instead of detecting it. */
  simWidth?: SimWidth;
  /** Longest body accepted (default 950, the standard's). */
  maxBody?: number;
}

const isVideo = (dataType: number): boolean => dataType <= MEDIA_DATA_TYPE.bFrame;
const validTypeByte = (b: number): boolean => b >> 4 <= MEDIA_DATA_TYPE.passthrough && (b & 0x0f) <= SUBPACKAGE_MARK.middle;

/** Bytes between the data-type byte and the body-length WORD. */
function fieldsAfterType(dataType: number): number {
  if (dataType === MEDIA_DATA_TYPE.passthrough) return 0;
  return isVideo(dataType) ? 12 : 8;
}

/**
 * The SIM width of the packet at `at`, or how many bytes from `at` are needed to decide it.
 * Only the rule: trying the other width when the rule's layout looks wrong would read a broken
 * header as a packet of the other width, whose length field is then any two bytes.
 */
function simWidthAt(buf: Buffer, at: number, forced: SimWidth | undefined): SimWidth | { need: number } {
  if (forced) return forced;
  if (buf.length - at < 10) return { need: 10 };
  return buf[at + 8] === 0 && buf[at + 9] === 0 ? 10 : 6;
}

/**
 * How long the packet starting at `buf[at]` is (magic included), from its header alone, or how
 * many bytes from `at` are needed to tell, or why it can never be a packet.
 */
export function scanMediaHeader(buf: Buffer, at = 0, options: MediaDecodeOptions = {}): MediaHeaderScan {
  const have = buf.length - at;
  if (have < 5) return { need: 5 };
  if (buf[at + 4]! >> 6 !== 2) return { error: new Jt808Error('malformed', `RTP version ${buf[at + 4]! >> 6}, not 2`) };
  const width = simWidthAt(buf, at, options.simWidth);
  if (typeof width === 'object') return width;
  if (have < 10 + width) return { need: 10 + width };
  const typeByte = buf[at + 9 + width]!;
  if (!validTypeByte(typeByte)) return { error: new Jt808Error('malformed', `data type ${typeByte >> 4} / subpackage mark ${typeByte & 0x0f}`) };
  const lengthAt = 10 + width + fieldsAfterType(typeByte >> 4);
  if (have < lengthAt + 2) return { need: lengthAt + 2 };
  const bodyLength = buf.readUInt16BE(at + lengthAt);
  const maxBody = options.maxBody ?? MAX_MEDIA_BODY;
  if (bodyLength > maxBody) return { error: new Jt808Error('too_long', `body of ${bodyLength} bytes, at most ${maxBody}`) };
  return { length: lengthAt + 2 + bodyLength };
}

/** One packet from the start of `buf` (which may run on past it: `length` says where it ends). */
export function decodeMediaPacket(buf: Buffer, options: MediaDecodeOptions = {}): MediaPacketResult {
  if (buf.length < 4 || buf.readUInt32BE(0) !== 0x30316364) {
    return { ok: false, error: new Jt808Error('malformed', 'no 30 31 63 64 at the start') };
  }
  const scan = scanMediaHeader(buf, 0, options);
  if ('error' in scan) return { ok: false, error: scan.error };
  if ('need' in scan) return { ok: false, error: new Jt808Error('truncated', `header needs ${scan.need} bytes, ${buf.length} given`) };
  if (scan.length > buf.length) return { ok: false, error: new Jt808Error('length', `body length says ${scan.length} bytes, ${buf.length} given`) };
  const width = simWidthAt(buf, 0, options.simWidth) as SimWidth; // decided: the scan passed
  let sim: string;
  try {
    sim = decodeBcd(buf, 8, width);
  } catch (e) {
    return { ok: false, error: e as Jt808Error };
  }
  const vpxcc = buf[4]!;
  const mpt = buf[5]!;
  const typeByte = buf[9 + width]!;
  const dataType = (typeByte >> 4) as MediaDataType;
  let pos = 10 + width;
  let timestamp: number | null = null;
  let lastIFrameInterval: number | null = null;
  let lastFrameInterval: number | null = null;
  if (dataType !== MEDIA_DATA_TYPE.passthrough) {
    timestamp = buf.readUInt32BE(pos) * 0x100000000 + buf.readUInt32BE(pos + 4);
    pos += 8;
  }
  if (isVideo(dataType)) {
    lastIFrameInterval = buf.readUInt16BE(pos);
    lastFrameInterval = buf.readUInt16BE(pos + 2);
    pos += 4;
  }
  const bodyLength = buf.readUInt16BE(pos);
  pos += 2;
  return {
    ok: true,
    length: scan.length,
    packet: {
      padding: (vpxcc & 0x20) !== 0,
      extension: (vpxcc & 0x10) !== 0,
      csrcCount: vpxcc & 0x0f,
      marker: (mpt & 0x80) !== 0,
      payloadType: mpt & 0x7f,
      sequence: buf.readUInt16BE(6),
      sim,
      simWidth: width,
      channel: buf[8 + width]!,
      dataType,
      mark: (typeByte & 0x0f) as SubpackageMark,
      timestamp,
      lastIFrameInterval,
      lastFrameInterval,
      body: buf.subarray(pos, pos + bodyLength),
    },
  };
}

function check(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new Jt808Error('encode', `${what}: ${v} outside 0..${max}`, what);
}

/** One packet on the wire. The SIM width defaults to 6 when the digits fit 12, else 10. */
export function encodeMediaPacket(p: MediaPacketInput): Buffer {
  const width: SimWidth = p.simWidth ?? (p.sim.length <= 12 ? 6 : 10);
  check(p.payloadType, 0x7f, 'payloadType');
  check(p.sequence, 0xffff, 'sequence');
  check(p.channel, 0xff, 'channel');
  check(p.dataType, MEDIA_DATA_TYPE.passthrough, 'dataType');
  check(p.mark, SUBPACKAGE_MARK.middle, 'mark');
  check(p.csrcCount ?? 1, 0x0f, 'csrcCount');
  if (p.body.length > MAX_MEDIA_BODY) throw new Jt808Error('encode', `body: ${p.body.length} bytes, at most ${MAX_MEDIA_BODY}`, 'body');
  const video = isVideo(p.dataType);
  const passthrough = p.dataType === MEDIA_DATA_TYPE.passthrough;
  const lengthAt = 10 + width + fieldsAfterType(p.dataType);
  const out = Buffer.alloc(lengthAt + 2 + p.body.length);
  MEDIA_MAGIC.copy(out, 0);
  out[4] = 0x80 | (p.csrcCount ?? 1);
  out[5] = (p.marker ? 0x80 : 0) | p.payloadType;
  out.writeUInt16BE(p.sequence, 6);
  encodeBcd(p.sim, width, out, 8);
  out[8 + width] = p.channel;
  out[9 + width] = (p.dataType << 4) | p.mark;
  let pos = 10 + width;
  if (!passthrough) {
    const ts = p.timestamp ?? 0;
    check(ts, Number.MAX_SAFE_INTEGER, 'timestamp');
    out.writeUInt32BE(Math.floor(ts / 0x100000000), pos);
    out.writeUInt32BE(ts % 0x100000000, pos + 4);
    pos += 8;
  }
  if (video) {
    check(p.lastIFrameInterval ?? 0, 0xffff, 'lastIFrameInterval');
    check(p.lastFrameInterval ?? 0, 0xffff, 'lastFrameInterval');
    out.writeUInt16BE(p.lastIFrameInterval ?? 0, pos);
    out.writeUInt16BE(p.lastFrameInterval ?? 0, pos + 2);
    pos += 4;
  }
  out.writeUInt16BE(p.body.length, pos);
  p.body.copy(out, pos + 2);
  return out;
}

/**
 * The digits that name a terminal whatever width carried them: a 1078 SIM of 12 or 20 digits,
 * or an 808 phone of 2013 (12) or 2019 (20), without its leading zeros.
 */
export function simMatchKey(digits: string): string {
  return digits.replace(/^0+/, '');
}
