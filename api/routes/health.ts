/** /healthz: the process answers. /readyz: it accepts terminals and its sinks keep up (the standalone map API: it answers). */
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../deps.js';

export const healthRoutes: FastifyPluginAsync<AppDeps> = async (app, { gateway }) => {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    if (!gateway) return reply.send({ status: 'ready' });
    const ready = gateway.accepting && !gateway.queue.full;
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', accepting: gateway.accepting, queueDepth: gateway.queue.depth, sessions: gateway.sessions.size });
  });
};
