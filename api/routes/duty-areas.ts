/**
 * Duty areas through the API (issue 18). Reading needs "read", changing "admin"; everything is
 * within the token's scope (another org's area is a 404, never a 409).
 *   GET    /api/duty-areas              ?format=json|geojson (a FeatureCollection, importable as it is)
 *   GET    /api/duty-areas/{id}
 *   PUT    /api/duty-areas/{id}         { name, org, geometry, shifts, devices, people }: created or replaced whole
 *   DELETE /api/duty-areas/{id}
 *   POST   /api/duty-areas/import       a GeoJSON FeatureCollection: all of it or, with any bad feature, none,
 *                                       every bad feature named
 *   GET    /api/duty-areas/{id}/status  who is on post, off post, silent, now (from the gateway's watch)
 * Bodies are checked against their schema (a 400 naming the field), geometries by
 * events/duty-geometry.ts (closed rings, ranges, at most duty.maxVertices positions, no
 * crossing edges), the number of areas by duty.maxAreas. A change reaches the watch at once.
 */
import { Type } from '@sinclair/typebox';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { DUTY_AREA_ID, dutyAreaBodySchema, geometrySchema } from '../../events/duty.js';
import type { DutyArea, DutyAreaInput, DutyGeometry, Shift } from '../../events/duty.js';
import { geometryProblems } from '../../events/duty-geometry.js';
import { terminalId } from '../../events/commands.js';
import { within } from '../../events/scope.js';
import { errorSchema, tokenQuery } from '../../map/api-schemas.js';
import { isDutyRefusal, refusalText } from '../../store/duty-areas.js';
import type { DutyRefusal } from '../../store/duty-areas.js';
import type { PostStatus } from '../../store/duty-watch.js';
import type { Store } from '../../store/store.js';
import type { AppDeps, DutyDesk } from '../deps.js';
import { storeErrors } from '../store-errors.js';

const quietQuery = { type: 'object', additionalProperties: false, properties: tokenQuery } as const;
const idParams = { type: 'object', properties: { id: { type: 'string', pattern: DUTY_AREA_ID } }, required: ['id'] } as const;
/** a position written out is ~40 bytes; the rest of an area is small beside it */
const bytesFor = (vertices: number) => 64 * 1024 + vertices * 48;

/** as the registry keys them (leading zeros dropped), each once */
const terminals = (list: readonly string[]) => [...new Set(list.map(terminalId))];

/** A refusal of the store as its HTTP answer. */
function refuse(reply: FastifyReply, r: DutyRefusal, id: string): FastifyReply {
  const message = refusalText(r, id);
  switch (r.refused) {
    case 'not-found':
      return reply.code(404).send({ error: 'Not Found', message });
    case 'out-of-scope':
      return reply.code(403).send({ error: 'Forbidden', message });
    case 'too-many':
      return reply.code(409).send({ error: 'Conflict', message });
    case 'unknown-device':
    case 'unknown-person':
      return reply.code(400).send({ error: 'Bad Request', message });
  }
}

/** The area as a GeoJSON Feature (what the import takes back). */
function featureOf(a: DutyArea): object {
  return { type: 'Feature', id: a.id, properties: { name: a.name, org: a.org, shifts: a.shifts, devices: a.devices, people: a.people, updatedAt: a.updatedAt }, geometry: a.geometry };
}

/** TypeBox's first error of `value` as `path: message` in the dotted form the other answers use */
function firstError(check: ReturnType<typeof TypeCompiler.Compile>, value: unknown, prefix: string): string | undefined {
  const e = check.Errors(value).First();
  if (!e) return undefined;
  const path = e.path.split('/').slice(1).reduce((p, part) => (/^\d+$/.test(part) ? `${p}[${part}]` : `${p}.${part}`), prefix);
  return `${path}: ${e.message}`;
}

export const dutyAreaRoutes: FastifyPluginAsync<AppDeps & { store: Store; duty: DutyDesk }> = async (app, { store, duty, registry }) => {
  app.setErrorHandler(storeErrors);
  const { maxVertices, maxAssigned, maxAreas } = duty.settings;
  const Body = dutyAreaBodySchema(maxVertices, maxAssigned);
  type Body = Static<typeof Body>;
  // an import's features are checked one by one, so that every bad one is named
  const Properties = Type.Composite([Type.Omit(Body, ['geometry']), Type.Object({ id: Type.Optional(Type.String()) })], { additionalProperties: false });
  const checkProperties = TypeCompiler.Compile(Properties);
  const checkGeometry = TypeCompiler.Compile(geometrySchema(maxVertices) as TSchema);
  const changed = () => duty.reload().catch((err: unknown) => app.log.warn({ err }, 'duty areas: the watch could not read them again; it will at its next refresh'));

  app.get<{ Querystring: { format: 'json' | 'geojson' } }>(
    '/api/duty-areas',
    { schema: { summary: 'Duty areas in scope, by id (format=geojson: a FeatureCollection, importable as it is)', tags: ['duty'], querystring: { type: 'object', additionalProperties: false, properties: { format: { type: 'string', enum: ['json', 'geojson'], default: 'json' }, ...tokenQuery } } } },
    async (req) => {
      const areas = await store.run(() => store.dutyAreas.list(req.scope));
      return req.query.format === 'geojson' ? { type: 'FeatureCollection', features: areas.map(featureOf) } : { items: areas };
    },
  );

  app.get<{ Params: { id: string } }>('/api/duty-areas/:id', { schema: { summary: 'One duty area', tags: ['duty'], params: idParams, querystring: quietQuery } }, async (req, reply) => {
    const a = await store.run(() => store.dutyAreas.get(req.scope, req.params.id));
    return a ?? reply.code(404).send({ error: 'Not Found', message: `no duty area ${req.params.id} in this token's scope` });
  });

  const Unit = Type.Object({
    terminal: Type.String(),
    org: Type.String(),
    category: Type.String(),
    lastHeard: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'its last location report; null: none since the gateway started' }),
    since: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'inside (or outside) since; null without a fix' }),
    lat: Type.Optional(Type.Number()),
    lng: Type.Optional(Type.Number()),
    plate: Type.Optional(Type.String()),
    officer: Type.Optional(Type.String()),
  });
  const Status = Type.Object({
    id: Type.String(),
    name: Type.String(),
    org: Type.String(),
    at: Type.String({ format: 'date-time' }),
    onShift: Type.Boolean(),
    shiftStartedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    counts: Type.Object({ assigned: Type.Integer(), onPost: Type.Integer(), offPost: Type.Integer(), silent: Type.Integer() }),
    onPost: Type.Array(Unit, { description: 'heard from within duty.noSignalMs, the last fix inside' }),
    offPost: Type.Array(Unit, { description: 'heard from within duty.noSignalMs, the last fix outside' }),
    silent: Type.Array(Unit, { description: 'not heard from within duty.noSignalMs, or no fix since the gateway started' }),
  });

  app.get<{ Params: { id: string } }>(
    '/api/duty-areas/:id/status',
    { schema: { summary: "Who of the area's units is on post, off post or silent, now", tags: ['duty'], params: idParams, querystring: quietQuery, response: { 200: Status, 404: errorSchema } } },
    async (req, reply) => {
      const now = Date.now();
      const s = duty.status(req.params.id, now);
      if (!s || !within(req.scope, s.area.org)) return reply.code(404).send({ error: 'Not Found', message: `no duty area ${req.params.id} in this token's scope` });
      const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
      // a device moved to another org unit since it was assigned: not shown to whom it is not visible
      const visible = s.units.filter((u) => within(req.scope, u.org));
      const view = (u: PostStatus) => {
        const device = registry.lookup(u.terminal);
        return {
          terminal: u.terminal,
          org: u.org,
          category: u.category,
          lastHeard: iso(u.heardAt),
          since: iso(u.since),
          ...(u.lat !== undefined ? { lat: u.lat, lng: u.lng } : {}),
          ...(device?.plate ? { plate: device.plate } : {}),
          ...(device?.officer ? { officer: device.officer } : {}),
        };
      };
      const of = (state: PostStatus['state']) => visible.filter((u) => u.state === state).map(view);
      const [onPost, offPost, silent] = [of('onPost'), of('offPost'), of('silent')];
      return {
        id: s.area.id,
        name: s.area.name,
        org: s.area.org,
        at: new Date(now).toISOString(),
        onShift: s.shiftStart !== undefined,
        shiftStartedAt: iso(s.shiftStart),
        counts: { assigned: visible.length, onPost: onPost.length, offPost: offPost.length, silent: silent.length },
        onPost,
        offPost,
        silent,
      };
    },
  );

  app.put<{ Params: { id: string }; Body: Body }>(
    '/api/duty-areas/:id',
    {
      config: { right: 'admin' },
      bodyLimit: bytesFor(maxVertices),
      schema: { summary: 'Create or replace a duty area (its shape, shifts and who is assigned)', tags: ['duty'], params: idParams, body: Body, querystring: quietQuery, response: { 400: Type.Object({ error: Type.String(), message: Type.String(), errors: Type.Optional(Type.Array(Type.String())) }), 403: errorSchema, 404: errorSchema, 409: errorSchema, 503: errorSchema } },
    },
    async (req, reply) => {
      const b = req.body;
      const problems = geometryProblems(b.geometry as DutyGeometry, maxVertices);
      if (problems.length > 0) return reply.code(400).send({ error: 'Bad Request', message: problems[0]!, errors: problems });
      const input: DutyAreaInput = { id: req.params.id, name: b.name, org: b.org, geometry: b.geometry as DutyGeometry, shifts: b.shifts as Shift[], devices: terminals(b.devices), people: b.people };
      const r = await store.run(() => store.dutyAreas.put(req.scope, input, maxAreas));
      if (isDutyRefusal(r)) return refuse(reply, r, req.params.id);
      await changed();
      return reply.code(r.created ? 201 : 200).send(r.area);
    },
  );

  app.delete<{ Params: { id: string } }>('/api/duty-areas/:id', { config: { right: 'admin' }, schema: { summary: 'Delete a duty area', tags: ['duty'], params: idParams, querystring: quietQuery } }, async (req, reply) => {
    if (!(await store.run(() => store.dutyAreas.delete(req.scope, req.params.id)))) return reply.code(404).send({ error: 'Not Found', message: `no duty area ${req.params.id} in this token's scope` });
    await changed();
    return reply.code(204).send();
  });

  app.post<{ Body: { type: 'FeatureCollection'; features: unknown[] } }>(
    '/api/duty-areas/import',
    {
      config: { right: 'admin' },
      bodyLimit: Math.min(16 * 1024 * 1024, bytesFor(maxVertices) * 16),
      schema: {
        summary: 'Import a GeoJSON FeatureCollection of duty areas (each feature: id, properties {name, org, shifts, devices, people}, geometry): all of it or, with any bad feature, none',
        tags: ['duty'],
        querystring: quietQuery,
        body: { type: 'object', required: ['type', 'features'], properties: { type: { const: 'FeatureCollection' }, features: { type: 'array', minItems: 1, maxItems: maxAreas } } },
      },
    },
    async (req, reply) => {
      const errors: string[] = [];
      const areas: DutyAreaInput[] = [];
      const seen = new Map<string, number>();
      for (const [i, f] of req.body.features.entries()) {
        const at = `features[${i}]`;
        const feature = f as { type?: unknown; id?: unknown; properties?: Record<string, unknown> | null; geometry?: unknown } | null;
        if (typeof feature !== 'object' || feature === null || feature.type !== 'Feature') {
          errors.push(`${at}: not a GeoJSON Feature`);
          continue;
        }
        const id = feature.id ?? feature.properties?.id;
        const problem =
          typeof id !== 'string' || !new RegExp(DUTY_AREA_ID).test(id)
            ? `${at}.id: the area's id (the feature's id or properties.id) must match ${DUTY_AREA_ID}`
            : (firstError(checkProperties, feature.properties ?? {}, `${at}.properties`) ?? firstError(checkGeometry, feature.geometry, `${at}.geometry`));
        if (problem) {
          errors.push(problem);
          continue;
        }
        const geometry = feature.geometry as DutyGeometry;
        const shape = geometryProblems(geometry, maxVertices, `${at}.geometry`);
        if (shape.length > 0) {
          errors.push(...shape);
          continue;
        }
        const key = id as string;
        if (seen.has(key)) {
          errors.push(`${at}.id: "${key}" is also features[${seen.get(key)}]'s`);
          continue;
        }
        seen.set(key, i);
        const p = feature.properties as Partial<Body>;
        areas.push({ id: key, name: p.name!, org: p.org!, geometry, shifts: (p.shifts ?? []) as Shift[], devices: terminals(p.devices ?? []), people: p.people ?? [] });
      }
      if (errors.length > 0) return reply.code(400).send({ error: 'Bad Request', message: `nothing imported: ${errors.length} ${errors.length === 1 ? 'problem' : 'problems'} (the first: ${errors[0]})`, errors });
      const done = await store.run(() => store.dutyAreas.importAreas(req.scope, areas, maxAreas));
      if ('refused' in done) {
        const named = done.problems.map((p) => `features[${seen.get(areas[p.index]!.id)}] (${areas[p.index]!.id}): ${p.message}`);
        return reply.code(400).send({ error: 'Bad Request', message: `nothing imported: ${named.length} refused (the first: ${named[0]})`, errors: named });
      }
      await changed();
      return done;
    },
  );
};
