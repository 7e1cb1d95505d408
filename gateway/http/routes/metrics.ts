/** /metrics in the Prometheus text format, from the gateway's own registry. */
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../app.js';

export const metricsRoutes: FastifyPluginAsync<AppDeps> = async (app, { gateway }) => {
  app.get('/metrics', async (_req, reply) => {
    const registry = gateway.metrics.registry;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
};
