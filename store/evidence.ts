/**
 * Evidence: which media records belong to an incident or a case.
 *
 * An incident's media are those its terminal uploaded while the incident was open: same terminal
 * and org unit, received at or after it opened and, once closed, not after it closed (a closed
 * incident's updated_at is its closing time: closed is final, nothing changes it after). Found
 * from the times at every read, never stored, so a record written late (the media writer waits
 * out a database outage) still lands on its incident. Several incidents of one terminal open at
 * once (an SOS and an overspeed) each list the photo. Besides those, any record a person linked
 * (media_links, "attached"), as a case's are: a case has only linked media, attached from what
 * terminals sent or uploaded for it.
 *
 * A link never widens a scope: a record may be linked only when its org unit is within the
 * incident's or case's (whoever may see the case may see its evidence), and every list is also
 * cut to the caller's scope. Closed incidents and closed or cancelled cases take no new evidence
 * (their file is final). Each link is written with its history line in one transaction.
 */
import { randomUUID } from 'node:crypto';
import type { Case } from '../events/case.js';
import type { Evidence, EvidenceLink, StoredLink } from '../events/evidence.js';
import type { Incident } from '../events/incident.js';
import type { MediaRecord } from '../events/media-record.js';
import { within } from '../events/scope.js';
import type { Database, Queryable } from './database.js';
import type { NewMedia } from './media.js';
import { MEDIA_COLUMNS, toMediaRecord } from './media.js';
import type { MediaRow } from './media.js';
import { StoreRefusal } from './refusal.js';
import { scopeCondition } from './scope.js';

/** Evidence that cannot be linked (HTTP 409 naming why): a final case or incident, a record of another org unit. */
export class EvidenceRefused extends StoreRefusal {
  override name = 'EvidenceRefused';
}

export interface EvidencePage {
  total: number;
  items: Evidence[];
}

export type EvidenceTarget = { type: 'incident'; incident: Incident } | { type: 'case'; case: Case };

interface EvidenceRow extends MediaRow {
  how: StoredLink | null;
  actor: string | null;
  linked_at: Date | null;
}

const M = MEDIA_COLUMNS.split(', ')
  .map((c) => `m.${c}`)
  .join(', ');

function toEvidence(r: EvidenceRow): Evidence {
  const link: EvidenceLink = r.how ?? 'while-open';
  return { ...toMediaRecord(r), link, linkedBy: r.actor, linkedAt: r.linked_at ? new Date(r.linked_at).toISOString() : null };
}

const keyOf = (t: EvidenceTarget) => (t.type === 'incident' ? { org: t.incident.org, id: t.incident.id } : { org: t.case.org, id: t.case.id });

export class EvidenceRepository {
  constructor(private readonly db: Database) {}

  /** newest received first, within the caller's scope; `total` counts every match */
  async list(target: EvidenceTarget, scope: string, limit: number, offset: number): Promise<EvidencePage> {
    const { org, id } = keyOf(target);
    const params: unknown[] = [target.type, org, id];
    const p = (v: unknown) => `$${params.push(v)}`;
    const belongs = ['l.media IS NOT NULL'];
    if (target.type === 'incident') {
      const i = target.incident;
      const closedAt = i.status === 'closed' ? i.updatedAt : null;
      belongs.push(`(m.terminal = ${p(i.terminal)} AND m.org = $2 AND m.received_at >= ${p(i.openedAt)}${closedAt ? ` AND m.received_at <= ${p(closedAt)}` : ''})`);
    }
    const where = [`(${belongs.join(' OR ')})`];
    const scoped = scopeCondition('m.org', scope, p);
    if (scoped) where.push(scoped);
    const from = `FROM media m LEFT JOIN media_links l ON l.media = m.id AND l.target = $1 AND l.target_org = $2 AND l.target_id = $3 WHERE ${where.join(' AND ')}`;
    const [count] = await this.db.query<{ n: string | number }>(`SELECT count(*) AS n ${from}`, [...params]);
    const rows = await this.db.query<EvidenceRow>(`SELECT ${M}, l.how, l.actor, l.linked_at ${from} ORDER BY m.received_at DESC, m.id DESC LIMIT ${p(limit)} OFFSET ${p(offset)}`, params);
    return { total: Number(count?.n ?? 0), items: rows.map(toEvidence) };
  }

  /**
   * An existing record linked by a person; its history line written with it. `added` false when
   * it was linked already (nothing written; the link is the first one's). EvidenceRefused when the
   * target takes no evidence or the record is of an org unit outside the target's.
   */
  async attach(target: EvidenceTarget, media: MediaRecord, actor: string, note?: string, now = new Date()): Promise<{ added: boolean; evidence: Evidence }> {
    return this.db.transaction(async (tx) => {
      await this.lockOpen(tx, target);
      const added = await this.link(tx, target, media, 'attached', actor, note, now);
      const { org, id } = keyOf(target);
      const [l] = await tx.query<{ how: StoredLink; actor: string; linked_at: Date }>('SELECT how, actor, linked_at FROM media_links WHERE target = $1 AND target_org = $2 AND target_id = $3 AND media = $4', [target.type, org, id, media.id]);
      return { added, evidence: { ...media, link: l!.how, linkedBy: l!.actor, linkedAt: new Date(l!.linked_at).toISOString() } };
    });
  }

  /**
   * A file uploaded for a case: its record, its link and the case's history line, in one
   * transaction (the bytes are already in the media store: the caller removes them if this fails).
   */
  async upload(c: Case, media: NewMedia, actor: string, note?: string, now = new Date()): Promise<MediaRecord> {
    const target: EvidenceTarget = { type: 'case', case: c };
    return this.db.transaction(async (tx) => {
      await this.lockOpen(tx, target);
      const rows = await tx.query<MediaRow>(
        `INSERT INTO media (id, terminal, org, media_id, type, format, event, channel, position, bytes, sha256, received_at, path)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING ${MEDIA_COLUMNS}`,
        [randomUUID(), media.terminal, media.org, media.mediaId, media.type, media.format, media.event, media.channel, media.position ? JSON.stringify(media.position) : null, media.bytes, media.sha256, media.receivedAt, media.path],
      );
      const record = toMediaRecord(rows[0]!);
      await this.link(tx, target, record, 'uploaded', actor, note, now);
      return record;
    });
  }

  /** the target's row locked (two attachments at once are taken in turn), refused when it is final */
  private async lockOpen(tx: Queryable, target: EvidenceTarget): Promise<void> {
    if (target.type === 'incident') {
      const [row] = await tx.query<{ status: string }>('SELECT status FROM incidents WHERE id = $1 FOR UPDATE', [target.incident.id]);
      if (!row) throw new EvidenceRefused(`incident ${target.incident.id} is gone`);
      if (row.status === 'closed') throw new EvidenceRefused(`incident ${target.incident.id} is closed: its file is final`);
      return;
    }
    const [row] = await tx.query<{ status: string }>('SELECT status FROM cases WHERE org = $1 AND id = $2 FOR UPDATE', [target.case.org, target.case.id]);
    if (!row) throw new EvidenceRefused(`case ${target.case.id} is gone`);
    if (row.status === 'closed' || row.status === 'cancelled') throw new EvidenceRefused(`case ${target.case.id} is ${row.status}: its file is final`);
  }

  private async link(tx: Queryable, target: EvidenceTarget, media: MediaRecord, how: StoredLink, actor: string, note: string | undefined, now: Date): Promise<boolean> {
    const { org, id } = keyOf(target);
    if (!within(org, media.org)) throw new EvidenceRefused(`media ${media.id} is of org unit "${media.org}", outside the ${target.type}'s ("${org}"): evidence is linked within an org unit, never across`);
    const added = await tx.query('INSERT INTO media_links (target, target_org, target_id, media, how, actor, linked_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING media', [
      target.type,
      org,
      id,
      media.id,
      how,
      actor,
      now,
    ]);
    if (added.length === 0) return false;
    const changes = JSON.stringify({ media: { to: { id: media.id, how, contentType: media.contentType, bytes: media.bytes, sha256: media.sha256 } } });
    if (target.type === 'case') {
      await tx.query('INSERT INTO case_events (case_org, case_id, at, actor, action, changes, note) VALUES ($1, $2, $3, $4, $5, $6, $7)', [org, id, now, actor, 'media-attached', changes, note ?? null]);
    } else {
      await tx.query('INSERT INTO incident_events (incident_id, at, actor, action, changes, note) VALUES ($1, $2, $3, $4, $5, $6)', [id, now, actor, 'media-attached', changes, note ?? null]);
    }
    return true;
  }
}
