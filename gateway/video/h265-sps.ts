/**
 * What an fMP4 init segment needs from an H.265 sequence parameter set (ITU-T H.265 §7.3.2.2.1,
 * profile_tier_level §7.3.3): the 12 bytes of general profile, compatibility, constraint and
 * level that hvcC repeats as they are, the chroma format and bit depths, and the picture size
 * after the conformance window.
 */
import { BitReader } from './bit-reader.js';
import type { VideoSize } from './h264-sps.js';
import { toRbsp } from './nal.js';

export interface H265Sps extends VideoSize {
  /** general_profile_space .. general_level_idc: the 12 bytes hvcC copies */
  profileTierLevel: Buffer;
  chromaFormat: number;
  bitDepthLuma: number;
  bitDepthChroma: number;
  temporalIdNested: number;
  maxSubLayers: number;
}

/** `nal` with its two-byte header. Throws RangeError on a set that ends early or is out of range. */
export function parseH265Sps(nal: Buffer): H265Sps {
  const rbsp = toRbsp(nal.subarray(2));
  const r = new BitReader(rbsp);
  r.bits(4); // sps_video_parameter_set_id
  const maxSubLayersMinus1 = r.bits(3);
  const temporalIdNested = r.bit();
  // general profile_tier_level: 2+1+5 bits, 32 compatibility flags, 48 constraint bits, level
  if (rbsp.length < 13) throw new RangeError('parameter set ends early');
  const profileTierLevel = Buffer.from(rbsp.subarray(1, 13));
  r.skip(96);
  const profilePresent: number[] = [];
  const levelPresent: number[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    profilePresent.push(r.bit());
    levelPresent.push(r.bit());
  }
  if (maxSubLayersMinus1 > 0) r.skip(2 * (8 - maxSubLayersMinus1));
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (profilePresent[i]) r.skip(88);
    if (levelPresent[i]) r.skip(8);
  }
  r.ue(); // sps_seq_parameter_set_id
  const chromaFormat = r.ue();
  if (chromaFormat > 3) throw new RangeError(`chroma_format_idc ${chromaFormat}`);
  let separateColourPlanes = 0;
  if (chromaFormat === 3) separateColourPlanes = r.bit();
  let width = r.ue();
  let height = r.ue();
  if (r.bit()) {
    // conformance window offsets in chroma units (Table 6-1)
    const arrayType = separateColourPlanes ? 0 : chromaFormat;
    const subW = arrayType === 1 || arrayType === 2 ? 2 : 1;
    const subH = arrayType === 1 ? 2 : 1;
    const [l, rr, t, b] = [r.ue(), r.ue(), r.ue(), r.ue()];
    width -= subW * (l + rr);
    height -= subH * (t + b);
  }
  const bitDepthLuma = r.ue() + 8;
  const bitDepthChroma = r.ue() + 8;
  if (width < 1 || height < 1 || width > 16384 || height > 16384) throw new RangeError(`picture ${width}x${height}`);
  if (bitDepthLuma > 16 || bitDepthChroma > 16) throw new RangeError('bit depth over 16');
  return { profileTierLevel, chromaFormat, bitDepthLuma, bitDepthChroma, temporalIdNested, maxSubLayers: maxSubLayersMinus1 + 1, width, height };
}
