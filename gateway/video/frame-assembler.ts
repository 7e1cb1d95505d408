/**
 * Whole frames from JT/T 1078 packets: a terminal splits a frame over packets marked first (1),
 * middle (3) ... last (2), or sends it whole (atomic, 0). One assembler per media connection;
 * each stream in it, (SIM, channel, kind: video, audio or passthrough), rebuilds one frame at a
 * time. The key is the kind, not the data type: I, P and B frames of one channel come out of one
 * encoder in order, so a data type that changes inside a frame is a broken frame, not another one.
 *
 * A frame is dropped, counted, and never holds up the next one when:
 * - a middle or last arrives with no frame open (`orphan`: its first was lost or came late);
 * - a first or atomic arrives while a frame is open (the open one lacked its last: `incomplete`);
 * - a part's sequence number skips (`gap`: a middle was lost). Terminals number packets either
 *   per connection (audio between a frame's parts advances it) or per stream, so a part is in
 *   order when its sequence is the stream's last +1, or +1 plus the packets of other streams
 *   seen since; anything else is a gap. Over TCP nothing is lost, so this never fires there;
 * - a part changes the frame's data type or payload type (`mixed`);
 * - the frame grows past `maxFrameBytes` (`too_large`): its held parts are freed at once and
 *   the rest of it skipped up to the next first or atomic.
 *
 * Bounded: `maxStreams` streams per assembler (a packet of one more is refused, `too_many_streams`,
 * and the streams already there go on), each holding at most `maxFrameBytes`. Pure: no timers.
 */
import { MEDIA_DATA_TYPE, SUBPACKAGE_MARK } from '../../decoders/index.js';
import type { MediaDataType, MediaPacket } from '../../decoders/index.js';

export const MEDIA_KINDS = ['video', 'audio', 'passthrough'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

/** Why a packet or a held frame was dropped (the label values of the relay's counter). */
export const FRAME_DROPS = ['orphan', 'incomplete', 'gap', 'mixed', 'too_large', 'too_many_streams'] as const;
export type FrameDrop = (typeof FRAME_DROPS)[number];

export interface AccessUnit {
  sim: string;
  channel: number;
  kind: MediaKind;
  dataType: MediaDataType;
  payloadType: number;
  /** the first packet's timestamp, ms (null for passthrough) */
  timestamp: number | null;
  lastIFrameInterval: number | null;
  lastFrameInterval: number | null;
  /** the parts' bodies joined (a copy: it holds no socket read) */
  data: Buffer;
}

export interface FrameAssemblerOptions {
  /** Largest frame rebuilt, bytes (default 2 MiB: a 1080p I-frame at high quality is well under). */
  maxFrameBytes?: number;
  /** Streams per assembler (default 8: a channel's video, audio and passthrough, with room). */
  maxStreams?: number;
}

interface Stream {
  /** the frame being rebuilt, or null between frames */
  open: { first: MediaPacket; parts: Buffer[]; bytes: number } | null;
  /** after too_large: skip parts up to the next first/atomic */
  skipping: boolean;
  lastSequence: number;
  /** `seen` when this stream's last packet arrived */
  lastSeen: number;
}

export const kindOf = (dataType: MediaDataType): MediaKind =>
  dataType === MEDIA_DATA_TYPE.audio ? 'audio' : dataType === MEDIA_DATA_TYPE.passthrough ? 'passthrough' : 'video';

export class FrameAssembler {
  private readonly maxFrameBytes: number;
  private readonly maxStreams: number;
  private readonly streams = new Map<string, Stream>();
  /** packets taken so far, over all streams (to tell a per-connection sequence from a gap) */
  private seen = 0;
  readonly drops: Record<FrameDrop, number> = { orphan: 0, incomplete: 0, gap: 0, mixed: 0, too_large: 0, too_many_streams: 0 };
  frames = 0;

  constructor(options: FrameAssemblerOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? 2 * 1024 * 1024;
    this.maxStreams = options.maxStreams ?? 8;
  }

  /** Bytes held in incomplete frames. */
  get buffered(): number {
    let n = 0;
    for (const s of this.streams.values()) n += s.open?.bytes ?? 0;
    return n;
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /** Takes one packet; returns the frame it completes, if any. Never throws. */
  push(p: MediaPacket): AccessUnit | null {
    const kind = kindOf(p.dataType);
    const key = `${p.sim}/${p.channel}/${kind}`;
    let s = this.streams.get(key);
    if (!s) {
      if (this.streams.size >= this.maxStreams) {
        this.drops.too_many_streams++;
        return null;
      }
      s = { open: null, skipping: false, lastSequence: -1, lastSeen: 0 };
      this.streams.set(key, s);
    }
    this.seen++;
    const inOrder = s.lastSequence >= 0 && (p.sequence === ((s.lastSequence + 1) & 0xffff) || p.sequence === ((s.lastSequence + (this.seen - s.lastSeen)) & 0xffff));
    s.lastSequence = p.sequence;
    s.lastSeen = this.seen;

    if (p.mark === SUBPACKAGE_MARK.atomic || p.mark === SUBPACKAGE_MARK.first) {
      if (s.open) this.drop(s, 'incomplete');
      s.skipping = false;
      if (p.mark === SUBPACKAGE_MARK.atomic) {
        if (p.body.length > this.maxFrameBytes) {
          this.drops.too_large++;
          return null;
        }
        return this.unit(p, kind, Buffer.from(p.body));
      }
      s.open = { first: p, parts: [], bytes: 0 };
      return this.add(s, p);
    }
    // a middle or a last
    if (s.skipping) return null;
    if (!s.open) {
      this.drops.orphan++;
      return null;
    }
    if (!inOrder) return this.drop(s, 'gap');
    if (p.dataType !== s.open.first.dataType || p.payloadType !== s.open.first.payloadType) return this.drop(s, 'mixed');
    this.add(s, p);
    if (!s.open || p.mark !== SUBPACKAGE_MARK.last) return null;
    const { first, parts, bytes } = s.open;
    s.open = null;
    return this.unit(first, kind, Buffer.concat(parts, bytes));
  }

  /** Forget one terminal's streams (its connection closed). */
  reset(): void {
    this.streams.clear();
  }

  private add(s: Stream, p: MediaPacket): null {
    const open = s.open!;
    if (open.bytes + p.body.length > this.maxFrameBytes) {
      return this.drop(s, 'too_large');
    }
    open.parts.push(Buffer.from(p.body)); // a copy: the body is a view into a socket read
    open.bytes += p.body.length;
    return null;
  }

  private drop(s: Stream, why: FrameDrop): null {
    s.open = null;
    // the broken frame's remaining parts are skipped quietly, not counted again as orphans
    if (why !== 'incomplete') s.skipping = true;
    this.drops[why]++;
    return null;
  }

  private unit(first: MediaPacket, kind: MediaKind, data: Buffer): AccessUnit {
    this.frames++;
    return {
      sim: first.sim,
      channel: first.channel,
      kind,
      dataType: first.dataType,
      payloadType: first.payloadType,
      timestamp: first.timestamp,
      lastIFrameInterval: first.lastIFrameInterval,
      lastFrameInterval: first.lastFrameInterval,
      data,
    };
  }
}
