/**
 * A real MP4 video clip a browser plays, made without an encoder: H.264 Baseline (ITU-T H.264)
 * whose first frame is an IDR picture of I_PCM macroblocks (the samples themselves, 384 bytes a
 * macroblock) and whose other frames are P pictures with every macroblock skipped (a few bytes
 * each: the picture stands still, the clock runs). In ISO BMFF (ISO/IEC 14496-12/-15): ftyp,
 * moov (one avc1 track) before mdat, so it plays from the first bytes.
 */

/** An RBSP written bit by bit: u(n), ue(v), se(v) (H.264 7.2, 9.1). */
class Rbsp {
  private readonly out: number[] = [];
  private acc = 0;
  private n = 0;

  u(value: number, length: number): this {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | (Math.floor(value / 2 ** i) & 1);
      if (++this.n === 8) this.flush();
    }
    return this;
  }

  ue(value: number): this {
    const length = Math.floor(Math.log2(value + 1));
    this.u(0, length);
    return this.u(value + 1, length + 1);
  }

  se(value: number): this {
    return this.ue(value > 0 ? 2 * value - 1 : -2 * value);
  }

  get aligned(): boolean {
    return this.n === 0;
  }

  bytes(data: Buffer): this {
    if (!this.aligned) throw new Error('not byte-aligned');
    this.out.push(...data);
    return this;
  }

  /** rbsp_trailing_bits: a 1, then 0s to the byte */
  end(): Buffer {
    this.u(1, 1);
    while (!this.aligned) this.u(0, 1);
    return Buffer.from(this.out);
  }

  private flush(): void {
    this.out.push(this.acc);
    this.acc = 0;
    this.n = 0;
  }
}

/** A NAL unit: its header byte, then the RBSP with emulation prevention (00 00 0x -> 00 00 03 0x, 7.4.1). */
function nal(refIdc: number, type: number, rbsp: Buffer): Buffer {
  const out: number[] = [(refIdc << 5) | type];
  let zeros = 0;
  for (const b of rbsp) {
    if (zeros >= 2 && b <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(b);
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return Buffer.from(out);
}

const PROFILE = 66; // Baseline
const CONSTRAINTS = 0xc0; // constraint_set0 and set1: Baseline as Main decoders take it
const LEVEL = 30;
const LOG2_MAX_FRAME_NUM = 4;

function sps(mbWidth: number, mbHeight: number): Buffer {
  const r = new Rbsp().u(PROFILE, 8).u(CONSTRAINTS, 8).u(LEVEL, 8).ue(0); // seq_parameter_set_id
  r.ue(LOG2_MAX_FRAME_NUM - 4).ue(2); // pic_order_cnt_type 2: output order is decoding order
  r.ue(1).u(0, 1); // max_num_ref_frames, gaps_in_frame_num_value_allowed_flag
  r.ue(mbWidth - 1).ue(mbHeight - 1);
  r.u(1, 1).u(1, 1).u(0, 1).u(0, 1); // frame_mbs_only, direct_8x8_inference, frame_cropping, vui_parameters_present
  return nal(3, 7, r.end());
}

function pps(): Buffer {
  const r = new Rbsp().ue(0).ue(0).u(0, 1).u(0, 1).ue(0); // ids, CAVLC, no field order, one slice group
  r.ue(0).ue(0).u(0, 1).u(0, 2); // ref idx defaults, no weighted prediction
  r.se(0).se(0).se(0); // pic_init_qp, pic_init_qs, chroma_qp_index_offset
  r.u(0, 1).u(0, 1).u(0, 1); // deblocking_filter_control_present, constrained_intra_pred, redundant_pic_cnt_present
  return nal(3, 8, r.end());
}

/** The IDR picture: every macroblock I_PCM (mb_type 25 in an I slice), its samples a diagonal gradient. */
function idr(mbWidth: number, mbHeight: number): Buffer {
  const r = new Rbsp().ue(0).ue(2).ue(0).u(0, LOG2_MAX_FRAME_NUM).ue(0); // first_mb, I slice, pps, frame_num, idr_pic_id
  r.u(0, 1).u(0, 1).se(0); // no_output_of_prior_pics, long_term_reference, slice_qp_delta
  for (let my = 0; my < mbHeight; my++) {
    for (let mx = 0; mx < mbWidth; mx++) {
      r.ue(25);
      while (!r.aligned) r.u(0, 1); // pcm_alignment_zero_bit
      const luma = Buffer.alloc(256);
      for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) luma[y * 16 + x] = 32 + (((mx * 16 + x + my * 16 + y) * 3) % 192);
      // Cb then Cr, 8x8 each (4:2:0): a blue-ish tint
      r.bytes(luma).bytes(Buffer.alloc(64, 150)).bytes(Buffer.alloc(64, 110));
    }
  }
  return nal(3, 5, r.end());
}

/** A P picture with every macroblock skipped (one mb_skip_run): the reference shown again. */
function skipped(frameNum: number, macroblocks: number): Buffer {
  const r = new Rbsp().ue(0).ue(0).ue(0).u(frameNum % 2 ** LOG2_MAX_FRAME_NUM, LOG2_MAX_FRAME_NUM); // first_mb, P slice, pps, frame_num
  r.u(0, 1).u(0, 1).u(0, 1).se(0); // num_ref_idx_active_override, ref_pic_list_modification_l0, adaptive_ref_pic_marking, slice_qp_delta
  r.ue(macroblocks);
  return nal(2, 1, r.end());
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const box = (type: string, ...parts: Buffer[]) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([u32(body.length + 8), Buffer.from(type, 'latin1'), body]);
};
const full = (type: string, version: number, flags: number, ...parts: Buffer[]) => box(type, u32(version * 2 ** 24 + flags), ...parts);
const MATRIX = Buffer.concat([0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000].map(u32));

/**
 * A clip of `frames` frames at `fps`, width and height multiples of 16. The SPS and PPS are in the
 * avcC box; each sample is one NAL unit behind its 4-byte length.
 */
export function stillClip(options: { width?: number; height?: number; frames?: number; fps?: number } = {}): Buffer {
  const { width = 64, height = 48, frames = 20, fps = 10 } = options;
  if (width % 16 || height % 16 || width <= 0 || height <= 0 || width > 1920 || height > 1088) throw new RangeError('width and height: positive multiples of 16');
  if (!Number.isInteger(frames) || frames < 1 || frames > 10_000 || !Number.isInteger(fps) || fps < 1 || fps > 120) throw new RangeError('frames 1-10000, fps 1-120');
  const mbWidth = width / 16;
  const mbHeight = height / 16;
  const parameterSets = { sps: sps(mbWidth, mbHeight), pps: pps() };
  const samples = [idr(mbWidth, mbHeight), ...Array.from({ length: frames - 1 }, (_, i) => skipped(i + 1, mbWidth * mbHeight))].map((n) => Buffer.concat([u32(n.length), n]));
  const timescale = 1000;
  const delta = Math.round(timescale / fps);
  const duration = delta * frames;

  const avcC = box('avcC', Buffer.from([1, PROFILE, CONSTRAINTS, LEVEL, 0xff, 0xe1]), u16(parameterSets.sps.length), parameterSets.sps, Buffer.from([1]), u16(parameterSets.pps.length), parameterSets.pps);
  const avc1 = box(
    'avc1',
    Buffer.alloc(6),
    u16(1), // data_reference_index
    Buffer.alloc(16),
    u16(width),
    u16(height),
    u32(0x00480000), // 72 dpi
    u32(0x00480000),
    u32(0),
    u16(1), // frame_count
    Buffer.alloc(32), // compressorname
    u16(0x18), // depth
    u16(0xffff), // pre_defined -1
    avcC,
  );
  const moov = (chunkOffset: number) =>
    box(
      'moov',
      full('mvhd', 0, 0, u32(0), u32(0), u32(timescale), u32(duration), u32(0x00010000), u16(0x0100), Buffer.alloc(10), MATRIX, Buffer.alloc(24), u32(2)),
      box(
        'trak',
        full('tkhd', 0, 3, u32(0), u32(0), u32(1), u32(0), u32(duration), Buffer.alloc(8), u16(0), u16(0), u16(0), u16(0), MATRIX, u32(width * 0x10000), u32(height * 0x10000)),
        box(
          'mdia',
          full('mdhd', 0, 0, u32(0), u32(0), u32(timescale), u32(duration), u16(0x55c4), u16(0)), // language "und"
          full('hdlr', 0, 0, u32(0), Buffer.from('vide', 'latin1'), Buffer.alloc(12), Buffer.from('VideoHandler\0', 'latin1')),
          box(
            'minf',
            full('vmhd', 0, 1, Buffer.alloc(8)),
            box('dinf', full('dref', 0, 0, u32(1), full('url ', 0, 1))),
            box(
              'stbl',
              full('stsd', 0, 0, u32(1), avc1),
              full('stts', 0, 0, u32(1), u32(frames), u32(delta)),
              full('stss', 0, 0, u32(1), u32(1)), // only the first frame is a sync sample
              full('stsc', 0, 0, u32(1), u32(1), u32(frames), u32(1)),
              full('stsz', 0, 0, u32(0), u32(frames), ...samples.map((s) => u32(s.length))),
              full('stco', 0, 0, u32(1), u32(chunkOffset)),
            ),
          ),
        ),
      ),
    );
  const ftyp = box('ftyp', Buffer.from('isom', 'latin1'), u32(0x200), Buffer.from('isomiso2avc1mp41', 'latin1'));
  // the one chunk starts after ftyp, moov (its size does not depend on the offset) and mdat's header
  const offset = ftyp.length + moov(0).length + 8;
  return Buffer.concat([ftyp, moov(offset), box('mdat', ...samples)]);
}
