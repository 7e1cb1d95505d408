/**
 * Enforcement cases: POST /api/cases, GET /api/cases, GET /api/cases/{id}, PATCH /api/cases/{id}.
 * Reading needs the "read" right, creating and changing the "admin" right (auth.ts).
 * A case belongs to an org unit (default: the token's scope; given, it must be inside it).
 * Every change goes on the map (cluster tiles' "cases" layer, the "cases" heat layer, the
 * stream) and out to the sinks as a Case event.
 */
import type { FastifyPluginAsync } from 'fastify';
import { bboxQuery, crsQuery, errorSchema, parseBbox, tokenQuery } from '../../map/api-schemas.js';
import type { Crs } from '../../map/crs.js';
import { shifter } from '../../map/crs.js';
import { CASE_STATUSES, CaseCreateSchema, CasePatchSchema, CaseSchema } from '../../map/cases.js';
import type { Case, CaseCreate, CasePatch } from '../../map/cases.js';
import { orgMatcher, within } from '../../map/scope.js';
import type { AppDeps } from '../app.js';

const idParams = { type: 'object', properties: { id: CaseSchema.properties.id } } as const;

export const caseRoutes: FastifyPluginAsync<AppDeps> = async (app, { map }) => {
  const shiftCase = (c: Case, crs: Crs | undefined): Case => {
    if (!crs || crs === 'wgs84') return c;
    const [lng, lat] = shifter(crs)(c.location.lng, c.location.lat);
    return { ...c, location: { lat, lng } };
  };

  app.post<{ Body: CaseCreate }>(
    '/api/cases',
    { config: { right: 'admin' }, schema: { summary: 'Create a case', tags: ['cases'], body: CaseCreateSchema, querystring: { type: 'object', properties: tokenQuery }, response: { 201: CaseSchema, 400: errorSchema, 403: errorSchema, 409: errorSchema } } },
    async (req, reply) => {
      const org = req.body.org ?? req.scope;
      if (!within(req.scope, org)) return reply.code(403).send({ error: 'Forbidden', message: `org "${org}" is outside this token's scope "${req.scope}"` });
      const c = map.cases.create(req.body, org);
      if (!c) return reply.code(409).send({ error: 'Conflict', message: `case ${req.body.id} exists: PATCH it` });
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

  app.get<{ Params: { id: string }; Querystring: { crs?: Crs } }>(
    '/api/cases/:id',
    { schema: { summary: 'One case', tags: ['cases'], params: idParams, querystring: { type: 'object', additionalProperties: false, properties: { ...crsQuery, ...tokenQuery } }, response: { 404: errorSchema } } },
    async (req, reply) => {
      const c = map.cases.get(req.params.id);
      if (!c || !within(req.scope, c.org)) return reply.code(404).send({ error: 'Not Found', message: `case ${req.params.id} is unknown` });
      return shiftCase(c, req.query.crs);
    },
  );

  app.patch<{ Params: { id: string }; Body: CasePatch }>(
    '/api/cases/:id',
    { config: { right: 'admin' }, schema: { summary: 'Change a case (status, location, ...)', tags: ['cases'], params: idParams, body: CasePatchSchema, querystring: { type: 'object', properties: tokenQuery }, response: { 200: CaseSchema, 400: errorSchema, 404: errorSchema } } },
    async (req, reply) => {
      const before = map.cases.get(req.params.id);
      if (!before || !within(req.scope, before.org)) return reply.code(404).send({ error: 'Not Found', message: `case ${req.params.id} is unknown` });
      const c = map.cases.update(req.params.id, req.body)!;
      await map.caseChanged(c, false);
      return c;
    },
  );
};
