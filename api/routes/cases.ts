/**
 * Enforcement cases, kept in the database with their whole history (一案一档, issue 17):
 *   POST  /api/cases                 create (201)
 *   GET   /api/cases                 filters status, type, org, from/to (the case's time), bbox; paged by `after`
 *   GET   /api/cases/{id}            one case
 *   PATCH /api/cases/{id}            change it; a status the lifecycle forbids is a 409 naming the step
 *   GET   /api/cases/{id}/history    every change: who, when, what changed (from, to), the note
 * Reading needs the "read" right, creating and changing the "admin" right (auth.ts).
 * A case belongs to an org unit (default: the token's scope; given, it must be inside it).
 * Ids are unique per org unit: creating an id that a case in the caller's scope has is a 409;
 * another district's case with that id does not exist for the caller, so the creation succeeds
 * and nothing tells it that id is used elsewhere. Where several org units of a scope use one
 * id, the routes of one case take `?org=` to choose (409 naming them otherwise).
 * The database is the record; the map keeps the cases it draws (map.maxCases, 507 past it, as
 * before) and every change goes on the map (the "cases" layers, the stream) and out to the sinks.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { bboxQuery, crsQuery, errorSchema, parseBbox, tokenQuery } from '../../map/api-schemas.js';
import type { Crs } from '../../map/crs.js';
import { shifter } from '../../map/crs.js';
import { CASE_EVENT_ACTIONS } from '../../events/case.js';
import { CASE_STATUSES, CaseCreateSchema, CasePatchSchema, CaseSchema } from '../../map/cases.js';
import type { Case, CaseCreate, CasePatch } from '../../map/cases.js';
import type { CaseStatus } from '../../events/case.js';
import { within } from '../../events/scope.js';
import type { Store } from '../../store/store.js';
import { actorOf } from '../actor.js';
import type { AppDeps } from '../deps.js';
import { storeErrors } from '../store-errors.js';

export const caseIdParams = { type: 'object', properties: { id: CaseSchema.properties.id } } as const;
const idParams = caseIdParams;
export const caseOrg = { org: { type: 'string', maxLength: 200, description: 'the org unit of the case, when its id is used by several in this scope' } } as const;
const TYPE = '[^,]{1,64}';

interface ListQuery {
  status?: string;
  type?: string;
  org?: string;
  from?: string;
  to?: string;
  bbox?: string;
  crs?: Crs;
  limit: number;
  after?: string;
}

const CaseEventSchema = Type.Object({
  seq: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.String({ description: "the token's name (api.tokens[].name)" }),
  action: Type.Union(CASE_EVENT_ACTIONS.map((a) => Type.Literal(a))),
  changes: Type.Record(Type.String(), Type.Object({ from: Type.Optional(Type.Unknown()), to: Type.Unknown() })),
  note: Type.Optional(Type.String()),
});

export const caseRoutes: FastifyPluginAsync<AppDeps & { store: Store }> = async (app, { map, store, dispatch }) => {
  app.setErrorHandler(storeErrors);
  const shiftCase = (c: Case, crs: Crs | undefined): Case => {
    if (!crs || crs === 'wgs84') return c;
    const [lng, lat] = shifter(crs)(c.location.lng, c.location.lat);
    return { ...c, location: { lat, lng } };
  };

  app.post<{ Body: CaseCreate }>(
    '/api/cases',
    { config: { right: 'admin' }, schema: { summary: 'Create a case', tags: ['cases'], body: CaseCreateSchema, querystring: { type: 'object', properties: tokenQuery }, response: { 201: CaseSchema, 400: errorSchema, 403: errorSchema, 409: errorSchema, 503: errorSchema, 507: errorSchema } } },
    async (req, reply) => {
      const { note, ...input } = req.body;
      const org = input.org ?? req.scope;
      if (!within(req.scope, org)) return reply.code(403).send({ error: 'Forbidden', message: `org "${org}" is outside this token's scope "${req.scope}"` });
      // only cases this scope shows can collide: another district's id does not exist for this caller
      const taken = await store.run(() => store.cases.find(req.scope, input.id));
      if (taken.length > 0) return reply.code(409).send({ error: 'Conflict', message: `case ${input.id} exists (org "${taken[0]!.org}"): PATCH it` });
      if (!map.cases.room(org, input.id)) return reply.code(507).send({ error: 'Insufficient Storage', message: `every one of the ${map.config.maxCases} cases the map holds (map.maxCases) is open: close some, or raise the limit` });
      const c = await store.run(() => store.cases.create(input, org, actorOf(req), note));
      // another request made it between the check and the insert
      if (!c) return reply.code(409).send({ error: 'Conflict', message: `case ${input.id} exists (org "${org}"): PATCH it` });
      map.cases.put(c);
      await map.caseChanged(c, true);
      return reply.code(201).send(c);
    },
  );

  app.get<{ Querystring: ListQuery }>(
    '/api/cases',
    {
      schema: {
        summary: 'Cases in scope, newest first',
        tags: ['cases'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', pattern: `^(?:${CASE_STATUSES.join('|')})(?:,(?:${CASE_STATUSES.join('|')}))*$` },
            type: { type: 'string', pattern: `^${TYPE}(?:,${TYPE})*$`, maxLength: 1000, description: 'comma-separated case types' },
            org: { type: 'string', minLength: 1, maxLength: 1000, description: 'comma-separated org units (each with its subtree), within the scope' },
            from: { type: 'string', format: 'date-time', description: "the case's time at or after" },
            to: { type: 'string', format: 'date-time', description: "the case's time before" },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 500 },
            after: { type: 'string', maxLength: 500, description: 'the `next` of the previous page' },
            ...bboxQuery,
            ...crsQuery,
            ...tokenQuery,
          },
        },
        response: { 200: Type.Object({ total: Type.Integer({ description: 'cases on this page' }), items: Type.Array(CaseSchema), next: Type.Optional(Type.String({ description: 'pass as `after` for the next page; absent on the last' })) }), 400: errorSchema, 503: errorSchema },
      },
    },
    async (req, reply) => {
      const bbox = parseBbox(req.query.bbox);
      if (typeof bbox === 'string') return reply.code(400).send({ error: 'Bad Request', message: bbox });
      const q = req.query;
      // an org outside the scope narrows to nothing: the scope still applies
      const page = await store.run(() =>
        store.cases.list({ scope: req.scope, orgs: q.org?.split(','), status: q.status?.split(',') as CaseStatus[] | undefined, type: q.type?.split(','), from: q.from, to: q.to, bbox: bbox ?? undefined, limit: q.limit, after: q.after }),
      );
      const items = page.items.map((c) => shiftCase(c, q.crs));
      return page.next ? { total: items.length, items, next: page.next } : { total: items.length, items };
    },
  );

  const oneCase = (req: FastifyRequest<{ Params: { id: string }; Querystring: { org?: string } }>, reply: FastifyReply) => findCase(store, req, reply);


  app.get<{ Params: { id: string }; Querystring: { crs?: Crs; org?: string } }>(
    '/api/cases/:id',
    { schema: { summary: 'One case', tags: ['cases'], params: idParams, querystring: { type: 'object', additionalProperties: false, properties: { ...caseOrg, ...crsQuery, ...tokenQuery } }, response: { 404: errorSchema, 409: errorSchema, 503: errorSchema } } },
    async (req, reply) => {
      const c = await oneCase(req, reply);
      return c ? shiftCase(c, req.query.crs) : reply;
    },
  );

  app.get<{ Params: { id: string }; Querystring: { org?: string } }>(
    '/api/cases/:id/history',
    { schema: { summary: "A case's every change, oldest first", tags: ['cases'], params: idParams, querystring: { type: 'object', additionalProperties: false, properties: { ...caseOrg, ...tokenQuery } }, response: { 200: Type.Array(CaseEventSchema), 404: errorSchema, 409: errorSchema, 503: errorSchema } } },
    async (req, reply) => {
      const c = await oneCase(req, reply);
      if (!c) return reply;
      return (await store.run(() => store.cases.history(c.org, c.id))) ?? [];
    },
  );

  app.patch<{ Params: { id: string }; Querystring: { org?: string }; Body: CasePatch }>(
    '/api/cases/:id',
    {
      config: { right: 'admin' },
      schema: { summary: 'Change a case (status, location, ...)', tags: ['cases'], params: idParams, body: CasePatchSchema, querystring: { type: 'object', properties: { ...caseOrg, ...tokenQuery } }, response: { 200: CaseSchema, 400: errorSchema, 404: errorSchema, 409: errorSchema, 503: errorSchema } },
    },
    async (req, reply) => {
      const before = await oneCase(req, reply);
      if (!before) return reply;
      const { note, ...change } = req.body;
      const c = await store.run(() => store.cases.update(before.org, before.id, change, actorOf(req), note));
      if (!c) return reply.code(404).send({ error: 'Not Found', message: `case ${before.id} is unknown` });
      if (c.updatedAt !== before.updatedAt) {
        map.cases.put(c);
        await map.caseChanged(c, false);
      }
      // closed, cancelled or called back: its units are candidates again at once
      if (c.status !== before.status) await dispatch?.reload().catch(() => undefined);
      return c;
    },
  );
};

/** The one case with this id in the caller's scope (and `?org=`), or undefined with the answer (404, 409) already sent. */
export async function findCase(store: Store, req: FastifyRequest<{ Params: { id: string }; Querystring: { org?: string } }>, reply: FastifyReply): Promise<Case | undefined> {
  const { id } = req.params;
  const found = await store.run(() => store.cases.find(req.scope, id, req.query.org));
  if (found.length === 0) void reply.code(404).send({ error: 'Not Found', message: `case ${id} is unknown` });
  else if (found.length > 1) void reply.code(409).send({ error: 'Conflict', message: `case ${id} exists in several org units of this scope (${found.map((c) => c.org).join(', ')}): choose one with ?org=` });
  else return found[0];
  return undefined;
}
