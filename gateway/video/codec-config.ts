/**
 * The decoder configuration records an fMP4 sample entry carries, built from parameter sets:
 * avcC (ISO/IEC 14496-15 §5.3.3.1) and hvcC (§8.3.3.1), and the RFC 6381 codec strings MSE's
 * `isTypeSupported` and an HLS playlist's CODECS take.
 */
import type { H264Sps } from './h264-sps.js';
import type { H265Sps } from './h265-sps.js';
import { box, u16, u8 } from './mp4-boxes.js';

/** avcC with one SPS and one PPS; NAL lengths in 4 bytes. */
export function avcC(sps: Buffer, pps: Buffer): Buffer {
  return box('avcC', u8(1), sps.subarray(1, 4), u8(0xfc | 3), u8(0xe0 | 1), u16(sps.length), sps, u8(1), u16(pps.length), pps);
}

/** hvcC with one VPS, SPS and PPS array each; NAL lengths in 4 bytes. */
export function hvcC(vps: Buffer, sps: Buffer, pps: Buffer, info: H265Sps): Buffer {
  const array = (type: number, nal: Buffer): Buffer => Buffer.concat([u8(0x80 | type), u16(1), u16(nal.length), nal]);
  return box(
    'hvcC',
    u8(1),
    info.profileTierLevel, // profile space, tier, profile, 32 compatibility flags, 48 constraint bits, level
    u16(0xf000), // min_spatial_segmentation_idc 0
    u8(0xfc), // parallelismType 0 (unknown)
    u8(0xfc | info.chromaFormat),
    u8(0xf8 | (info.bitDepthLuma - 8)),
    u8(0xf8 | (info.bitDepthChroma - 8)),
    u16(0), // avgFrameRate unknown
    // constantFrameRate 0, numTemporalLayers, temporalIdNested, lengthSizeMinusOne 3
    u8(((info.maxSubLayers & 7) << 3) | ((info.temporalIdNested & 1) << 2) | 3),
    u8(3),
    array(32, vps),
    array(33, sps),
    array(34, pps),
  );
}

const hex2 = (v: number): string => v.toString(16).padStart(2, '0').toUpperCase();

/** avc1.PPCCLL */
export function avcCodecString(sps: H264Sps): string {
  return `avc1.${hex2(sps.profile)}${hex2(sps.compatibility)}${hex2(sps.level)}`;
}

/** hvc1.[space]profile.compat(bit-reversed hex).tier+level.constraint bytes (RFC 6381 via ISO/IEC 14496-15 Annex E) */
export function hevcCodecString(sps: H265Sps): string {
  const ptl = sps.profileTierLevel;
  const space = ['', 'A', 'B', 'C'][ptl[0]! >> 6]!;
  const tier = ptl[0]! & 0x20 ? 'H' : 'L';
  const profile = ptl[0]! & 0x1f;
  let compat = ptl.readUInt32BE(1);
  let reversed = 0;
  for (let i = 0; i < 32; i++) {
    reversed = (reversed * 2) | (compat & 1);
    compat >>>= 1;
  }
  const constraints = [...ptl.subarray(5, 11)];
  while (constraints.length > 0 && constraints[constraints.length - 1] === 0) constraints.pop();
  const tail = constraints.map((b) => b.toString(16).toUpperCase()).join('.');
  return `hvc1.${space}${profile}.${(reversed >>> 0).toString(16).toUpperCase()}.${tier}${ptl[11]}${tail ? `.${tail}` : ''}`;
}
