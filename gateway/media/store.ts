/**
 * Multimedia files (evidence photos, audio, video clips), kept by a MediaBlobs (the filesystem
 * under dataDir: file-blobs.ts) as
 *   media/{terminal}/{mediaId}-{receivedAt}.{ext}
 * The time in the name keeps a re-used mediaId from overwriting earlier evidence. Each file's
 * SHA-256 is taken here, from the bytes written, for its record and the API's ETag.
 *
 * Every authenticated terminal can upload, so the disk is bounded by a quota per terminal
 * (media.maxBytesPerTerminal) and in all (media.maxBytesTotal). Each file counts at least one
 * filesystem block (4 KiB), so empty uploads cannot pile up files either. An upload past a
 * quota is, by media.policy:
 * - "refuse-new" (default): refused, nothing deleted. Files are evidence: whoever floods the
 *   store (one terminal, or many made-up ones) must not be able to erase what is there, and a
 *   refused terminal keeps its copy (it is answered 0x8001 result 1, not 0x8800) to upload
 *   once an operator has archived and made room;
 * - "drop-oldest": stored, after deleting that terminal's oldest files (its own quota) or the
 *   store's oldest (the total) until it fits: for stores archived elsewhere (Kafka's media
 *   events, a copy job) where the newest matters most. Each deletion is told (`onDrop`), so its
 *   record can say the bytes are gone.
 * Files already there at start count (read once, oldest first by modification time).
 */
import { createHash } from 'node:crypto';
import { mediaFile } from '../../events/media-formats.js';
import type { MediaBlobs } from './blobs.js';

/** A file costs at least one filesystem block. */
const BLOCK = 4096;

export type MediaPolicy = 'refuse-new' | 'drop-oldest';

export interface MediaQuota {
  maxBytesPerTerminal: number;
  maxBytesTotal: number;
  policy: MediaPolicy;
}

/** Why an upload was not stored. */
export const MEDIA_REFUSALS = ['terminal-quota', 'total-quota', 'too-large'] as const;
export type MediaRefusal = (typeof MEDIA_REFUSALS)[number];

export type SaveResult = { path: string; sha256: string } | { refused: MediaRefusal };

interface Held {
  /** files (keys), oldest first */
  files: string[];
  bytes: number;
}

export class MediaStore {
  /** every file held (key) -> its terminal directory and charged bytes, oldest first */
  private readonly files = new Map<string, { dir: string; bytes: number }>();
  private readonly byTerminal = new Map<string, Held>();
  private total = 0;
  private readonly loaded: Promise<void>;

  constructor(
    /** the bytes themselves (the filesystem under dataDir: FileBlobs); the API reads them through this too */
    readonly blobs: MediaBlobs,
    readonly quota: MediaQuota = { maxBytesPerTerminal: Number.MAX_SAFE_INTEGER, maxBytesTotal: Number.MAX_SAFE_INTEGER, policy: 'refuse-new' },
    /** a file deleted by "drop-oldest": its key (the Media event's path) */
    private readonly onDrop: (path: string) => void = () => undefined,
  ) {
    this.loaded = this.load();
  }

  /** bytes charged against media.maxBytesTotal (sizes rounded up to a 4 KiB block) */
  get bytes(): number {
    return this.total;
  }

  get count(): number {
    return this.files.size;
  }

  /** Stores the bytes if the quota allows; the path is the blobs' key (relative to the data directory for files). */
  async save(terminal: string, mediaId: number, format: number, data: Buffer, receivedAt: number): Promise<SaveResult> {
    await this.loaded;
    const dirName = terminal.replace(/[^0-9A-Za-z_-]/g, '_');
    const cost = charge(data.length);
    // decided and reserved before the first await below: concurrent uploads cannot both fit in the same room
    const refusal = this.makeRoom(dirName, cost);
    if (refusal) return { refused: refusal };
    const { ext } = mediaFile(format);
    const stem = `media/${dirName}/${mediaId}-${new Date(receivedAt).toISOString().replace(/[:.]/g, '')}`;
    let path = `${stem}.${ext}`;
    // the same mediaId twice within a millisecond: a second name, never an overwrite
    for (let n = 1; this.files.has(path); n++) path = `${stem}-${n}.${ext}`;
    this.hold(path, dirName, cost);
    try {
      await this.blobs.put(path, data);
    } catch (e) {
      this.release(path);
      throw e;
    }
    return { path, sha256: createHash('sha256').update(data).digest('hex') };
  }

  /**
   * Stores a finished file already on disk (a Su-biao attachment: its bytes never held in memory)
   * as `media/{terminal}/{stem}.{ext}`, if the quota allows; `sha256` was taken as it was read.
   * Refused: the file is left where it is (the caller removes it).
   */
  async saveFile(terminal: string, stem: string, ext: string, file: string, bytes: number, sha256: string): Promise<SaveResult> {
    await this.loaded;
    const dirName = terminal.replace(/[^0-9A-Za-z_-]/g, '_');
    const cost = charge(bytes);
    const refusal = this.makeRoom(dirName, cost);
    if (refusal) return { refused: refusal };
    const base = `media/${dirName}/${stem.replace(/[^0-9A-Za-z_.-]/g, '_')}`;
    let path = `${base}.${ext}`;
    for (let n = 1; this.files.has(path); n++) path = `${base}-${n}.${ext}`;
    this.hold(path, dirName, cost);
    try {
      await this.blobs.adopt(path, file);
    } catch (e) {
      this.release(path);
      throw e;
    }
    return { path, sha256 };
  }

  /** A file saved whose record could not be written (a person's upload the database refused): its room freed, its bytes deleted. */
  async remove(path: string): Promise<void> {
    if (!this.files.has(path)) return;
    this.release(path);
    await this.blobs.remove(path);
  }

  /** null when `cost` fits (after dropping old files under drop-oldest), else why not. */
  private makeRoom(dir: string, cost: number): MediaRefusal | null {
    const { maxBytesPerTerminal, maxBytesTotal, policy } = this.quota;
    if (cost > maxBytesPerTerminal || cost > maxBytesTotal) return 'too-large';
    const mine = () => this.byTerminal.get(dir)?.bytes ?? 0;
    if (policy === 'refuse-new') {
      if (mine() + cost > maxBytesPerTerminal) return 'terminal-quota';
      if (this.total + cost > maxBytesTotal) return 'total-quota';
      return null;
    }
    while (mine() + cost > maxBytesPerTerminal) this.drop(this.byTerminal.get(dir)!.files[0]!);
    while (this.total + cost > maxBytesTotal) this.drop(this.files.keys().next().value!);
    return null;
  }

  private hold(path: string, dir: string, bytes: number): void {
    this.files.set(path, { dir, bytes });
    let held = this.byTerminal.get(dir);
    if (!held) this.byTerminal.set(dir, (held = { files: [], bytes: 0 }));
    held.files.push(path);
    held.bytes += bytes;
    this.total += bytes;
  }

  private release(path: string): void {
    const f = this.files.get(path);
    if (!f) return;
    this.files.delete(path);
    const held = this.byTerminal.get(f.dir)!;
    held.files.splice(held.files.indexOf(path), 1);
    held.bytes -= f.bytes;
    if (held.files.length === 0) this.byTerminal.delete(f.dir);
    this.total -= f.bytes;
  }

  private drop(path: string): void {
    this.release(path);
    this.onDrop(path);
    // the room is counted free now; the deletion follows (a file already gone is no matter)
    void this.blobs.remove(path);
  }

  /** What is stored from earlier runs, oldest first. */
  private async load(): Promise<void> {
    const found = await this.blobs.list();
    found.sort((a, b) => a.modifiedMs - b.modifiedMs);
    for (const f of found) this.hold(f.key, f.key.split('/')[1]!, charge(f.bytes));
  }
}

function charge(bytes: number): number {
  return Math.max(BLOCK, Math.ceil(bytes / BLOCK) * BLOCK);
}
