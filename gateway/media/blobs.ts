/**
 * Where media bytes live, behind the few calls the gateway (write, delete, count at start) and the
 * API (read, whole or a range) make: the filesystem under dataDir today (file-blobs.ts), an object
 * store later without either side changing. Keys are the paths the Media event names
 * (`media/{terminal}/{file}`), so records written before a move still find their bytes.
 */
import type { Readable } from 'node:stream';

/** bytes start..end, both included (as HTTP's Range has them) */
export interface ByteRange {
  start: number;
  end: number;
}

/** One stored file, opened: its size is known and its bytes stay readable until streamed or closed. */
export interface MediaObject {
  readonly bytes: number;
  /** the bytes (or a range of them), once; the object is let go when the stream ends or is destroyed */
  stream(range?: ByteRange): Readable;
  /** not streamed after all (a 304, a 416) */
  close(): Promise<void>;
}

export interface StoredBlob {
  key: string;
  bytes: number;
  modifiedMs: number;
}

export interface MediaBlobs {
  /** stores the bytes whole or not at all: a reader never sees half of them */
  put(key: string, data: Buffer): Promise<void>;
  /**
   * stores a finished file (a Su-biao attachment, written to disk as it arrived) under `key`,
   * moving it: the file is the store's afterwards (or gone, when this throws)
   */
  adopt(key: string, file: string): Promise<void>;
  /** undefined when there is no such key (deleted, never written, not a key of ours) */
  open(key: string): Promise<MediaObject | undefined>;
  /** a key already gone is no matter */
  remove(key: string): Promise<void>;
  /** everything stored, read once at start for the quota; what a crash left half-written is removed */
  list(): Promise<StoredBlob[]>;
}
