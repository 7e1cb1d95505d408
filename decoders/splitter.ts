import { Jt808Error } from './errors.js';
import { ESC, FLAG, MAX_ESCAPED, unframeRange } from './frame.js';

export interface SplitterOptions {
  /** Longest escaped frame accepted, flags excluded (default: the standard's bound). */
  maxEscaped?: number;
}

export type FrameHandler = (data: Buffer) => void;
/** `raw` is the escaped content as received (for logging its hex). */
export type FrameErrorHandler = (error: Jt808Error, raw: Buffer) => void;

/**
 * Streaming splitter over arbitrary TCP chunks: finds 0x7e-delimited frames, unescapes
 * them and verifies their check byte, handing out header+body. Bytes outside frames are
 * skipped and counted as junk. A broken frame's closing flag is reused as the next opening
 * flag, so the splitter resynchronises on the very next frame after junk or a lost flag.
 *
 * State lives on the instance (pg-protocol style); a partial frame is copied out of its
 * chunk so a session never retains a whole socket read.
 */
export class FrameSplitter {
  private readonly maxEscaped: number;
  /** Escaped bytes of a frame whose closing flag has not arrived yet. */
  private partial: Buffer[] = [];
  private partialLength = 0;
  private inFrame = false;
  /** After an oversized frame: drop bytes until the next flag. */
  private skipping = false;
  /** Bytes seen outside any frame. */
  junkBytes = 0;
  frames = 0;
  errors = 0;

  constructor(options: SplitterOptions = {}) {
    this.maxEscaped = options.maxEscaped ?? MAX_ESCAPED;
  }

  /** Bytes held for an incomplete frame. */
  get buffered(): number {
    return this.partialLength;
  }

  /** Whether a frame is open (its closing flag not seen yet, or an oversized one being skipped). */
  get open(): boolean {
    return this.inFrame || this.skipping;
  }

  push(chunk: Buffer, onFrame: FrameHandler, onError: FrameErrorHandler): void {
    let pos = 0;
    const len = chunk.length;
    if (this.inFrame || this.skipping) {
      const end = chunk.indexOf(FLAG);
      if (end === -1) {
        this.hold(chunk, 0, len, onError);
        return;
      }
      if (this.skipping) {
        this.skipping = false;
        this.junkBytes += end;
        pos = end; // this flag opens the next frame
      } else {
        this.inFrame = false;
        const parts = this.partial;
        parts.push(chunk.subarray(0, end));
        const content = Buffer.concat(parts, this.partialLength + end);
        this.partial = [];
        this.partialLength = 0;
        if (content.length === 0) pos = end;
        else pos = this.finish(content, 0, content.length, onFrame, onError) ? end + 1 : end;
      }
    }
    // where the next 0x7d is, found once per occurrence (they are rare): frames before it
    // need no escape scan at all. -2 = not looked up yet, -1 = none in the rest of the chunk.
    let escAt = -2;
    while (pos < len) {
      const start = chunk[pos] === FLAG ? pos : chunk.indexOf(FLAG, pos);
      if (start === -1) {
        this.junkBytes += len - pos;
        return;
      }
      this.junkBytes += start - pos;
      const end = chunk.indexOf(FLAG, start + 1);
      if (end === -1) {
        this.inFrame = true;
        this.hold(chunk, start + 1, len, onError);
        return;
      }
      if (end === start + 1) {
        pos = end; // "7e7e": the second flag opens the frame
        continue;
      }
      if (end - start - 1 > this.maxEscaped) {
        this.reject(new Jt808Error('too_long', `${end - start - 1} escaped bytes, at most ${this.maxEscaped}`), chunk.subarray(start + 1, end), onError);
        pos = end;
        continue;
      }
      if (escAt === -2 || (escAt !== -1 && escAt <= start)) escAt = chunk.indexOf(ESC, start + 1);
      const escaped = escAt !== -1 && escAt < end;
      pos = this.finish(chunk, start + 1, end, onFrame, onError, escaped) ? end + 1 : end;
    }
  }

  /** Drop any partial frame (connection closed). */
  reset(): void {
    this.partial = [];
    this.partialLength = 0;
    this.inFrame = false;
    this.skipping = false;
  }

  private hold(chunk: Buffer, from: number, to: number, onError: FrameErrorHandler): void {
    if (this.skipping) {
      this.junkBytes += to - from;
      return;
    }
    const n = to - from;
    if (this.partialLength + n > this.maxEscaped) {
      const head = Buffer.concat([...this.partial, chunk.subarray(from, Math.min(to, from + 64))]);
      this.reject(new Jt808Error('too_long', `no closing flag within ${this.maxEscaped} escaped bytes`), head, onError);
      this.junkBytes += this.partialLength + n;
      this.partial = [];
      this.partialLength = 0;
      this.inFrame = false;
      this.skipping = true;
      return;
    }
    if (n > 0) {
      this.partial.push(Buffer.from(chunk.subarray(from, to)));
      this.partialLength += n;
    }
  }

  private finish(buf: Buffer, start: number, end: number, onFrame: FrameHandler, onError: FrameErrorHandler, mayBeEscaped = true): boolean {
    // a view without the check byte; nothing is copied when nothing is escaped
    const data = unframeRange(buf, start, end, mayBeEscaped);
    if (data instanceof Jt808Error) {
      this.reject(data, buf.subarray(start, end), onError);
      return false;
    }
    this.frames++;
    onFrame(data);
    return true;
  }

  private reject(error: Jt808Error, raw: Buffer, onError: FrameErrorHandler): void {
    this.errors++;
    onError(error, raw);
  }
}
