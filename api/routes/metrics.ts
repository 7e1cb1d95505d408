/**
 * /metrics in the Prometheus text format, from the process's registry (the gateway's, or the
 * standalone map API's). It counts terminals
 * of every org (dipper_terminals_online{org}), so with tokens configured it takes one whose org
 * is "" (`config.fleet`, auth.ts): Prometheus sends it as `authorization: { credentials: ... }`.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../deps.js';

export const metricsRoutes: FastifyPluginAsync<AppDeps> = async (app, { metrics }) => {
  app.get('/metrics', { config: { fleet: true } }, async (_req, reply) => {
    const registry = metrics.registry;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
};
