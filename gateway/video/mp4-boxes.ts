/**
 * ISO BMFF (ISO/IEC 14496-12) box writing: a box is its 32-bit size, its four-character type
 * and its payload; a full box adds a version byte and 24 bits of flags. Only what a fragmented
 * MP4 of one track needs; every integer big-endian.
 */

export function u8(v: number): Buffer {
  return Buffer.from([v & 0xff]);
}

export function u16(v: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(v & 0xffff);
  return b;
}

export function u32(v: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

export function u64(v: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(v))));
  return b;
}

export function zeros(n: number): Buffer {
  return Buffer.alloc(n);
}

export function box(type: string, ...payload: Buffer[]): Buffer {
  const size = 8 + payload.reduce((n, p) => n + p.length, 0);
  const head = Buffer.allocUnsafe(8);
  head.writeUInt32BE(size);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, ...payload], size);
}

export function fullBox(type: string, version: number, flags: number, ...payload: Buffer[]): Buffer {
  return box(type, u32(((version & 0xff) << 24) | (flags & 0xffffff)), ...payload);
}

/** The unity matrix of tkhd and mvhd (16.16 and 2.30 fixed point). */
export const UNITY_MATRIX = Buffer.concat([u32(0x00010000), u32(0), u32(0), u32(0), u32(0x00010000), u32(0), u32(0), u32(0), u32(0x40000000)]);
