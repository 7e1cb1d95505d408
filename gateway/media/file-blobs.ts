/**
 * Media bytes as files under the data directory: `{dataDir}/media/{terminal}/{file}`. Written to a
 * `.part` name and renamed, so a reader never sees half a file. An opened file is read through its
 * descriptor: a file deleted (drop-oldest) while it is being served is still served whole.
 */
import { copyFile, mkdir, open, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MediaBlobs, MediaObject, StoredBlob } from './blobs.js';

/** What the media store makes (store.ts): nothing else is opened, whatever a record says. */
const KEY = /^media\/[0-9A-Za-z_-]{1,64}\/[0-9A-Za-z_.-]{1,128}$/;
const PART = '.part';

export class FileBlobs implements MediaBlobs {
  constructor(readonly dataDir: string) {}

  async put(key: string, data: Buffer): Promise<void> {
    const file = this.fileOf(key);
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file + PART, data);
    await rename(file + PART, file);
  }

  async adopt(key: string, source: string): Promise<void> {
    const file = this.fileOf(key);
    await mkdir(join(file, '..'), { recursive: true });
    try {
      await rename(source, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      // another filesystem (a mount under dataDir): copied under the part name, then renamed
      await copyFile(source, file + PART);
      await rename(file + PART, file);
      await unlink(source).catch(() => undefined);
    }
  }

  async open(key: string): Promise<MediaObject | undefined> {
    if (!KEY.test(key) || key.endsWith(PART) || key.includes('..')) return undefined;
    const handle = await open(this.fileOf(key), 'r').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'EISDIR' || e.code === 'ENOTDIR') return undefined;
      throw e;
    });
    if (!handle) return undefined;
    const s = await handle.stat().catch(async (e: unknown) => {
      await handle.close();
      throw e;
    });
    if (!s.isFile()) {
      await handle.close();
      return undefined;
    }
    return {
      bytes: s.size,
      stream: (range) => handle.createReadStream({ autoClose: true, ...(range ? { start: range.start, end: range.end } : {}) }),
      close: () => handle.close(),
    };
  }

  async remove(key: string): Promise<void> {
    await unlink(this.fileOf(key)).catch(() => undefined);
  }

  async list(): Promise<StoredBlob[]> {
    const root = join(this.dataDir, 'media');
    const found: StoredBlob[] = [];
    const dirs = await readdir(root, { withFileTypes: true }).catch(() => []);
    for (const d of dirs) {
      if (!d.isDirectory()) continue;
      for (const name of await readdir(join(root, d.name)).catch(() => [] as string[])) {
        const full = join(root, d.name, name);
        if (name.endsWith(PART)) {
          await unlink(full).catch(() => undefined);
          continue;
        }
        const s = await stat(full).catch(() => undefined);
        if (s?.isFile()) found.push({ key: `media/${d.name}/${name}`, bytes: s.size, modifiedMs: s.mtimeMs });
      }
    }
    return found;
  }

  private fileOf(key: string): string {
    return join(this.dataDir, ...key.split('/'));
  }
}
