/**
 * Enforcement cases: POST /api/cases, GET /api/cases, GET /api/cases/{id}, PATCH /api/cases/{id}.
 * Reading needs the "read" right, creating and changing the "admin" right (auth.ts).
 * A case belongs to an org unit (default: the token's scope; given, it must be inside it).
 * Ids are unique per org unit (CaseStore): creating an id that a case in the caller's scope
 * has is a 409; another district's case with that id does not exist for the caller, so the
 * creation succeeds and nothing tells it that id is used elsewhere. Where several org units of
 * a scope use one id, GET and PATCH take `?org=` to choose (409 naming them otherwise).
 * Every change goes on the map (cluster tiles' "cases" layer, the "cases" heat layer, the
 * stream) and out to the sinks as a Case event.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { bboxQuery, crsQuery, errorSchema, parseBbox, tokenQuery } from '../../map/api-schemas.js';
import type { Crs } from '../../map/crs.js';
import { shifter } from '../../map/crs.js';
import { CASE_STATUSES, CaseCreateSchema, CasePatchSchema, CaseSchema } from '../../map/cases.js';
import type { Case, CaseCreate, CasePatch } from '../../map/cases.js';
import { orgMatcher, within } from '../../events/scope.js';
import type { AppDeps } from '../deps.js';

const idParams = { type: 'object', properties: { id: CaseSchema.properties.id } } as const;

export const caseRoutes: FastifyPluginAsync<AppDeps> = async (app, { map }) => {
  const shiftCase = (c: Case, crs: Crs | undefined): Case => {
    if (!crs || crs === 'wgs84') return c;
    const [lng, lat] = shifter(crs)(c.location.lng, c.location.lat);
    return { ...c, location: { lat, lng } };
  };

  app.post<{ Body: CaseCreate }>(
    '/api/cases',
    { config: { right: 'admin' }, schema: { summary: 'Create a case', tags: ['cases'], body: CaseCreateSchema, querystring: { type: 'object', properties: tokenQuery }, response: { 201: CaseSchema, 400: errorSchema, 403: errorSchema, 409: errorSchema, 507: errorSchema } } },
    async (req, reply) => {
      const org = req.body.org ?? req.scope;
      if (!within(req.scope, org)) return reply.code(403).send({ error: 'Forbidden', message: `org "${org}" is outside this token's scope "${req.scope}"` });
      // only cases this scope shows can collide: another district's id does not exist for this caller
      const taken = map.cases.find(req.body.id, (o) => within(req.scope, o));
      if (taken.length > 0) return reply.code(409).send({ error: 'Conflict', message: `case ${req.body.id} exists (org "${taken[0]!.org}"): PATCH it` });
      if (!map.cases.room(org, req.body.id)) return reply.code(507).send({ error: 'Insufficient Storage', message: `every one of the ${map.config.maxCases} cases the store holds (map.maxCases) is open: close some, or raise the limit` });
      const c = map.cases.create(req.body, org)!;
      await map.caseChanged(c, true);
      return reply.code(201).send(c);
    },
  );

  app.get<{ Querystring: { status?: string; org?: string; bbox?: string; crs?: Crs } }>(
    '/api/cases',
    {
      schema: {
        summary: 'Cases in scope',
        tags: ['cases'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { status: { type: 'string', pattern: `^(?:${CASE_STATUSES.join('|')})(?:,(?:${CASE_STATUSES.join('|')}))*$` }, org: { type: 'string', minLength: 1 }, ...bboxQuery, ...crsQuery, ...tokenQuery },
        },
        response: { 400: errorSchema },
      },
    },
    async (req, reply) => {
      const bbox = parseBbox(req.query.bbox);
      if (typeof bbox === 'string') return reply.code(400).send({ error: 'Bad Request', message: bbox });
      const statuses = req.query.status?.split(',');
      const match = orgMatcher(req.scope, req.query.org?.split(','));
      const items = map.cases
        .list((c) => match(c.org) && (!statuses || statuses.includes(c.status)) && (!bbox || (c.location.lng >= bbox[0] && c.location.lat >= bbox[1] && c.location.lng <= bbox[2] && c.location.lat <= bbox[3])))
        .map((c) => shiftCase(c, req.query.crs));
      return { total: items.length, items };
    },
  );

  /** The one case with this id in the caller's scope (and `?org=`), or the answer already sent. */
  function oneCase(req: FastifyRequest<{ Params: { id: string }; Querystring: { org?: string } }>, reply: FastifyReply): Case | undefined {
    const { id } = req.params;
    const org = req.query.org;
    const found = map.cases.find(id, (o) => within(req.scope, o) && (org === undefined || o === org));
    if (found.length === 0) void reply.code(404).send({ error: 'Not Found', message: `case ${id} is unknown` });
    else if (found.length > 1) void reply.code(409).send({ error: 'Conflict', message: `case ${id} exists in several org units of this scope (${found.map((c) => c.org).join(', ')}): choose one with ?org=` });
    else return found[0];
    return undefined;
  }

  const caseOrg = { org: { type: 'string', maxLength: 200, description: 'the org unit of the case, when its id is used by several in this scope' } } as const;

  app.get<{ Params: { id: string }; Querystring: { crs?: Crs; org?: string } }>(
    '/api/cases/:id',
    { schema: { summary: 'One case', tags: ['cases'], params: idParams, querystring: { type: 'object', additionalProperties: false, properties: { ...caseOrg, ...crsQuery, ...tokenQuery } }, response: { 404: errorSchema, 409: errorSchema } } },
    async (req, reply) => {
      const c = oneCase(req, reply);
      return c ? shiftCase(c, req.query.crs) : reply;
    },
  );

  app.patch<{ Params: { id: string }; Querystring: { org?: string }; Body: CasePatch }>(
    '/api/cases/:id',
    {
      config: { right: 'admin' },
      schema: { summary: 'Change a case (status, location, ...)', tags: ['cases'], params: idParams, body: CasePatchSchema, querystring: { type: 'object', properties: { ...caseOrg, ...tokenQuery } }, response: { 200: CaseSchema, 400: errorSchema, 404: errorSchema, 409: errorSchema } },
    },
    async (req, reply) => {
      const before = oneCase(req, reply);
      if (!before) return reply;
      const c = map.cases.update(before.org, before.id, req.body)!;
      await map.caseChanged(c, false);
      return c;
    },
  );
};
