/**
 * /healthz: the process answers. /readyz: it accepts terminals and its sinks keep up (the
 * standalone map API: it answers). A database outage does not stop terminals being served, so
 * it keeps 200 and says "degraded", with the database's detail: the workflow routes answer 503.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../deps.js';

export const healthRoutes: FastifyPluginAsync<AppDeps> = async (app, { gateway, store }) => {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    if (!gateway) return reply.send({ status: 'ready' });
    const ready = gateway.accepting && !gateway.queue.full;
    const database = store?.detail;
    const status = !ready ? 'not ready' : database && !database.up ? 'degraded' : 'ready';
    return reply.code(ready ? 200 : 503).send({ status, accepting: gateway.accepting, queueDepth: gateway.queue.depth, sessions: gateway.sessions.size, ...(database ? { database } : {}) });
  });
};
