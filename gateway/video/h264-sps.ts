/**
 * What an fMP4 init segment needs from an H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1):
 * profile, constraint flags and level (for avcC and the codec string) and the picture size after
 * cropping (for tkhd and the sample entry).
 */
import { BitReader } from './bit-reader.js';
import { toRbsp } from './nal.js';

export interface VideoSize {
  width: number;
  height: number;
}

export interface H264Sps extends VideoSize {
  profile: number;
  compatibility: number;
  level: number;
}

/** profile_idc values whose SPS carries chroma format, bit depths and scaling matrices */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** `nal` with its one-byte header. Throws RangeError on a set that ends early or is out of range. */
export function parseH264Sps(nal: Buffer): H264Sps {
  const r = new BitReader(toRbsp(nal.subarray(1)));
  const profile = r.bits(8);
  const compatibility = r.bits(8);
  const level = r.bits(8);
  r.ue(); // seq_parameter_set_id
  let chromaFormat = 1;
  let separateColourPlanes = 0;
  if (HIGH_PROFILES.has(profile)) {
    chromaFormat = r.ue();
    if (chromaFormat > 3) throw new RangeError(`chroma_format_idc ${chromaFormat}`);
    if (chromaFormat === 3) separateColourPlanes = r.bit();
    r.ue(); // bit_depth_luma_minus8
    r.ue(); // bit_depth_chroma_minus8
    r.bit(); // qpprime_y_zero_transform_bypass_flag
    if (r.bit()) {
      // seq_scaling_matrix_present_flag: skip each list present (§7.3.2.1.1.1)
      for (let i = 0; i < (chromaFormat === 3 ? 12 : 8); i++) {
        if (!r.bit()) continue;
        const size = i < 6 ? 16 : 64;
        let last = 8;
        let next = 8;
        for (let j = 0; j < size && next !== 0; j++) {
          next = (last + r.se() + 256) % 256;
          if (next !== 0) last = next;
        }
      }
    }
  }
  r.ue(); // log2_max_frame_num_minus4
  const pocType = r.ue();
  if (pocType === 0) r.ue();
  else if (pocType === 1) {
    r.bit();
    r.se();
    r.se();
    const cycle = r.ue();
    if (cycle > 255) throw new RangeError(`num_ref_frames_in_pic_order_cnt_cycle ${cycle}`);
    for (let i = 0; i < cycle; i++) r.se();
  }
  r.ue(); // max_num_ref_frames
  r.bit(); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = r.ue() + 1;
  const heightMapUnits = r.ue() + 1;
  const frameMbsOnly = r.bit();
  if (!frameMbsOnly) r.bit(); // mb_adaptive_frame_field_flag
  r.bit(); // direct_8x8_inference_flag
  let crop = [0, 0, 0, 0];
  if (r.bit()) crop = [r.ue(), r.ue(), r.ue(), r.ue()];
  // Table 6-1: SubWidthC, SubHeightC; ChromaArrayType 0 (monochrome or separate planes) crops in luma samples
  const arrayType = separateColourPlanes ? 0 : chromaFormat;
  const cropX = arrayType === 0 ? 1 : arrayType === 3 ? 1 : 2;
  const cropY = (arrayType === 1 ? 2 : 1) * (2 - frameMbsOnly);
  const width = widthMbs * 16 - cropX * (crop[0]! + crop[1]!);
  const height = (2 - frameMbsOnly) * heightMapUnits * 16 - cropY * (crop[2]! + crop[3]!);
  if (width < 1 || height < 1 || width > 16384 || height > 16384) throw new RangeError(`picture ${width}x${height}`);
  return { profile, compatibility, level, width, height };
}
