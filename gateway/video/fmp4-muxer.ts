/**
 * Fragmented MP4 of one video track (ISO/IEC 14496-12 §8.8, 14496-15 for avc1/hvc1) from
 * Annex-B access units, as Media Source Extensions and HLS (EXT-X-MAP) play it:
 *
 *   init segment   ftyp + moov (mvhd, trak with avcC or hvcC, mvex/trex)
 *   fragment       moof (mfhd, traf: tfhd, tfdt, trun of one sample) + mdat
 *
 * One fragment per access unit: a frame leaves as soon as its last packet is in (no waiting for
 * a GOP: a GOP is a second or two of latency). HLS segments are runs of fragments cut at key
 * frames. The sample's duration is not known until the next frame arrives, so it is taken from
 * the interval before it (or the packet's last-frame interval, else 40 ms): tfdt places every
 * frame at its own timestamp, so an estimate only moves where one frame's display ends.
 *
 * Decode order is taken as presentation order (composition offset 0): body cameras and vehicle
 * recorders send baseline/main streams without B-frames; a stream with B-frames plays with its
 * reordered frames shown in decode order.
 *
 * Timestamps come from the terminal: the first frame is time 0; a timestamp missing, not after
 * the previous one, or more than `maxJumpMs` after it is repaired (previous + duration, counted)
 * and later ones follow from there. Parameter sets (SPS, PPS, VPS) go into the sample entry, not
 * the samples; new ones at a key frame give a new init segment. Frames before the first key
 * frame with its parameter sets are dropped (`waiting`), as are ones whose parameter sets cannot
 * be parsed (`bad_parameters`): every input comes from the network, nothing here throws.
 */
import { avcC, avcCodecString, hevcCodecString, hvcC } from './codec-config.js';
import { parseH264Sps } from './h264-sps.js';
import type { VideoSize } from './h264-sps.js';
import { parseH265Sps } from './h265-sps.js';
import { UNITY_MATRIX, box, fullBox, u16, u32, u64, zeros } from './mp4-boxes.js';
import { splitAnnexB } from './nal.js';

export const VIDEO_CODECS = ['h264', 'h265'] as const;
export type VideoCodec = (typeof VIDEO_CODECS)[number];

/** Why an access unit gave no fragment (label values for the relay's counter). */
export const MUX_DROPS = ['waiting', 'bad_parameters', 'empty'] as const;
export type MuxDrop = (typeof MUX_DROPS)[number];

/** Ticks per second of the video track (the MPEG convention; ms * 90). */
export const VIDEO_TIMESCALE = 90000;
const DEFAULT_FRAME_MS = 40;

export interface MuxResult {
  /** a new init segment, to send before `fragment` (the first one, or parameters changed) */
  init: Buffer | null;
  fragment: Buffer | null;
  keyframe: boolean;
}

export interface Fmp4MuxerOptions {
  /** A timestamp further than this after the previous one is a jump, repaired (default 10 s). */
  maxJumpMs?: number;
}

interface Config extends VideoSize {
  codecString: string;
  /** the parameter sets it was built from, to notice a change */
  key: string;
  init: Buffer;
}

export class Fmp4VideoMuxer {
  private readonly maxJumpMs: number;
  private config: Config | null = null;
  /** the latest parameter sets seen, by NAL type */
  private params = new Map<number, Buffer>();
  private sequence = 0;
  /** decode time of the next sample, in timescale ticks */
  private nextTime = 0;
  /** the last frame's timestamp, ms (null before the first frame) */
  private lastTimestamp: number | null = null;
  /** ms between the last two frames: the next sample's duration */
  private lastDeltaMs: number | null = null;
  readonly drops: Record<MuxDrop, number> = { waiting: 0, bad_parameters: 0, empty: 0 };
  timestampRepairs = 0;
  fragments = 0;

  constructor(
    readonly codec: VideoCodec,
    options: Fmp4MuxerOptions = {},
  ) {
    this.maxJumpMs = options.maxJumpMs ?? 10_000;
  }

  /** RFC 6381 codec string (avc1.42C01E, hvc1.1.6.L90.B0), once the first key frame is in. */
  get codecString(): string | null {
    return this.config?.codecString ?? null;
  }

  get size(): VideoSize | null {
    return this.config ? { width: this.config.width, height: this.config.height } : null;
  }

  /** The current init segment (for a viewer who joins mid-stream). */
  get init(): Buffer | null {
    return this.config?.init ?? null;
  }

  /**
   * One access unit (Annex-B), its 1078 timestamp in ms and the packet's last-frame interval.
   * Never throws.
   */
  push(accessUnit: Buffer, timestampMs: number | null, lastFrameIntervalMs: number | null = null): MuxResult {
    const nals = splitAnnexB(accessUnit);
    const samples: Buffer[] = [];
    let keyframe = false;
    for (const nal of nals) {
      const type = this.nalType(nal);
      if (this.isParameterSet(type)) this.params.set(type, Buffer.from(nal));
      else if (!this.isDropped(type)) {
        samples.push(nal);
        if (this.isKey(type)) keyframe = true;
      }
    }
    if (samples.length === 0) return this.refuse('empty');
    let init: Buffer | null = null;
    if (keyframe) {
      const key = [...this.params.entries()].sort(([a], [b]) => a - b).map(([, v]) => v.toString('hex')).join('/');
      if (!this.config || key !== this.config.key) {
        const config = this.configure(key);
        if (config === 'missing') return this.refuse(this.config ? 'bad_parameters' : 'waiting');
        if (config === 'bad') return this.refuse('bad_parameters');
        this.config = config;
        init = config.init;
      }
    }
    if (!this.config) return this.refuse('waiting');
    const durationMs = this.advance(timestampMs, lastFrameIntervalMs);
    const fragment = this.fragment(samples, keyframe, durationMs);
    return { init, fragment, keyframe };
  }

  private refuse(why: MuxDrop): MuxResult {
    this.drops[why]++;
    return { init: null, fragment: null, keyframe: false };
  }

  private nalType(nal: Buffer): number {
    return this.codec === 'h264' ? nal[0]! & 0x1f : (nal[0]! >> 1) & 0x3f;
  }

  private isParameterSet(type: number): boolean {
    return this.codec === 'h264' ? type === 7 || type === 8 : type >= 32 && type <= 34;
  }

  /** access unit delimiters, end of sequence/stream, filler: nothing a sample needs */
  private isDropped(type: number): boolean {
    return this.codec === 'h264' ? type === 9 || type === 10 || type === 11 || type === 12 : type >= 35 && type <= 38;
  }

  private isKey(type: number): boolean {
    return this.codec === 'h264' ? type === 5 : type >= 16 && type <= 23;
  }

  /** Sets the decode time of this frame; returns its duration estimate, ms. */
  private advance(ts: number | null, lastFrameIntervalMs: number | null): number {
    const guess = this.lastDeltaMs ?? (lastFrameIntervalMs && lastFrameIntervalMs < 1000 ? lastFrameIntervalMs : DEFAULT_FRAME_MS);
    if (this.lastTimestamp === null) {
      this.lastTimestamp = ts ?? 0;
      return guess;
    }
    const delta = ts === null ? NaN : ts - this.lastTimestamp;
    if (!(delta > 0 && delta <= this.maxJumpMs)) {
      this.timestampRepairs++;
      this.nextTime += Math.round(guess * (VIDEO_TIMESCALE / 1000));
      this.lastTimestamp = ts ?? this.lastTimestamp + guess;
      return guess;
    }
    this.nextTime += Math.round(delta * (VIDEO_TIMESCALE / 1000));
    this.lastTimestamp = ts;
    this.lastDeltaMs = delta;
    return delta;
  }

  private configure(key: string): Config | 'missing' | 'bad' {
    try {
      if (this.codec === 'h264') {
        const sps = this.params.get(7);
        const pps = this.params.get(8);
        if (!sps || !pps) return 'missing';
        const info = parseH264Sps(sps);
        const entry = sampleEntry('avc1', info, avcC(sps, pps));
        return { ...size(info), codecString: avcCodecString(info), key, init: initSegment(entry, info) };
      }
      const vps = this.params.get(32);
      const sps = this.params.get(33);
      const pps = this.params.get(34);
      if (!vps || !sps || !pps) return 'missing';
      const info = parseH265Sps(sps);
      const entry = sampleEntry('hvc1', info, hvcC(vps, sps, pps, info));
      return { ...size(info), codecString: hevcCodecString(info), key, init: initSegment(entry, info) };
    } catch {
      // a RangeError from the SPS reader: a set that ends early or holds impossible values
      return 'bad';
    }
  }

  private fragment(nals: Buffer[], keyframe: boolean, durationMs: number): Buffer {
    const sampleSize = nals.reduce((n, nal) => n + 4 + nal.length, 0);
    const flags = keyframe ? 0x02000000 : 0x01010000; // depends on none / depends on others, not sync
    const duration = Math.max(1, Math.round(durationMs * (VIDEO_TIMESCALE / 1000)));
    const trun = (dataOffset: number): Buffer =>
      fullBox('trun', 0, 0x000701, u32(1), u32(dataOffset), u32(duration), u32(sampleSize), u32(flags));
    const sequence = ++this.sequence;
    const build = (dataOffset: number): Buffer =>
      box(
        'moof',
        fullBox('mfhd', 0, 0, u32(sequence)),
        box('traf', fullBox('tfhd', 0, 0x020000, u32(1)), fullBox('tfdt', 1, 0, u64(this.nextTime)), trun(dataOffset)),
      );
    // the data offset counts from the moof's first byte to the sample: the moof's size + mdat's header
    const moofSize = build(0).length;
    const moof = build(moofSize + 8);
    const mdat = Buffer.allocUnsafe(8 + sampleSize);
    mdat.writeUInt32BE(8 + sampleSize, 0);
    mdat.write('mdat', 4, 'latin1');
    let at = 8;
    for (const nal of nals) {
      mdat.writeUInt32BE(nal.length, at);
      nal.copy(mdat, at + 4);
      at += 4 + nal.length;
    }
    this.fragments++;
    return Buffer.concat([moof, mdat]);
  }
}

const size = (s: VideoSize): VideoSize => ({ width: s.width, height: s.height });

/** avc1/hvc1 visual sample entry (14496-12 §12.1.3) around its configuration box. */
function sampleEntry(type: 'avc1' | 'hvc1', s: VideoSize, config: Buffer): Buffer {
  return box(
    type,
    zeros(6),
    u16(1), // data_reference_index
    zeros(16), // pre_defined, reserved
    u16(s.width),
    u16(s.height),
    u32(0x00480000), // 72 dpi
    u32(0x00480000),
    u32(0),
    u16(1), // frame_count
    zeros(32), // compressorname
    u16(0x0018), // depth
    u16(0xffff), // pre_defined -1
    config,
  );
}

function initSegment(entry: Buffer, s: VideoSize): Buffer {
  const ftyp = box('ftyp', Buffer.from('isom', 'latin1'), u32(0x200), Buffer.from('isomiso6iso5mp41', 'latin1'));
  const mvhd = fullBox('mvhd', 0, 0, u32(0), u32(0), u32(1000), u32(0), u32(0x00010000), u16(0x0100), zeros(10), UNITY_MATRIX, zeros(24), u32(2));
  const tkhd = fullBox('tkhd', 0, 0x000003, u32(0), u32(0), u32(1), u32(0), u32(0), zeros(8), u16(0), u16(0), u16(0), u16(0), UNITY_MATRIX, u32(s.width * 0x10000), u32(s.height * 0x10000));
  const mdhd = fullBox('mdhd', 0, 0, u32(0), u32(0), u32(VIDEO_TIMESCALE), u32(0), u16(0x55c4), u16(0)); // language "und"
  const hdlr = fullBox('hdlr', 0, 0, u32(0), Buffer.from('vide', 'latin1'), zeros(12), Buffer.from('VideoHandler\0', 'latin1'));
  const dinf = box('dinf', fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1)));
  const stbl = box(
    'stbl',
    fullBox('stsd', 0, 0, u32(1), entry),
    fullBox('stts', 0, 0, u32(0)),
    fullBox('stsc', 0, 0, u32(0)),
    fullBox('stsz', 0, 0, u32(0), u32(0)),
    fullBox('stco', 0, 0, u32(0)),
  );
  const minf = box('minf', fullBox('vmhd', 0, 1, zeros(8)), dinf, stbl);
  const trak = box('trak', tkhd, box('mdia', mdhd, hdlr, minf));
  const mvex = box('mvex', fullBox('trex', 0, 0, u32(1), u32(1), u32(0), u32(0), u32(0)));
  return Buffer.concat([ftyp, box('moov', mvhd, trak, mvex)]);
}
