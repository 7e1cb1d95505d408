/**
 * What a duty officer may upload as a case's evidence (POST /api/cases/{id}/media): a closed set
 * of content types, each with the media type and format its record gets and the magic number its
 * bytes must start with. A body whose bytes are not what its Content-Type says is refused: the
 * record would serve them under a type they are not (a page named image/jpeg, say).
 */
import { createHash } from 'node:crypto';
import { MEDIA_FORMAT, MEDIA_TYPE } from '../decoders/index.js';
import { UPLOAD_FORMAT } from './media-formats.js';

export const UPLOAD_CONTENT_TYPES = ['image/jpeg', 'image/png', 'video/mp4', 'audio/mpeg', 'audio/wav'] as const;
export type UploadContentType = (typeof UPLOAD_CONTENT_TYPES)[number];

interface UploadKind {
  type: number;
  format: number;
  /** whether the bytes start as this format's files do */
  magic(b: Buffer): boolean;
}

const at = (b: Buffer, offset: number, ascii: string) => b.length >= offset + ascii.length && b.toString('latin1', offset, offset + ascii.length) === ascii;

export const UPLOAD_KINDS: Readonly<Record<UploadContentType, UploadKind>> = {
  // SOI then the next marker's 0xFF
  'image/jpeg': { type: MEDIA_TYPE.image, format: MEDIA_FORMAT.jpeg, magic: (b) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  'image/png': { type: MEDIA_TYPE.image, format: UPLOAD_FORMAT.png, magic: (b) => at(b, 0, '\x89PNG\r\n\x1a\n') },
  // ISO BMFF: the first box is ftyp
  'video/mp4': { type: MEDIA_TYPE.video, format: UPLOAD_FORMAT.mp4, magic: (b) => at(b, 4, 'ftyp') },
  // an ID3v2 tag, or an MPEG audio frame's sync (11 bits set) with layer III
  'audio/mpeg': { type: MEDIA_TYPE.audio, format: MEDIA_FORMAT.mp3, magic: (b) => at(b, 0, 'ID3') || (b.length >= 2 && b[0] === 0xff && (b[1]! & 0xe6) === 0xe2) },
  'audio/wav': { type: MEDIA_TYPE.audio, format: MEDIA_FORMAT.wav, magic: (b) => at(b, 0, 'RIFF') && at(b, 8, 'WAVE') },
};

/** The kind for a Content-Type header (parameters and case ignored), undefined when not accepted. */
export function uploadKind(contentType: string | undefined): UploadKind | undefined {
  const essence = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  return (UPLOAD_CONTENT_TYPES as readonly string[]).includes(essence) ? UPLOAD_KINDS[essence as UploadContentType] : undefined;
}

/**
 * The pseudo-terminal a case's uploads are stored and recorded under: one per case, so
 * media.maxBytesPerTerminal bounds each case's file (and media.maxBytesTotal all of them, with the
 * terminals'). Made of a hash: org paths and case ids hold characters a media store key may not.
 */
export function caseUploader(org: string, id: string): string {
  return `case-${createHash('sha256').update(`${org}\u0000${id}`).digest('hex').slice(0, 20)}`;
}
