/**
 * The 0x0801 format codes (2013 table 82, the codec's MEDIA_FORMAT) as files: the extension the
 * media store names them with and the Content-Type the API serves them as. A code the table does
 * not have (a vendor's) is kept as bytes: `.bin`, application/octet-stream.
 */
import { MEDIA_FORMAT } from '../decoders/index.js';

export type MediaFormatName = keyof typeof MEDIA_FORMAT;

const FILES: Record<MediaFormatName, { ext: string; contentType: string }> = {
  jpeg: { ext: 'jpg', contentType: 'image/jpeg' },
  tif: { ext: 'tif', contentType: 'image/tiff' },
  mp3: { ext: 'mp3', contentType: 'audio/mpeg' },
  wav: { ext: 'wav', contentType: 'audio/wav' },
  wmv: { ext: 'wmv', contentType: 'video/x-ms-wmv' },
};

const BY_CODE = new Map<number, { ext: string; contentType: string }>(Object.entries(MEDIA_FORMAT).map(([name, code]) => [code, FILES[name as MediaFormatName]]));

export function mediaFile(format: number): { ext: string; contentType: string } {
  return BY_CODE.get(format) ?? { ext: 'bin', contentType: 'application/octet-stream' };
}
