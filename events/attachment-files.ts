/**
 * A T/JSATL12 attachment file (0x1211 fileType, its name) as a media file: the record's type, the
 * extension the media store names it with and the Content-Type the API serves it as. The name is
 * the terminal's (`<type>_<channel>_<alarmType>_<seq>_<alarmNo>.<ext>`, T/JSATL12 §4.6): only its
 * extension is read, and only the ones listed here are believed; anything else is bytes
 * (application/octet-stream), so a terminal can never make the API serve a page.
 */

/** 0x1211 fileType (T/JSATL12 table 4-23): 0 picture, 1 audio, 2 video, 3 text, 4 other. */
export const ATTACHMENT_FILE_TYPES = ['picture', 'audio', 'video', 'text', 'other'] as const;

const BY_EXT: Record<string, { ext: string; contentType: string }> = {
  jpg: { ext: 'jpg', contentType: 'image/jpeg' },
  jpeg: { ext: 'jpg', contentType: 'image/jpeg' },
  png: { ext: 'png', contentType: 'image/png' },
  bmp: { ext: 'bmp', contentType: 'image/bmp' },
  mp4: { ext: 'mp4', contentType: 'video/mp4' },
  h264: { ext: 'h264', contentType: 'video/h264' },
  '264': { ext: 'h264', contentType: 'video/h264' },
  avi: { ext: 'avi', contentType: 'video/x-msvideo' },
  wav: { ext: 'wav', contentType: 'audio/wav' },
  mp3: { ext: 'mp3', contentType: 'audio/mpeg' },
  txt: { ext: 'txt', contentType: 'text/plain; charset=utf-8' },
  bin: { ext: 'bin', contentType: 'application/octet-stream' },
};

const BYTES = { ext: 'bin', contentType: 'application/octet-stream' };

/** The extension and Content-Type of an attachment file, from its name's extension. */
export function attachmentFile(name: string): { ext: string; contentType: string } {
  const dot = name.lastIndexOf('.');
  if (dot < 0) return BYTES;
  return BY_EXT[name.slice(dot + 1).toLowerCase()] ?? BYTES;
}
