/**
 * GET /api/live: last valid position of every terminal in the token's scope, as published
 * (kept by the map's live index, so bounded as it is), and the registry's static resources in it. (The one-terminal view is GET /api/terminals/{id} in
 * terminals.ts; the map reads tiles and /api/terminals.)
 */
import type { FastifyPluginAsync } from 'fastify';
import { toJson } from '../../decoders/index.js';
import { within } from '../../events/scope.js';
import type { AppDeps } from '../deps.js';

export const liveRoutes: FastifyPluginAsync<AppDeps> = async (app, { registry, map }) => {
  // toJson: extras may hold bytes, published as hex like everywhere else
  app.get('/api/live', { schema: { summary: 'Last position of every terminal, and static resources', tags: ['terminals'] } }, async (req, reply) =>
    reply.type('application/json').send(toJson({ positions: map.index.positions().filter((p) => within(req.scope, p.org)), resources: registry.resources.filter((r) => within(req.scope, r.org)) })),
  );
};
