/**
 * A small JPEG-shaped payload for evidence uploads: SOI, a JFIF APP0 segment, a quantisation
 * table, a baseline frame header, a scan of seeded noise (no 0xFF, so no marker is faked) and
 * EOI. It is not a picture, but anything that sniffs JPEG by its markers takes it for one.
 */
import type { Rng } from './rng.js';

export function fakeJpeg(rng: Rng, bytes: number): Buffer {
  const head = Buffer.from(
    'ffd8' + // SOI
      'ffe000104a46494600010100004800480000' + // APP0 JFIF 1.1, 72 dpi
      'ffdb004300' + '10'.repeat(64) + // DQT, table 0
      'ffc0000b080780043801011100' + // SOF0 1920x1080, one component
      'ffda0008010100003f00', // SOS
    'hex',
  );
  const scanLength = Math.max(16, bytes - head.length - 2);
  const scan = rng.bytes(scanLength);
  for (let i = 0; i < scan.length; i++) if (scan[i] === 0xff) scan[i] = 0xfe;
  return Buffer.concat([head, scan, Buffer.from('ffd9', 'hex')]);
}
