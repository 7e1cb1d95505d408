/**
 * H.264/H.265 Annex-B byte streams (ITU-T H.264 Annex B, H.265 Annex B): NAL units behind
 * 00 00 01 or 00 00 00 01 start codes, and their RBSP (the payload with the 00 00 03
 * emulation-prevention bytes taken out) for reading parameter sets.
 */

/** The NAL units of an Annex-B access unit, as views, start codes (and trailing zeros) removed. */
export function splitAnnexB(data: Buffer): Buffer[] {
  const units: Buffer[] = [];
  let start = -1;
  let i = 0;
  const n = data.length;
  while (i + 2 < n) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      if (start >= 0) units.push(trimZeros(data, start, i));
      i += 3;
      start = i;
    } else {
      i++;
    }
  }
  if (start >= 0 && start < n) units.push(trimZeros(data, start, n));
  // a body without any start code is taken as one NAL unit (some terminals send them bare)
  if (start < 0 && n > 0) units.push(data);
  return units.filter((u) => u.length > 0);
}

/** [from, to) without the zero bytes before the next start code (the 4-byte form's leading 00). */
function trimZeros(data: Buffer, from: number, to: number): Buffer {
  let end = to;
  while (end > from && data[end - 1] === 0) end--;
  return data.subarray(from, end);
}

/** The RBSP of a NAL unit: every 00 00 03 becomes 00 00. */
export function toRbsp(nal: Buffer): Buffer {
  const out = Buffer.allocUnsafe(nal.length);
  let o = 0;
  let zeros = 0;
  for (let i = 0; i < nal.length; i++) {
    const b = nal[i]!;
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    zeros = b === 0 ? zeros + 1 : 0;
    out[o++] = b;
  }
  return out.subarray(0, o);
}
