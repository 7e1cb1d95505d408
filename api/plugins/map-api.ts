/**
 * The map API's route families under one encapsulated plugin, with gzip for its JSON answers
 * (tiles and the stream compress themselves or not at all: `compress: false`), and the
 * OpenAPI document (@fastify/swagger) served at /docs (JSON) and /docs/yaml.
 */
import compress from '@fastify/compress';
import swagger from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../deps.js';
import { caseRoutes } from '../routes/cases.js';
import { streamRoutes } from '../routes/stream.js';
import { terminalRoutes } from '../routes/terminals.js';
import { tileRoutes } from '../routes/tiles.js';
import { trackRoutes } from '../routes/tracks.js';

export const mapApi: FastifyPluginAsync<AppDeps> = async (app, deps) => {
  await app.register(compress, { global: true, threshold: 1024, encodings: ['gzip'] });
  await app.register(tileRoutes, deps);
  await app.register(terminalRoutes, deps);
  await app.register(trackRoutes, deps);
  await app.register(streamRoutes, deps);
  await app.register(caseRoutes, deps);
};

const docsImpl: FastifyPluginAsync = async (app) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Dipper gateway API', version: '1.0.0', description: 'Live command map (tiles, terminals, tracks, stream, cases), commands, health. Tokens: Authorization: Bearer <token> or ?access_token=, with rights read (map), command (downlink) and admin (cases); when none are configured nothing is asked and the API listens on loopback only.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  app.get('/docs', { schema: { hide: true } }, async () => app.swagger());
  app.get('/docs/json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/docs/yaml', { schema: { hide: true } }, async (_req, reply) => reply.type('application/yaml').send(app.swagger({ yaml: true })));
};
// skip-override: swagger must see the routes registered on the root after it
(docsImpl as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
export const docsPlugin = docsImpl;
