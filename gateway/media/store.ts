/**
 * Multimedia files (evidence photos, audio, video clips) under the data directory:
 *   {dataDir}/media/{terminal}/{mediaId}-{receivedAt}.{ext}
 * Written to a temporary name and renamed, so a reader never sees half a file. The time in
 * the name keeps a re-used mediaId from overwriting earlier evidence.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** 2013 table 82 multimedia format codes. */
const EXTENSIONS = ['jpg', 'tif', 'mp3', 'wav', 'wmv'];

export class MediaStore {
  constructor(readonly dataDir: string) {}

  /** Stores the bytes; resolves with the path relative to the data directory. */
  async save(terminal: string, mediaId: number, format: number, data: Buffer, receivedAt: number): Promise<string> {
    const dir = join(this.dataDir, 'media', terminal.replace(/[^0-9A-Za-z_-]/g, '_'));
    await mkdir(dir, { recursive: true });
    const ext = EXTENSIONS[format] ?? 'bin';
    const file = join(dir, `${mediaId}-${new Date(receivedAt).toISOString().replace(/[:.]/g, '')}.${ext}`);
    const tmp = `${file}.part`;
    await writeFile(tmp, data);
    await rename(tmp, file);
    return relative(this.dataDir, file);
  }
}
