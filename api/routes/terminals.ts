/**
 * Terminals on the map:
 *   GET /api/terminals        the live index, filtered (bbox, category, org, online, alarm), paged
 *   GET /api/terminals/{id}   latest position (full, as published), session, registry data
 * Live state comes from one store, the map's live index; "online" has one meaning, the map's:
 * heard from within map.offlineAfterMs (static resources always), whether or not a connection
 * is open now (that is `session`).
 * Both within the token's scope; a terminal outside it is a 404, as if unknown.
 */
import type { FastifyPluginAsync } from 'fastify';
import { toJson } from '../../decoders/index.js';
import { bboxQuery, crsQuery, errorSchema, filterQuery, parseBbox, tileFilter, tokenQuery } from '../../map/api-schemas.js';
import type { FilterQuery } from '../../map/api-schemas.js';
import { shifter } from '../../map/crs.js';
import { within } from '../../events/scope.js';
import { terminalId } from '../../events/commands.js';
import type { AppDeps } from '../deps.js';

type ListQuery = FilterQuery & { limit: number; offset: number; q?: string };

export const terminalRoutes: FastifyPluginAsync<AppDeps> = async (app, { gateway, registry, map }) => {
  app.get<{ Querystring: ListQuery }>(
    '/api/terminals',
    {
      schema: {
        summary: 'Terminals and static resources in the live index',
        tags: ['terminals'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...filterQuery, ...bboxQuery, ...crsQuery, ...tokenQuery, q: { type: 'string', minLength: 1, maxLength: 64, description: 'search: part of the id, plate or officer (case-insensitive); items then carry plate and officer' }, limit: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 }, offset: { type: 'integer', minimum: 0, default: 0 } },
        },
        response: { 400: errorSchema },
      },
    },
    async (req, reply) => {
      const bbox = parseBbox(req.query.bbox);
      if (typeof bbox === 'string') return reply.code(400).send({ error: 'Bad Request', message: bbox });
      const sel = map.selection(req.scope, tileFilter(req.query));
      const shift = shifter(req.query.crs ?? 'wgs84');
      const { limit, offset } = req.query;
      const items: object[] = [];
      let total = 0;
      // the map page's search box: ids from the index, plate and officer from the registry
      const q = req.query.q?.toLowerCase();
      const matches = (id: string) => {
        if (!q) return true;
        const d = registry.lookup(id);
        return [id, d?.plate, d?.officer].some((v) => v && v.toLowerCase().includes(q));
      };
      map.index.forEach(
        sel,
        (slot) => {
          if (q && !matches(map.index.idOf(slot))) return;
          if (total >= offset && items.length < limit) {
            const v = map.index.view(slot);
            const [lng, lat] = shift(v.lng, v.lat);
            const d = q ? registry.lookup(v.id) : undefined;
            items.push({ ...v, lng, lat, lastSeen: new Date(v.lastSeen).toISOString(), ...(d ? { plate: d.plate, officer: d.officer } : {}) });
          }
          total++;
        },
        bbox,
      );
      return { total, offset, limit, items };
    },
  );

  app.get<{ Params: { terminal: string }; Querystring: FilterQuery }>(
    '/api/terminals/:terminal',
    {
      schema: {
        summary: 'One terminal: latest position, session, registry data',
        description:
          '`live` is the map index\'s view of the terminal and `position` the last valid position as published (both null when it has not reported, or was dropped as an unregistered terminal). ' +
          '`online` means what it means on the map and in GET /api/terminals: heard from within map.offlineAfterMs (a static resource always is); `session` is the open connection, if any, which a terminal may lack while still online.',
        tags: ['terminals'],
        params: { type: 'object', properties: { terminal: { type: 'string', minLength: 1, maxLength: 64 } } },
        querystring: { type: 'object', additionalProperties: false, properties: { ...crsQuery, ...tokenQuery } },
        response: { 404: errorSchema },
      },
    },
    async (req, reply) => {
      const raw = req.params.terminal;
      const terminal = /^[0-9a-fA-F]{1,20}$/.test(raw) ? terminalId(raw) : raw;
      const device = registry.lookup(terminal);
      const session = gateway?.sessionOf(terminal);
      const view = map.index.get(terminal);
      const position = map.index.position(terminal);
      const org = view?.org ?? device?.org;
      if ((!device && !session && !view) || (org !== undefined && !within(req.scope, org))) {
        return reply.code(404).send({ error: 'Not Found', message: `terminal ${terminal} is unknown` });
      }
      const shift = shifter(req.query.crs ?? 'wgs84');
      const shifted = <T extends { lng: number; lat: number }>(p: T): T => {
        const [lng, lat] = shift(p.lng, p.lat);
        return { ...p, lng, lat };
      };
      const resource = registry.resources.find((r) => r.id === terminal);
      return reply.type('application/json').send(
        toJson({
          terminal,
          device: device ?? null,
          resource: resource ? shifted(resource) : null,
          online: view?.online ?? false,
          session: session ? { remote: session.connection.remote } : null,
          live: view ? shifted({ ...view, lastSeen: new Date(view.lastSeen).toISOString() }) : null,
          position: position ? shifted(position) : null,
        }),
      );
    },
  );
};
