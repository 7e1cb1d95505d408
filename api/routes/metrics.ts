/**
 * /metrics in the Prometheus text format, from the gateway's own registry. It counts terminals
 * of every org (dipper_terminals_online{org}), so with tokens configured it takes one whose org
 * is "" (`config.fleet`, auth.ts): Prometheus sends it as `authorization: { credentials: ... }`.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../deps.js';

export const metricsRoutes: FastifyPluginAsync<AppDeps> = async (app, { gateway }) => {
  app.get('/metrics', { config: { fleet: true } }, async (_req, reply) => {
    const registry = gateway.metrics.registry;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
};
