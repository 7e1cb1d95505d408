/**
 * One attachment file as it arrives: its data frames are written where their offsets say, in a
 * file of its own under `{dataDir}/attachments-partial/` (never held in memory), and the ranges
 * written so far are kept (ranges.ts) to answer 0x1212 with what is missing. Once whole, its
 * SHA-256 is read back from the disk and the file handed to the media store, which moves it;
 * otherwise `remove` deletes it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { ReceivedRanges } from './ranges.js';

export class PartialFile {
  readonly ranges: ReceivedRanges;
  private handle: FileHandle | undefined;

  private constructor(
    readonly path: string,
    readonly size: number,
    maxRanges: number,
    handle: FileHandle,
  ) {
    this.ranges = new ReceivedRanges(size, maxRanges);
    this.handle = handle;
  }

  /** Creates the file (empty; a name already there is an error: names are the service's own). */
  static async create(path: string, size: number, maxRanges: number): Promise<PartialFile> {
    return new PartialFile(path, size, maxRanges, await open(path, 'wx', 0o600));
  }

  /** Writes `data` at `offset` (the caller checked that it fits the size and the range cap). */
  async write(offset: number, data: Buffer): Promise<void> {
    if (!this.handle) throw new Error('partial file closed');
    for (let done = 0; done < data.length; ) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, offset + done);
      done += bytesWritten;
    }
    this.ranges.add(offset, offset + data.length);
  }

  /** Closes the file and reads its SHA-256 back from the disk: what the media store will hold. */
  async finish(): Promise<string> {
    await this.close();
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(this.path)) hash.update(chunk as Buffer);
    return hash.digest('hex');
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    await h?.close().catch(() => undefined);
  }

  /** Closes and deletes it (a file already moved or gone is no matter). */
  async remove(): Promise<void> {
    await this.close();
    await unlink(this.path).catch(() => undefined);
  }
}
