/**
 * The HTTP side as a fastify instance built from one plugin per route family (encapsulated:
 * each gets the gateway through its options, nothing global). `listen` is the caller's.
 */
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../gateway/log.js';
import { TokenTable } from '../events/tokens.js';
import { authPlugin } from './plugins/auth.js';
import { jsonBodyPlugin } from './plugins/json-body.js';
import { docsPlugin, mapApi } from './plugins/map-api.js';
import type { AppDeps } from './deps.js';
import { commandRoutes } from './routes/commands.js';
import { healthRoutes } from './routes/health.js';
import { incidentRoutes } from './routes/incidents.js';
import { mediaRoutes } from './routes/media.js';
import { registryRoutes } from './routes/registry.js';
import { dispatchRoutes } from './routes/dispatch.js';
import { dutyAreaRoutes } from './routes/duty-areas.js';
import { evidenceRoutes } from './routes/evidence.js';
import { liveRoutes } from './routes/live.js';
import { metricsRoutes } from './routes/metrics.js';
import { webRoutes } from './routes/web.js';


export function buildApp(deps: AppDeps, log: Logger): FastifyInstance {
  // per-request logs stay off (warn): the access pattern is in /metrics, not in the log
  // removeAdditional off: an unknown field is a 400 naming it, not silently dropped
  const { http } = deps.config;
  const app = Fastify({ loggerInstance: log.child({ component: 'http' }, { level: 'warn', serializers: { req: requestForLog } }), ajv: { customOptions: { removeAdditional: false } }, bodyLimit: http.maxBodyBytes });
  // bodies bounded in size and depth before they are parsed, for every route
  app.register(jsonBodyPlugin, { maxDepth: http.maxJsonDepth, refused: deps.metrics.httpRefused });
  // OpenAPI first (it records the routes registered after it), then tokens, rights and scopes for all
  app.register(docsPlugin);
  app.register(authPlugin, { tokens: deps.tokens ?? new TokenTable(deps.config.api.tokens), orgOf: (t) => deps.map.index.get(t)?.org ?? deps.registry.lookup(t)?.org });
  app.register(healthRoutes, deps);
  app.register(metricsRoutes, deps);
  app.register(liveRoutes, deps);
  // commands reach terminals through the gateway (or the relay over it): none in the standalone map API
  const commands = deps.commands ?? deps.gateway;
  if (commands) app.register(commandRoutes, { ...deps, commands });
  // the workflow on the database: none in the standalone map API
  if (deps.store) app.register(incidentRoutes, { ...deps, store: deps.store, commands });
  // the command centre's zone: days of the response-time statistics
  const timeZone = deps.config.web.timeZone;
  if (deps.store && deps.dispatch) app.register(dispatchRoutes, { ...deps, store: deps.store, board: deps.dispatch, settings: deps.dispatch.settings, timeZone, commands });
  if (deps.store && deps.duty) app.register(dutyAreaRoutes, { ...deps, store: deps.store, duty: deps.duty });
  if (deps.store && deps.devices) app.register(registryRoutes, { ...deps, store: deps.store, devices: deps.devices });
  // media files: records in the database, bytes where the gateway keeps them (none in the standalone map API)
  if (deps.store && deps.gateway) app.register(mediaRoutes, { ...deps, store: deps.store, blobs: deps.gateway.media.blobs });
  // evidence of incidents and cases: uploads go into the same media store, under its quotas
  if (deps.store && deps.gateway) app.register(evidenceRoutes, { ...deps, store: deps.store, media: deps.gateway.media });
  app.register(mapApi, deps);
  app.register(webRoutes, deps);
  return app as unknown as FastifyInstance;
}

/** A request as error logs show it: method and URL, the token of `?access_token=` masked (EventSource and tile URLs carry it). */
export function requestForLog(req: { method?: string; url?: string }): { method: string | undefined; url: string | undefined } {
  return { method: req.method, url: req.url?.replace(/([?&]access_token=)[^&#]*/gi, '$1***') };
}
