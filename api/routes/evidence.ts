/**
 * Evidence tied to its incident or case (issue 19):
 *   GET  /api/incidents/{id}/media   what its terminal uploaded while it was open, and what was attached
 *   POST /api/incidents/{id}/media   { mediaId, note? }: attach a media record
 *   GET  /api/cases/{id}/media       what was attached or uploaded
 *   POST /api/cases/{id}/media       { mediaId, note? } (application/json): attach a media record;
 *                                    or the file itself (image/jpeg, image/png, video/mp4, audio/mpeg,
 *                                    audio/wav; ?note=): stored as a media record of the case
 * Lists are {total, offset, limit, items: Evidence}, newest received first; the bytes are at
 * GET /api/media/{id}. Reading needs "read", attaching and uploading "command" (a duty officer's
 * act, as an incident's steps are; it changes no field of the case, only adds to its file). All
 * within the token's scope: another org's incident, case or record is a 404; a record is linked
 * only within the incident's or case's org unit, never to a closed one (409). Each link is a
 * line of the incident's or case's history with its actor.
 *
 * An upload is checked before it is read: a Content-Type not in the list is a 415, a body past
 * cases.maxUploadBytes a 413 (from Content-Length, or as soon as it passes), more than
 * cases.maxUploadsAtOnce being received a 429, a body still arriving cases.uploadTimeoutMs after its
 * headers a 408 with the connection closed (a byte now and then would hold a slot for ever: the
 * HTTP server itself has no request timeout). Then its first bytes must be what the Content-Type
 * says (415 otherwise), and it goes into the media store under the case's own quota (507 past
 * it) with its SHA-256. Every outcome is counted (dipper_evidence_total).
 */
import { randomInt } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { caseUploader, UPLOAD_CONTENT_TYPES, uploadKind } from '../../events/evidence-upload.js';
import { AttachSchema, EvidenceSchema } from '../../events/evidence.js';
import type { Attach, Evidence } from '../../events/evidence.js';
import type { MediaStore } from '../../gateway/media/store.js';
import { crsQuery, errorSchema, tokenQuery } from '../../map/api-schemas.js';
import type { Crs } from '../../map/crs.js';
import type { EvidenceTarget } from '../../store/evidence.js';
import type { Store } from '../../store/store.js';
import { actorOf } from '../actor.js';
import type { AppDeps } from '../deps.js';
import type { EvidenceOutcome } from '../metrics.js';
import { storeErrors } from '../store-errors.js';
import { caseIdParams, caseOrg, findCase } from './cases.js';
import { MEDIA_MAX_LIMIT, MEDIA_MAX_OFFSET, shiftRecord } from './media.js';

const incidentParams = { type: 'object', properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'] } as const;
const page = {
  limit: { type: 'integer', minimum: 1, maximum: MEDIA_MAX_LIMIT, default: 100 },
  offset: { type: 'integer', minimum: 0, maximum: MEDIA_MAX_OFFSET, default: 0 },
} as const;
const noteQuery = { note: { type: 'string', maxLength: 2000, description: "an upload's note for the case's history (a JSON attachment carries its own)" } } as const;
const PageSchema = Type.Object({ total: Type.Integer(), offset: Type.Integer(), limit: Type.Integer(), items: Type.Array(EvidenceSchema) });

interface PageQuery {
  limit: number;
  offset: number;
  crs?: Crs;
  org?: string;
}

export const evidenceRoutes: FastifyPluginAsync<AppDeps & { store: Store; media: MediaStore }> = async (app, { store, media, config, metrics }) => {
  const { maxUploadBytes, maxUploadsAtOnce, uploadTimeoutMs } = config.cases;
  const counted = (outcome: EvidenceOutcome) => metrics.evidence.inc({ outcome });
  let receiving = 0;
  /** each upload's deadline, until its body is in (weak: a request let go takes its timer with it) */
  const uploadTimers = new WeakMap<FastifyRequest, NodeJS.Timeout>();

  // the upload types are parsed here only (this plugin's routes): the bytes, up to the case limit
  app.addContentTypeParser([...UPLOAD_CONTENT_TYPES], { parseAs: 'buffer', bodyLimit: maxUploadBytes }, (_req, body, done) => done(null, body));
  app.setErrorHandler((error: FastifyError, req, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      counted('too-large');
      return reply.code(413).send({ error: 'Payload Too Large', message: `the body is larger than this route takes (an upload: cases.maxUploadBytes, ${maxUploadBytes} bytes; JSON: http.maxBodyBytes)` });
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || error.code === 'FST_ERR_CTP_EMPTY_TYPE') {
      counted('wrong-type');
      return reply.code(415).send({ error: 'Unsupported Media Type', message: `Content-Type ${req.headers['content-type'] ?? '(none)'} is not taken: application/json ({ "mediaId" }) or the file as one of ${UPLOAD_CONTENT_TYPES.join(', ')}` });
    }
    if (error.name === 'EvidenceRefused') counted('refused');
    return storeErrors(error, req, reply);
  });

  /** at most maxUploadsAtOnce uploads held in memory at once, counted from before the body is read */
  const admitUpload = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!uploadKind(req.headers['content-type'])) return;
    if (receiving >= maxUploadsAtOnce) {
      counted('busy');
      return reply.code(429).header('retry-after', '5').send({ error: 'Too Many Requests', message: `${receiving} evidence uploads are being received, the most allowed (cases.maxUploadsAtOnce)` });
    }
    receiving++;
    metrics.uploadsReceiving.set(receiving);
    // the whole body within uploadTimeoutMs: received (preValidation, below) or answered, the timer goes
    const late = setTimeout(() => {
      if (reply.sent) return;
      counted('timeout');
      void reply.code(408).header('connection', 'close').send({ error: 'Request Timeout', message: `the upload was not received within ${uploadTimeoutMs} ms of its headers (cases.uploadTimeoutMs)` });
    }, uploadTimeoutMs).unref();
    uploadTimers.set(req, late);
    reply.raw.once('close', () => {
      clearTimeout(late);
      receiving--;
      metrics.uploadsReceiving.set(receiving);
    });
  };
  const received = async (req: FastifyRequest) => clearTimeout(uploadTimers.get(req));

  const listOf = async (target: EvidenceTarget, req: FastifyRequest<{ Querystring: PageQuery }>) => {
    const { limit, offset, crs } = req.query;
    const { total, items } = await store.run(() => store.evidence.list(target, req.scope, limit, offset));
    return { total, offset, limit, items: items.map((e) => shiftRecord(e, crs)) };
  };

  /** a record the caller may see linked to the target: 201, or 200 when it was linked already */
  const attach = async (target: EvidenceTarget, req: FastifyRequest<{ Body: Attach; Querystring: { crs?: Crs } }>, reply: FastifyReply) => {
    const m = await store.run(() => store.media.get(req.scope, req.body.mediaId));
    if (!m) {
      counted('unseen');
      return reply.code(404).send({ error: 'Not Found', message: `no media ${req.body.mediaId} in this token's scope` });
    }
    const { added, evidence } = await store.run(() => store.evidence.attach(target, m, actorOf(req), req.body.note));
    counted(added ? 'attached' : 'already');
    return reply.code(added ? 201 : 200).send(shiftRecord(evidence, req.query.crs));
  };

  const notFound = (id: string) => ({ error: 'Not Found', message: `no incident ${id} in this token's scope` });

  app.get<{ Params: { id: string }; Querystring: PageQuery }>(
    '/api/incidents/:id/media',
    { schema: { summary: "An incident's evidence: what its terminal uploaded while it was open, and what was attached", tags: ['incidents', 'media'], params: incidentParams, querystring: { type: 'object', additionalProperties: false, properties: { ...page, ...crsQuery, ...tokenQuery } }, response: { 200: PageSchema, 404: errorSchema, 503: errorSchema } } },
    async (req, reply) => {
      const incident = await store.run(() => store.incidents.get(req.scope, req.params.id));
      if (!incident) return reply.code(404).send(notFound(req.params.id));
      return listOf({ type: 'incident', incident }, req);
    },
  );

  app.post<{ Params: { id: string }; Body: Attach; Querystring: { crs?: Crs } }>(
    '/api/incidents/:id/media',
    {
      config: { right: 'command' },
      schema: { summary: 'Attach a media record to an incident', tags: ['incidents', 'media'], params: incidentParams, body: AttachSchema, querystring: { type: 'object', additionalProperties: false, properties: { ...crsQuery, ...tokenQuery } }, response: { 200: EvidenceSchema, 201: EvidenceSchema, 400: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 415: errorSchema, 503: errorSchema } },
    },
    async (req, reply) => {
      const incident = await store.run(() => store.incidents.get(req.scope, req.params.id));
      if (!incident) return reply.code(404).send(notFound(req.params.id));
      return attach({ type: 'incident', incident }, req, reply);
    },
  );

  app.get<{ Params: { id: string }; Querystring: PageQuery }>(
    '/api/cases/:id/media',
    { schema: { summary: "A case's evidence: what was attached or uploaded", tags: ['cases', 'media'], params: caseIdParams, querystring: { type: 'object', additionalProperties: false, properties: { ...page, ...caseOrg, ...crsQuery, ...tokenQuery } }, response: { 200: PageSchema, 404: errorSchema, 409: errorSchema, 503: errorSchema } } },
    async (req, reply) => {
      const c = await findCase(store, req, reply);
      return c ? listOf({ type: 'case', case: c }, req) : reply;
    },
  );

  app.post<{ Params: { id: string }; Body: Attach | Buffer; Querystring: { crs?: Crs; org?: string; note?: string } }>(
    '/api/cases/:id/media',
    {
      config: { right: 'command' },
      onRequest: admitUpload,
      preValidation: received,
      schema: {
        summary: `Attach a media record to a case (application/json), or upload a file for it (${UPLOAD_CONTENT_TYPES.join(', ')})`,
        tags: ['cases', 'media'],
        params: caseIdParams,
        // a JSON body is an attachment; the upload types are the file (a Buffer: no schema)
        body: { content: { 'application/json': { schema: AttachSchema } } },
        querystring: { type: 'object', additionalProperties: false, properties: { ...caseOrg, ...noteQuery, ...crsQuery, ...tokenQuery } },
        response: { 200: EvidenceSchema, 201: EvidenceSchema, 400: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 413: errorSchema, 415: errorSchema, 429: errorSchema, 503: errorSchema, 507: errorSchema },
      },
    },
    async (req, reply) => {
      const c = await findCase(store, req, reply);
      if (!c) return reply;
      if (!Buffer.isBuffer(req.body)) return attach({ type: 'case', case: c }, req as FastifyRequest<{ Body: Attach; Querystring: { crs?: Crs } }>, reply);
      const data = req.body;
      const kind = uploadKind(req.headers['content-type'])!;
      if (!kind.magic(data)) {
        counted('mismatch');
        return reply.code(415).send({ error: 'Unsupported Media Type', message: `the bytes are not ${req.headers['content-type']}: they do not start as such a file does` });
      }
      // a final case takes nothing: refused before its bytes are stored (the transaction checks again)
      if (c.status === 'closed' || c.status === 'cancelled') {
        counted('refused');
        return reply.code(409).send({ error: 'Conflict', message: `case ${c.id} is ${c.status}: its file is final` });
      }
      const terminal = caseUploader(c.org, c.id);
      const now = new Date();
      const mediaId = randomInt(0, 2 ** 32);
      const saved = await media.save(terminal, mediaId, kind.format, data, now.getTime());
      if ('refused' in saved) {
        counted('quota');
        return reply.code(507).send({ error: 'Insufficient Storage', message: `the media store refused the file (${saved.refused}: media.maxBytesPerTerminal counts per case, media.maxBytesTotal in all)` });
      }
      let evidence: Evidence;
      try {
        const record = await store.run(() =>
          store.evidence.upload(c, { terminal, org: c.org, mediaId, type: kind.type, format: kind.format, event: 0, channel: 0, position: null, bytes: data.length, sha256: saved.sha256, receivedAt: now, path: saved.path }, actorOf(req), req.query.note, now),
        );
        evidence = { ...record, link: 'uploaded', linkedBy: actorOf(req), linkedAt: now.toISOString() };
      } catch (e) {
        // no record, no link: the bytes would be nobody's, and count against the quota
        await media.remove(saved.path);
        throw e;
      }
      counted('uploaded');
      return reply.code(201).send(evidence);
    },
  );
};
