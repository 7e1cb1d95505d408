/**
 * Media files (evidence, issue 19): what terminals uploaded with 0x0801 or as T/JSATL12 attachments, from their records in
 * the database and their bytes in the media store.
 *   GET /api/media             ?terminal=&mediaId=&from=&to=&type=&event=&alarmNo=&incident=&limit=&offset= -> {total, offset, limit, items},
 *                              newest first (alarmNo: one alarm's Su-biao attachments; incident: those tied to an incident)
 *   GET /api/media/{id}        the bytes: Content-Type from the format, strong ETag (the SHA-256),
 *                              304 on If-None-Match, one Range (206, 416), streamed from the store
 *   GET /api/media/{id}/meta   the record
 * Reading needs "read"; everything is within the token's scope: another org's id is a 404, never
 * a 403. Bytes deleted to make room (media.policy drop-oldest), or found gone, are a 410 and the
 * record says since when (`removedAt`).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { MEDIA_TYPE } from '../../decoders/index.js';
import { terminalId } from '../../events/commands.js';
import { attachmentFile } from '../../events/attachment-files.js';
import { mediaFile } from '../../events/media-formats.js';
import { MediaRecordSchema } from '../../events/media-record.js';
import type { MediaRecord } from '../../events/media-record.js';
import type { MediaBlobs } from '../../gateway/media/blobs.js';
import { crsQuery, errorSchema, tokenQuery } from '../../map/api-schemas.js';
import { shifter } from '../../map/crs.js';
import type { Crs } from '../../map/crs.js';
import type { Store } from '../../store/store.js';
import type { AppDeps } from '../deps.js';
import { notModified, rangeOf } from '../byte-range.js';
import { storeErrors } from '../store-errors.js';

/** a page at most; and how deep a page may start (OFFSET reads and skips every row before it) */
export const MEDIA_MAX_LIMIT = 500;
export const MEDIA_MAX_OFFSET = 100_000;

const TYPES = Object.keys(MEDIA_TYPE).join('|');
const TYPE = `(?:${TYPES}|[0-9]{1,3})`;
const CODE = '[0-9]{1,3}';

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    terminal: { type: 'string', pattern: '^[0-9A-Fa-f]{1,20}$', description: 'one terminal (leading zeros of its phone number optional)' },
    mediaId: { type: 'integer', minimum: 0, maximum: 0xffffffff, description: "the terminal's media ID (what a media command's answer links to); a terminal reuses its IDs, so give terminal and from too" },
    from: { type: 'string', format: 'date-time', description: 'received at or after' },
    to: { type: 'string', format: 'date-time', description: 'received before' },
    type: { type: 'string', pattern: `^${TYPE}(?:,${TYPE}){0,7}$`, description: `comma-separated: ${Object.keys(MEDIA_TYPE).join(', ')} (or their codes 0-2)` },
    event: { type: 'string', pattern: `^${CODE}(?:,${CODE}){0,15}$`, description: 'comma-separated event codes (0 platform order, 1 timer, 2 robbery alarm, 3 collision, ...)' },
    alarmNo: { type: 'string', pattern: '^[0-9A-Za-z]{1,32}$', description: "one alarm's T/JSATL12 attachments: the alarm number of its 0x9208" },
    incident: { type: 'string', format: 'uuid', description: "the T/JSATL12 attachments of an incident's alarms" },
    limit: { type: 'integer', minimum: 1, maximum: MEDIA_MAX_LIMIT, default: 100 },
    offset: { type: 'integer', minimum: 0, maximum: MEDIA_MAX_OFFSET, default: 0, description: `at most ${MEDIA_MAX_OFFSET}: narrow by from/to to go further back` },
    ...crsQuery,
    ...tokenQuery,
  },
} as const;

const plainQuery = { type: 'object', additionalProperties: false, properties: { ...crsQuery, ...tokenQuery } } as const;
const bytesQuery = { type: 'object', additionalProperties: false, properties: { ...tokenQuery } } as const;
const idParams = { type: 'object', properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'] } as const;

interface ListQuery {
  terminal?: string;
  mediaId?: number;
  from?: string;
  to?: string;
  type?: string;
  event?: string;
  alarmNo?: string;
  incident?: string;
  limit: number;
  offset: number;
  crs?: Crs;
}

/** the record's position in the requested datum (stored in WGS-84) */
export function shiftRecord<T extends MediaRecord>(m: T, crs: Crs | undefined): T {
  if (!crs || crs === 'wgs84' || !m.position) return m;
  const [lng, lat] = shifter(crs)(m.position.lng, m.position.lat);
  return { ...m, position: { ...m.position, lat, lng } };
}

const typeCode = (t: string) => (t in MEDIA_TYPE ? MEDIA_TYPE[t as keyof typeof MEDIA_TYPE] : Number(t));

/** the bucket of downloads made without a token (no tokens configured: loopback only) */
const NO_TOKEN = Symbol('no token');
/** a download whose client has read nothing for this long is closed (its file descriptor freed) */
const STALLED_MS = 60_000;

export const mediaRoutes: FastifyPluginAsync<AppDeps & { store: Store; blobs: MediaBlobs }> = async (app, { store, blobs, config, metrics }) => {
  // downloads being sent per token: keyed by the configured grants (and NO_TOKEN), so bounded by api.tokens
  const sending = new Map<object | symbol, number>();
  const maxPerToken = config.http.maxDownloadsPerToken;
  app.setErrorHandler(storeErrors);
  const notFound = (reply: FastifyReply, id: string) => reply.code(404).send({ error: 'Not Found', message: `no media ${id} in this token's scope` });
  const gone = (reply: FastifyReply, m: MediaRecord, at: string) =>
    reply.code(410).send({ error: 'Gone', message: `the bytes of media ${m.id} were deleted at ${at} (media.policy drop-oldest, or removed from the store); its record stays: /api/media/${m.id}/meta` });

  app.get<{ Querystring: ListQuery }>(
    '/api/media',
    { schema: { summary: 'Media files uploaded by terminals (0x0801, T/JSATL12 attachments), newest first', tags: ['media'], querystring: listQuery, response: { 200: Type.Object({ total: Type.Integer(), offset: Type.Integer(), limit: Type.Integer(), items: Type.Array(MediaRecordSchema) }), 400: errorSchema, 503: errorSchema } } },
    async (req) => {
      const q = req.query;
      const { total, items } = await store.run(() =>
        store.media.list({
          scope: req.scope,
          terminal: q.terminal === undefined ? undefined : terminalId(q.terminal),
          mediaId: q.mediaId,
          from: q.from,
          to: q.to,
          type: q.type?.split(',').map(typeCode),
          event: q.event?.split(',').map(Number),
          alarmNo: q.alarmNo,
          incident: q.incident,
          limit: q.limit,
          offset: q.offset,
        }),
      );
      return { total, offset: q.offset, limit: q.limit, items: items.map((m) => shiftRecord(m, q.crs)) };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { crs?: Crs } }>(
    '/api/media/:id/meta',
    { schema: { summary: "A media file's record", tags: ['media'], params: idParams, querystring: plainQuery, response: { 200: MediaRecordSchema, 404: errorSchema, 503: errorSchema } } },
    async (req, reply) => {
      const m = await store.run(() => store.media.get(req.scope, req.params.id));
      return m ? shiftRecord(m, req.query.crs) : notFound(reply, req.params.id);
    },
  );

  // HEAD its own: fastify's automatic one would read the whole file only to drop it
  app.route<{ Params: { id: string } }>({
    method: ['GET', 'HEAD'],
    url: '/api/media/:id',
    schema: {
      summary: "A media file's bytes (Range: one range; If-None-Match: the ETag, its SHA-256)",
      tags: ['media'],
      params: idParams,
      querystring: bytesQuery,
      response: { 404: errorSchema, 410: errorSchema, 416: errorSchema, 429: errorSchema, 503: errorSchema },
    },
    handler: async (req, reply) => {
      const m = await store.run(() => store.media.get(req.scope, req.params.id));
      if (!m) return notFound(reply, req.params.id);
      if (m.removedAt) return gone(reply, m, m.removedAt);
      const object = await blobs.open(m.path);
      if (!object) {
        // not here: removed by hand, or held by another gateway's dataDir, or a storage mount away for
        // a moment. A read never writes the record: marking it removed from here would hide evidence
        // on every gateway (only the media store's own drop marks it)
        return reply.code(404).send({ error: 'Not Found', message: `media ${req.params.id}: its bytes are not in this gateway's media store (another gateway's dataDir, or removed outside Dipper); its record stands` });
      }
      // each download holds a file descriptor until its client has read it: a token cannot hold them without end
      const key = req.grant ?? NO_TOKEN;
      const open = sending.get(key) ?? 0;
      if (req.method === 'GET' && open >= maxPerToken) {
        await object.close();
        metrics.httpRefused.inc({ reason: 'downloads-per-token' });
        return reply.code(429).header('retry-after', '5').type('application/json').send({ error: 'Too Many Requests', message: `this token has ${open} media downloads in progress, the most allowed (http.maxDownloadsPerToken)` });
      }
      const etag = `"${m.sha256}"`;
      const size = object.bytes;
      // the answer depends on the token (its scope): cached by the browser only, revalidated by tag
      reply.header('etag', etag).header('cache-control', 'private, no-cache').header('vary', 'Authorization').header('accept-ranges', 'bytes');
      if (notModified(req.headers['if-none-match'], etag)) {
        await object.close();
        return reply.code(304).send();
      }
      const ifRange = req.headers['if-range'];
      // If-Range sent twice matches nothing: the whole file
      const range = rangeOf(req.headers.range, size, Array.isArray(ifRange) ? '' : ifRange, etag);
      if (range.kind === 'unsatisfiable') {
        await object.close();
        return reply.code(416).header('content-range', `bytes */${size}`).send({ error: 'Range Not Satisfiable', message: `the file has ${size} bytes` });
      }
      const { ext } = m.fileName !== null ? attachmentFile(m.fileName) : mediaFile(m.format);
      // a terminal's bytes are never run as a page, whatever they hold
      reply.type(m.contentType).header('x-content-type-options', 'nosniff').header('content-security-policy', 'sandbox').header('content-disposition', `inline; filename="${m.terminal}-${m.mediaId}.${ext}"`);
      if (range.kind === 'part') {
        const { start, end } = range.range;
        reply.code(206).header('content-range', `bytes ${start}-${end}/${size}`).header('content-length', end - start + 1);
      } else reply.header('content-length', size);
      if (req.method === 'HEAD') {
        await object.close();
        return reply.send();
      }
      sending.set(key, open + 1);
      metrics.mediaDownloads.inc();
      reply.raw.once('close', () => {
        const n = (sending.get(key) ?? 1) - 1;
        if (n <= 0) sending.delete(key);
        else sending.set(key, n);
        metrics.mediaDownloads.dec();
      });
      reply.raw.setTimeout(STALLED_MS, () => reply.raw.destroy());
      return reply.send(object.stream(range.kind === 'part' ? range.range : undefined));
    },
  });
};
