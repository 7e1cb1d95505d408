/**
 * Media files' records (evidence, issue 19): one row per completed 0x0801 upload or T/JSATL12 attachment, written off the
 * ingest path by the media writer (media-writer.ts), read by the API within a token's scope. The
 * bytes are not here: `path` is their key in the media store (gateway/media/blobs.ts).
 */
import { randomUUID } from 'node:crypto';
import { mediaFile } from '../events/media-formats.js';
import type { MediaRecord } from '../events/media-record.js';
import type { Attachment, Position } from '../events/model.js';
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
  /** a T/JSATL12 attachment: what ties it to its alarm (and, when written, to the incident open for it) */
  attachment?: Attachment;
}

export interface MediaQuery {
  scope: string;
  terminal?: string;
  /** the terminal's media ID */
  mediaId?: number;
  /** received in [from, to) */
  from?: string;
  to?: string;
  type?: readonly number[];
  event?: readonly number[];
  /** attachments of one alarm (the alarm number of its 0x9208) */
  alarmNo?: string;
  /** attachments tied to one incident */
  incident?: string;
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
  alarm_no: string | null;
  alarm_identifier: MediaRecord['alarmIdentifier'] | string | null;
  alarm_kind: string | null;
  file_name: string | null;
  incident_id: string | null;
  content_type: string | null;
}

/** the columns a MediaRow has, for every statement that reads records */
export const MEDIA_COLUMNS = 'id, terminal, org, media_id, type, format, event, channel, position, bytes, sha256, received_at, path, removed_at, alarm_no, alarm_identifier, alarm_kind, file_name, incident_id, content_type';
const iso = (d: Date) => new Date(d).toISOString();

export function toMediaRecord(r: MediaRow): MediaRecord {
  return {
    id: r.id,
    terminal: r.terminal,
    org: r.org,
    mediaId: Number(r.media_id),
    type: r.type,
    format: r.format,
    contentType: r.content_type ?? mediaFile(r.format).contentType,
    event: r.event,
    channel: r.channel,
    position: typeof r.position === 'string' ? (JSON.parse(r.position) as Position) : r.position,
    bytes: Number(r.bytes),
    sha256: r.sha256,
    receivedAt: iso(r.received_at),
    path: r.path,
    removedAt: r.removed_at ? iso(r.removed_at) : null,
    alarmNo: r.alarm_no,
    alarmIdentifier: typeof r.alarm_identifier === 'string' ? (JSON.parse(r.alarm_identifier) as MediaRecord['alarmIdentifier']) : r.alarm_identifier,
    alarmKind: r.alarm_kind,
    fileName: r.file_name,
    incident: r.incident_id,
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
    // an attachment's incident: the one open for its terminal, alarm kind and org unit as the record is written
    const rows = await this.db.query<{ id: string }>(
      `INSERT INTO media (id, terminal, org, media_id, type, format, event, channel, position, bytes, sha256, received_at, path, removed_at,
                          alarm_no, alarm_identifier, alarm_kind, file_name, content_type, incident_id)
       SELECT u.*, (SELECT i.id FROM incidents i WHERE u.alarm_kind IS NOT NULL AND i.terminal = u.terminal AND i.kind = u.alarm_kind AND i.org = u.org AND i.status <> 'closed' ORDER BY i.opened_at DESC LIMIT 1)
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::smallint[], $6::smallint[], $7::smallint[], $8::smallint[],
                   $9::jsonb[], $10::bigint[], $11::text[], $12::timestamptz[], $13::text[], $14::timestamptz[],
                   $15::text[], $16::jsonb[], $17::text[], $18::text[], $19::text[])
         AS u(id, terminal, org, media_id, type, format, event, channel, position, bytes, sha256, received_at, path, removed_at,
              alarm_no, alarm_identifier, alarm_kind, file_name, content_type)
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
        col((m) => m.attachment?.alarmNo ?? null),
        col((m) => (m.attachment ? JSON.stringify(m.attachment.identifier) : null)),
        col((m) => m.attachment?.alarm ?? null),
        col((m) => m.attachment?.fileName ?? null),
        col((m) => m.attachment?.contentType ?? null),
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
    if (q.mediaId !== undefined) where.push(`media_id = ${p(q.mediaId)}`);
    if (q.from !== undefined) where.push(`received_at >= ${p(q.from)}`);
    if (q.to !== undefined) where.push(`received_at < ${p(q.to)}`);
    if (q.type?.length) where.push(`type = ANY(${p(q.type)}::smallint[])`);
    if (q.event?.length) where.push(`event = ANY(${p(q.event)}::smallint[])`);
    if (q.alarmNo !== undefined) where.push(`alarm_no = ${p(q.alarmNo)}`);
    if (q.incident !== undefined) where.push(`incident_id = ${p(q.incident)}`);
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
