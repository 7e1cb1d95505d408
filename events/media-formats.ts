/**
 * The 0x0801 format codes (2013 table 82, the codec's MEDIA_FORMAT) as files: the extension the
 * media store names them with and the Content-Type the API serves them as. A code the table does
 * not have (a vendor's) is kept as bytes: `.bin`, application/octet-stream.
 *
 * Files a person uploads as evidence (POST /api/cases/{id}/media) may be in formats the table
 * has no code for (PNG, MP4): they get codes from 256 up. A terminal's format is one byte, so no
 * vendor's code can ever be read as one of these.
 */
import { MEDIA_FORMAT } from '../decoders/index.js';

export type MediaFormatName = keyof typeof MEDIA_FORMAT;

/** formats only an upload has: past the byte a terminal's 0x0801 can carry */
export const UPLOAD_FORMAT = { png: 256, mp4: 257 } as const;
export type UploadFormatName = keyof typeof UPLOAD_FORMAT;

const FILES: Record<MediaFormatName | UploadFormatName, { ext: string; contentType: string }> = {
  jpeg: { ext: 'jpg', contentType: 'image/jpeg' },
  tif: { ext: 'tif', contentType: 'image/tiff' },
  mp3: { ext: 'mp3', contentType: 'audio/mpeg' },
  wav: { ext: 'wav', contentType: 'audio/wav' },
  wmv: { ext: 'wmv', contentType: 'video/x-ms-wmv' },
  png: { ext: 'png', contentType: 'image/png' },
  mp4: { ext: 'mp4', contentType: 'video/mp4' },
};

const BY_CODE = new Map<number, { ext: string; contentType: string }>(
  Object.entries({ ...MEDIA_FORMAT, ...UPLOAD_FORMAT }).map(([name, code]) => [code, FILES[name as MediaFormatName | UploadFormatName]]),
);

export function mediaFile(format: number): { ext: string; contentType: string } {
  return BY_CODE.get(format) ?? { ext: 'bin', contentType: 'application/octet-stream' };
}

/** A file's format code by its extension (jpg 0, tif 1, mp3 2, wav 3, wmv 4, png 256, mp4 257); 255 for none of them. */
export const NO_FORMAT = 255;
const BY_EXT = new Map<string, number>([...BY_CODE].map(([code, file]) => [file.ext, code]));

export function formatOfExtension(ext: string): number {
  return BY_EXT.get(ext) ?? NO_FORMAT;
}
