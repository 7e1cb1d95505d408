/**
 * Streaming splitter for JT/T 1078 media packets over arbitrary TCP chunks (`jt1078.ts` has the
 * layout). A packet opens with 30 31 63 64 and its length follows from its header, so bytes
 * before a magic are junk (counted, skipped); a header that cannot be a packet (version not 2,
 * data type over 4, mark over 3, body length over the bound) is refused and the search for the
 * next magic starts one byte after its own, so one bad header costs that header only.
 *
 * Bounded: at most one packet's worth (`maxBody` + 34 bytes) is held between pushes, whatever
 * the input: a held tail is either an incomplete packet whose length passed the bound, or the
 * last three bytes that could start a magic.
 */
import { Jt808Error } from './errors.js';
import { MAX_MEDIA_BODY, MEDIA_MAGIC, decodeMediaPacket, scanMediaHeader } from './jt1078.js';
import type { MediaDecodeOptions, MediaPacket } from './jt1078.js';

export type MediaPacketHandler = (packet: MediaPacket) => void;
/** `raw`: the refused bytes (at most the header, or the whole packet when its length was known). */
export type MediaErrorHandler = (error: Jt808Error, raw: Buffer) => void;

export interface MediaSplitterHandlers {
  packet: MediaPacketHandler;
  error: MediaErrorHandler;
}

export class MediaPacketSplitter {
  private readonly options: MediaDecodeOptions;
  /** bytes of an incomplete packet (or a magic's first bytes) carried to the next push */
  private held: Buffer | null = null;
  junkBytes = 0;
  packets = 0;
  errors = 0;

  constructor(options: MediaDecodeOptions = {}) {
    this.options = { ...options, maxBody: Math.min(options.maxBody ?? MAX_MEDIA_BODY, 0xffff) };
  }

  /** Bytes held for an incomplete packet. */
  get buffered(): number {
    return this.held?.length ?? 0;
  }

  /** Never throws; a handler's own throw propagates (the caller's guard counts it). */
  push(input: Buffer, on: MediaSplitterHandlers): void {
    const buf = this.held ? Buffer.concat([this.held, input]) : input;
    this.held = null;
    let pos = 0;
    while (pos < buf.length) {
      const start = buf.indexOf(MEDIA_MAGIC, pos);
      if (start === -1) {
        const keep = magicPrefixAtEnd(buf, pos);
        this.junkBytes += buf.length - pos - keep;
        if (keep > 0) this.held = Buffer.from(buf.subarray(buf.length - keep));
        return;
      }
      this.junkBytes += start - pos;
      const scan = scanMediaHeader(buf, start, this.options);
      if ('error' in scan) {
        this.reject(scan.error, buf.subarray(start, Math.min(buf.length, start + 34)), on);
        pos = start + 1;
        continue;
      }
      if ('need' in scan || scan.length > buf.length - start) {
        this.held = Buffer.from(buf.subarray(start)); // a copy: never retain the socket's read
        return;
      }
      const raw = buf.subarray(start, start + scan.length);
      const decoded = decodeMediaPacket(raw, this.options);
      pos = start + scan.length;
      if (!decoded.ok) {
        this.reject(decoded.error, raw, on);
        continue;
      }
      this.packets++;
      on.packet(decoded.packet);
    }
  }

  /** Drop whatever is partial (connection closed). */
  reset(): void {
    this.held = null;
  }

  private reject(error: Jt808Error, raw: Buffer, on: MediaSplitterHandlers): void {
    this.errors++;
    on.error(error, raw);
  }
}

/** How many bytes at the end of `buf` (after `from`) are a proper prefix of the magic. */
function magicPrefixAtEnd(buf: Buffer, from: number): number {
  for (let k = Math.min(MEDIA_MAGIC.length - 1, buf.length - from); k > 0; k--) {
    if (buf.subarray(buf.length - k).equals(MEDIA_MAGIC.subarray(0, k))) return k;
  }
  return 0;
}
