/**
 * Media records into the database off the ingest path: `record` returns at once (an upload is
 * never answered later because the database is slow or away); a loop writes what is pending,
 * retrying with backoff while the database is away. A file deleted to make room (`removed`) is
 * marked on its record the same way; one deleted before its record was written is written marked.
 *
 * Bound: at most `maxPending` records and removals wait (keyed by the file's path, one entry per
 * upload). Past it a record is refused, counted (`dipper_media_records_total{outcome="refused"}`)
 * and logged once per outage: its bytes stay in the media store and its Media event went out to
 * the sinks, but no API lists it. A refused removal (`removal-refused`) costs nothing lasting:
 * the bytes route finds the file gone and marks the record then. Nothing accepted is dropped:
 * `close` drains what it can.
 */
import type { NewMedia } from './media.js';
import { RetryLoop } from './retry-loop.js';
import type { RetryOptions } from './retry-loop.js';

/** records written in one statement at most */
const BATCH = 500;

export const MEDIA_RECORD_OUTCOMES = ['written', 'refused', 'removed', 'removal-refused'] as const;
export type MediaRecordOutcome = (typeof MEDIA_RECORD_OUTCOMES)[number];

/** What the writer needs of the database (store/media.ts MediaRepository). */
export interface MediaRecords {
  insertMany(records: readonly NewMedia[]): Promise<number>;
  markRemoved(removals: readonly { path: string; at: Date }[]): Promise<number>;
}

export interface MediaWriterHooks {
  counted(outcome: MediaRecordOutcome, n: number): void;
  /** the database failed a write (retrying) or came back (err undefined) */
  health(err: Error | undefined): void;
}

export interface MediaWriterOptions extends RetryOptions {
  maxPending: number;
}

export class MediaWriter extends RetryLoop {
  /** records not yet written, by path */
  private readonly pending = new Map<string, NewMedia>();
  /** removals of records already written (or being written), by path */
  private readonly gone = new Map<string, Date>();
  /** taken out for the write under way: counted against the bound until written or put back */
  private inFlight = 0;

  constructor(
    private readonly repo: MediaRecords,
    private readonly options: MediaWriterOptions,
    private readonly hooks: MediaWriterHooks,
  ) {
    super(options, (err) => hooks.health(err));
  }

  /** records and removals waiting (the batch being written included) */
  get depth(): number {
    return this.pending.size + this.gone.size + this.inFlight;
  }

  /** true when accepted (written soon); false when refused at the bound */
  record(media: NewMedia): boolean {
    if (!this.pending.has(media.path) && this.depth >= this.options.maxPending) {
      this.hooks.counted('refused', 1);
      return false;
    }
    this.pending.set(media.path, media);
    this.kick();
    return true;
  }

  /** the bytes under `path` were deleted at `at` */
  removed(path: string, at: Date): boolean {
    const waiting = this.pending.get(path);
    if (waiting) {
      waiting.removedAt = at;
      return true;
    }
    if (!this.gone.has(path) && this.depth >= this.options.maxPending) {
      this.hooks.counted('removal-refused', 1);
      return false;
    }
    this.gone.set(path, at);
    this.kick();
    return true;
  }

  /** records first, then removals: a removal of a record in this pass's batch finds its row */
  protected async drain(): Promise<void> {
    while (this.depth > 0) {
      const batch = take(this.pending, BATCH);
      const removals = batch.length < BATCH ? take(this.gone, BATCH - batch.length) : [];
      this.inFlight = batch.length + removals.length;
      try {
        if (batch.length) await this.repo.insertMany(batch.map(([, m]) => m));
      } catch (e) {
        this.inFlight = 0;
        // put back (a record that came again meanwhile is the same upload) and stop this pass
        for (const [path, m] of batch) if (!this.pending.has(path)) this.pending.set(path, m);
        for (const [path, at] of removals) if (!this.gone.has(path)) this.gone.set(path, at);
        return this.failed(e);
      }
      // counted once written: a batch put back is counted when it is
      this.inFlight = removals.length;
      if (batch.length) this.hooks.counted('written', batch.length);
      this.recovered();
      if (removals.length === 0) continue;
      let marked: number;
      try {
        marked = await this.repo.markRemoved(removals.map(([path, at]) => ({ path, at })));
      } catch (e) {
        this.inFlight = 0;
        for (const [path, at] of removals) if (!this.gone.has(path)) this.gone.set(path, at);
        return this.failed(e);
      }
      this.inFlight = 0;
      // the records that learnt it (a file from before the records, or a refused record, has none)
      this.hooks.counted('removed', marked);
    }
  }
}

/** up to n entries taken out of the map, oldest first */
function take<V>(map: Map<string, V>, n: number): [string, V][] {
  const out: [string, V][] = [];
  for (const entry of map) {
    if (out.length >= n) break;
    out.push(entry);
  }
  for (const [key] of out) map.delete(key);
  return out;
}
