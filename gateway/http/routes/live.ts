/** GET /api/live: last valid position of every terminal, and the registry's static resources. */
import type { FastifyPluginAsync } from 'fastify';
import { toJson } from '../../../decoders/index.js';
import { terminalId } from '../../registry/devices.js';
import type { AppDeps } from '../app.js';

export const liveRoutes: FastifyPluginAsync<AppDeps> = async (app, { gateway, live }) => {
  // toJson: extras may hold bytes, published as hex like everywhere else
  app.get('/api/live', async (_req, reply) => reply.type('application/json').send(toJson({ positions: live.positions(), resources: gateway.registry.resources })));
  app.get<{ Params: { terminal: string } }>('/api/terminals/:terminal', async (req, reply) => {
    const terminal = terminalId(req.params.terminal);
    const device = gateway.registry.lookup(terminal);
    const session = gateway.sessions.get(terminal);
    const position = live.get(terminal);
    if (!device && !session && !position) return reply.code(404).send({ error: 'Not Found', message: `terminal ${terminal} is unknown` });
    return reply.type('application/json').send(toJson({ terminal, device: device ?? null, online: session !== undefined, remote: session?.connection.remote ?? null, position: position ?? null }));
  });
};
