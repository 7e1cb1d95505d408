/**
 * The Su-biao attachment channel (T/JSATL12-2017 §5.5-5.6): one TCP connection carries both
 * JT/T 808 frames (0x1210, 0x1211, 0x1212 up; 0x9212, 0x8001 down) and, between them, raw
 * file-data frames that are neither escaped nor checked nor answered:
 *
 *   off 0   magic       30 31 63 64 ("01cd")
 *   off 4   file name   BYTE[50], GBK, padded with 0x00
 *   off 54  offset      DWORD, where in the file this data goes
 *   off 58  length      DWORD, the data's length (at most 64 KiB per frame)
 *   off 62  data        BYTE[length]
 *
 * (go-jt808 and hylexus/jt-framework read the same layout.) A file-data frame's bytes may
 * contain 0x7e, so the channel is split by what opens each unit: a 0x7e opens an 808 frame,
 * handed to a FrameSplitter as it would be on the 808 port; the magic opens a data frame,
 * read by its length. Anything else between units is junk, counted and skipped.
 *
 * Bounded: a data frame longer than `maxData` is refused (`too_long`) and its bytes are then
 * skipped as junk up to the next opening; at most `maxData` + 62 bytes are held for one.
 */
import { Jt808Error } from './errors.js';
import { FLAG } from './frame.js';
import { decodeGbk, encodeGbk } from './gbk.js';
import { FrameSplitter } from './splitter.js';
import type { FrameErrorHandler, FrameHandler, SplitterOptions } from './splitter.js';

export const FILE_DATA_MAGIC = Buffer.from([0x30, 0x31, 0x63, 0x64]);
/** magic, name, offset and length */
export const FILE_DATA_HEADER = 62;
const NAME_BYTES = 50;
/** The standard's bound on one frame's data: 64 KiB. */
export const MAX_FILE_DATA = 65536;

export interface FileData {
  name: string;
  offset: number;
  data: Buffer;
}

export type FileDataHandler = (chunk: FileData) => void;

/** One file-data frame on the wire; throws `encode` when the name is over 50 bytes. */
export function encodeFileData(name: string, offset: number, data: Buffer): Buffer {
  const nameBytes = encodeGbk(name);
  if (nameBytes.length > NAME_BYTES) throw new Jt808Error('encode', `file name: ${nameBytes.length} bytes, at most ${NAME_BYTES}`, 'name');
  if (!Number.isInteger(offset) || offset < 0 || offset > 0xffffffff) throw new Jt808Error('encode', `offset: ${offset} outside 0..4294967295`, 'offset');
  const out = Buffer.alloc(FILE_DATA_HEADER + data.length);
  FILE_DATA_MAGIC.copy(out, 0);
  nameBytes.copy(out, 4);
  out.writeUInt32BE(offset, 54);
  out.writeUInt32BE(data.length, 58);
  data.copy(out, FILE_DATA_HEADER);
  return out;
}

export interface AttachmentStreamOptions extends SplitterOptions {
  /** Longest data accepted in one file-data frame (default 64 KiB, the standard's). */
  maxData?: number;
}

export interface AttachmentStreamHandlers {
  frame: FrameHandler;
  fileData: FileDataHandler;
  error: FrameErrorHandler;
}

type State = 'between' | 'frame' | 'header' | 'data';

export class AttachmentStreamSplitter {
  private readonly frames: FrameSplitter;
  private readonly maxData: number;
  private state: State = 'between';
  /** a data frame's header as it arrives */
  private readonly header = Buffer.alloc(FILE_DATA_HEADER);
  private headerHeld = 0;
  /** the data frame being read: its header's fields and the data so far */
  private reading: { name: string; offset: number; data: Buffer; held: number } | null = null;
  /** the first bytes of the magic at the end of the last chunk */
  private carry: Buffer | null = null;
  junkBytes = 0;
  dataFrames = 0;

  constructor(options: AttachmentStreamOptions = {}) {
    this.frames = new FrameSplitter(options);
    this.maxData = options.maxData ?? MAX_FILE_DATA;
  }

  /** 808 frames decoded so far (checked), and refused */
  get frameCount(): number {
    return this.frames.frames;
  }

  /** Bytes held for an incomplete unit. */
  get buffered(): number {
    return this.frames.buffered + this.headerHeld + (this.reading?.held ?? 0) + (this.carry?.length ?? 0);
  }

  push(input: Buffer, on: AttachmentStreamHandlers): void {
    let chunk = input;
    if (this.carry) {
      chunk = Buffer.concat([this.carry, input]);
      this.carry = null;
    }
    let pos = 0;
    while (pos < chunk.length) {
      switch (this.state) {
        case 'frame': {
          const end = chunk.indexOf(FLAG, pos);
          const to = end === -1 ? chunk.length : end + 1;
          this.frames.push(chunk.subarray(pos, to), on.frame, on.error);
          pos = to;
          // a broken frame's closing flag opens the next one (the 808 splitter's resync)
          if (!this.frames.open) this.state = 'between';
          break;
        }
        case 'header': {
          const n = Math.min(FILE_DATA_HEADER - this.headerHeld, chunk.length - pos);
          chunk.copy(this.header, this.headerHeld, pos, pos + n);
          this.headerHeld += n;
          pos += n;
          if (this.headerHeld === FILE_DATA_HEADER) this.startData(on);
          break;
        }
        case 'data': {
          const r = this.reading!;
          const n = Math.min(r.data.length - r.held, chunk.length - pos);
          chunk.copy(r.data, r.held, pos, pos + n);
          r.held += n;
          pos += n;
          if (r.held === r.data.length) this.endData(on);
          break;
        }
        case 'between':
          pos = this.between(chunk, pos, on);
          break;
      }
    }
  }

  /** Drop whatever is partial (connection closed). */
  reset(): void {
    this.frames.reset();
    this.state = 'between';
    this.headerHeld = 0;
    this.reading = null;
    this.carry = null;
  }

  /** Skips junk up to the next opening (a flag or the magic) and enters it; returns where it stopped. */
  private between(chunk: Buffer, pos: number, on: AttachmentStreamHandlers): number {
    const flag = chunk.indexOf(FLAG, pos);
    const magic = chunk.indexOf(FILE_DATA_MAGIC, pos);
    if (flag === -1 && magic === -1) {
      // the magic may be split across reads: keep a tail that could start it
      const keep = magicPrefixAtEnd(chunk, pos);
      this.junkBytes += chunk.length - pos - keep;
      if (keep > 0) this.carry = Buffer.from(chunk.subarray(chunk.length - keep));
      return chunk.length;
    }
    if (magic !== -1 && (flag === -1 || magic < flag)) {
      this.junkBytes += magic - pos;
      this.state = 'header';
      this.headerHeld = 0;
      return magic;
    }
    this.junkBytes += flag - pos;
    this.state = 'frame';
    // the flag itself goes to the 808 splitter, which then waits for the closing one
    this.frames.push(chunk.subarray(flag, flag + 1), on.frame, on.error);
    return flag + 1;
  }

  private startData(on: AttachmentStreamHandlers): void {
    const h = this.header;
    const length = h.readUInt32BE(58);
    this.headerHeld = 0;
    if (length > this.maxData) {
      this.state = 'between';
      on.error(new Jt808Error('too_long', `file data frame of ${length} bytes, at most ${this.maxData}`), Buffer.from(h));
      return;
    }
    this.reading = { name: decodeGbk(h, 4, 4 + NAME_BYTES), offset: h.readUInt32BE(54), data: Buffer.allocUnsafe(length), held: 0 };
    this.state = 'data';
    if (length === 0) this.endData(on);
  }

  private endData(on: AttachmentStreamHandlers): void {
    const { name, offset, data } = this.reading!;
    this.reading = null;
    this.state = 'between';
    this.dataFrames++;
    on.fileData({ name, offset, data });
  }
}

/** How many bytes at the chunk's end (after `from`) are a proper prefix of the magic. */
function magicPrefixAtEnd(chunk: Buffer, from: number): number {
  for (let k = Math.min(FILE_DATA_MAGIC.length - 1, chunk.length - from); k > 0; k--) {
    if (chunk.subarray(chunk.length - k).equals(FILE_DATA_MAGIC.subarray(0, k))) return k;
  }
  return 0;
}
