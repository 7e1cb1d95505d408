/**
 * A short MP4-shaped payload for evidence uploads (the Su-biao attachments' video): an `ftyp`
 * box (isom, with the brands a phone's recorder writes), a `moov` holding a movie header of the
 * clip's duration, and an `mdat` of seeded noise. Like photo.ts's JPEG it is not a playable
 * film, but anything that sniffs MP4 by its boxes (file(1), a browser's content sniffing, the
 * gateway's type check) takes it for one; `moov` before `mdat` is the fast-start order recorders
 * use for clips that are uploaded whole.
 */
import type { Rng } from './rng.js';

const FTYP = 32;
const MOOV = 8 + 108;
const MDAT_HEADER = 8;

function box(type: string, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + payload.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, payload]);
}

/** ISO/IEC 14496-12 §8.2.2, version 0: times 0, timescale 1000, rate 1.0, volume 1.0, identity matrix, next track 2. */
function movieHeader(durationMs: number): Buffer {
  const p = Buffer.alloc(100);
  p.writeUInt32BE(1000, 12); // timescale: milliseconds
  p.writeUInt32BE(durationMs, 16);
  p.writeUInt32BE(0x00010000, 20); // rate 1.0
  p.writeUInt16BE(0x0100, 24); // volume 1.0
  const matrix = [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000];
  matrix.forEach((v, i) => p.writeUInt32BE(v, 36 + 4 * i));
  p.writeUInt32BE(2, 96); // next track ID
  return box('mvhd', p);
}

/** About `bytes` long (at least the boxes and 16 bytes of media data), `durationMs` long as its header says. */
export function fakeMp4(rng: Rng, bytes: number, durationMs = 10_000): Buffer {
  const ftyp = box('ftyp', Buffer.from('isom' + '\x00\x00\x02\x00' + 'isomiso2avc1mp41', 'latin1'));
  const moov = box('moov', movieHeader(durationMs));
  const mdat = box('mdat', rng.bytes(Math.max(16, bytes - FTYP - MOOV - MDAT_HEADER)));
  return Buffer.concat([ftyp, moov, mdat]);
}
