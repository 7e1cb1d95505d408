/**
 * Media files' records (evidence, issue 19): one row per completed 0x0801 upload, written off the
 * ingest path by the media writer (media-writer.ts), read by the API within a token's scope. The
 * bytes are not here: `path` is their key in the media store (gateway/media/blobs.ts).
 */
import { randomUUID } from 'node:crypto';
import { mediaFile } from '../events/media-formats.js';
import type { MediaRecord } from '../events/media-record.js';
import type { Position } from '../events/model.js';
import type { Database } from './database.js';
import { scopeCondition } from './scope.js';

/** A record as the writer hands it over (the Media event's fields). */
export interface NewMedia {
  terminal: string;
  org: string;
  mediaId: number;
  type: number;
  format: number;
  event: number;
  channel: number;
  position: Position | null;
  bytes: number;
  sha256: string;
  receivedAt: Date;
  path: string;
  /** the bytes were deleted before the record was written (drop-oldest during a database outage) */
  removedAt?: Date;
}

export interface MediaQuery {
  scope: string;
  terminal?: string;
  /** received in [from, to) */
  from?: string;
  to?: string;
  type?: readonly number[];
  event?: readonly number[];
  limit: number;
  offset: number;
}

export interface MediaRow extends Record<string, unknown> {
  id: string;
  terminal: string;
  org: string;
  media_id: string | number;
  type: number;
  format: number;
  event: number;
  channel: number;
  position: Position | string | null;
  bytes: string | number;
  sha256: string;
  received_at: Date;
  path: string;
  removed_at: Date | null;
}

/** the columns a MediaRow has, for every statement that reads records */
export const MEDIA_COLUMNS = 'id, terminal, org, media_id, type, format, event, channel, position, bytes, sha256, received_at, path, removed_at';
const iso = (d: Date) => new Date(d).toISOString();

export function toMediaRecord(r: MediaRow): MediaRecord {
  return {
    id: r.id,
    terminal: r.terminal,
    org: r.org,
    mediaId: Number(r.media_id),
    type: r.type,
    format: r.format,
    contentType: mediaFile(r.format).contentType,
    event: r.event,
    channel: r.channel,
    position: typeof r.position === 'string' ? (JSON.parse(r.position) as Position) : r.position,
    bytes: Number(r.bytes),
    sha256: r.sha256,
    receivedAt: iso(r.received_at),
    path: r.path,
    removedAt: r.removed_at ? iso(r.removed_at) : null,
  };
}

export class MediaRepository {
  constructor(private readonly db: Database) {}

  /**
   * Records in one statement; a path already recorded is skipped (a batch retried after a commit
   * whose answer was lost). The number of rows added.
   */
  async insertMany(records: readonly NewMedia[]): Promise<number> {
    if (records.length === 0) return 0;
    const col = <T>(f: (m: NewMedia) => T) => records.map(f);
    const rows = await this.db.query<{ id: string }>(
      `INSERT INTO media (id, terminal, org, media_id, type, format, event, channel, position, bytes, sha256, received_at, path, removed_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::smallint[], $6::smallint[], $7::smallint[], $8::smallint[],
                            $9::jsonb[], $10::bigint[], $11::text[], $12::timestamptz[], $13::text[], $14::timestamptz[])
       ON CONFLICT (path) DO NOTHING
       RETURNING id`,
      [
        col(() => randomUUID()),
        col((m) => m.terminal),
        col((m) => m.org),
        col((m) => m.mediaId),
        col((m) => m.type),
        col((m) => m.format),
        col((m) => m.event),
        col((m) => m.channel),
        col((m) => (m.position ? JSON.stringify(m.position) : null)),
        col((m) => m.bytes),
        col((m) => m.sha256),
        col((m) => m.receivedAt),
        col((m) => m.path),
        col((m) => m.removedAt ?? null),
      ],
    );
    return rows.length;
  }

  /** The bytes under these keys are gone (since each one's time); the number of records that learnt it now. */
  async markRemoved(removals: readonly { path: string; at: Date }[]): Promise<number> {
    if (removals.length === 0) return 0;
    const rows = await this.db.query<{ id: string }>(
      `UPDATE media SET removed_at = g.at FROM unnest($1::text[], $2::timestamptz[]) AS g(path, at)
       WHERE media.path = g.path AND media.removed_at IS NULL RETURNING media.id`,
      [removals.map((r) => r.path), removals.map((r) => r.at)],
    );
    return rows.length;
  }

  /** Newest received first, within the scope; `total` counts every match, not just the page. */
  async list(q: MediaQuery): Promise<{ total: number; items: MediaRecord[] }> {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const where: string[] = [];
    const scoped = scopeCondition('org', q.scope, p);
    if (scoped) where.push(scoped);
    if (q.terminal !== undefined) where.push(`terminal = ${p(q.terminal)}`);
    if (q.from !== undefined) where.push(`received_at >= ${p(q.from)}`);
    if (q.to !== undefined) where.push(`received_at < ${p(q.to)}`);
    if (q.type?.length) where.push(`type = ANY(${p(q.type)}::smallint[])`);
    if (q.event?.length) where.push(`event = ANY(${p(q.event)}::smallint[])`);
    const filter = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    const [count] = await this.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM media${filter}`, [...params]);
    const rows = await this.db.query<MediaRow>(`SELECT ${MEDIA_COLUMNS} FROM media${filter} ORDER BY received_at DESC, id DESC LIMIT ${p(q.limit)} OFFSET ${p(q.offset)}`, params);
    return { total: Number(count?.n ?? 0), items: rows.map(toMediaRecord) };
  }

  /** undefined when there is none in the scope (another org's id looks like no id at all) */
  async get(scope: string, id: string): Promise<MediaRecord | undefined> {
    const params: unknown[] = [id];
    const p = (v: unknown) => `$${params.push(v)}`;
    const scoped = scopeCondition('org', scope, p);
    const rows = await this.db.query<MediaRow>(`SELECT ${MEDIA_COLUMNS} FROM media WHERE id = $1${scoped ? ` AND ${scoped}` : ''}`, params);
    return rows[0] && toMediaRecord(rows[0]);
  }
}
