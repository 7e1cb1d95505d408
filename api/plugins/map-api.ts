/**
 * The map API's route families under one encapsulated plugin, with gzip for its JSON answers
 * (tiles and the stream compress themselves or not at all: `compress: false`), and the
 * OpenAPI document (@fastify/swagger) at /docs/json and /docs/yaml, with its interactive page
 * (@fastify/swagger-ui, served offline) at /docs.
 */
import compress from '@fastify/compress';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
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
  // cases are kept in the database: the gateway's, or the standalone API's own
  if (deps.store) await app.register(caseRoutes, { ...deps, store: deps.store });
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
  // the interactive page (Swagger UI) at /docs, its scripts and styles from node_modules under
  // /docs/static: nothing from a CDN, so it works on a command centre's closed network. It reads
  // /docs/json; no validator badge (that would call validator.swagger.io).
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    validatorUrl: false,
    theme: { title: 'Dipper gateway API' },
    uiConfig: { deepLinking: true, persistAuthorization: false },
    uiHooks: {
      // /docs was the JSON document: a client asking for JSON (and not for a page) still gets it
      onRequest: async (req: FastifyRequest, reply: FastifyReply) => {
        const url = req.routeOptions.url;
        // the YAML as before (application/yaml; the plugin's own says application/x-yaml)
        if (url === '/docs/yaml') return reply.type('application/yaml').send(app.swagger({ yaml: true }));
        if (url !== '/docs' && url !== '/docs/') return;
        const accept = req.headers.accept ?? '';
        if (/\bapplication\/json\b/i.test(accept) && !/\btext\/html\b/i.test(accept)) return reply.send(app.swagger());
      },
    },
  });
};
// skip-override: swagger must see the routes registered on the root after it
(docsImpl as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
export const docsPlugin = docsImpl;
