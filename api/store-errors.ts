/**
 * The store's refusals as HTTP answers, for the route families on the database: the database
 * away is 503 (nothing was changed; try again), a step the lifecycle forbids (or evidence a final file
 * cannot take) is 409 naming it,
 * a cursor that is not one of ours is 400. Anything else goes on to fastify's own handler.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { TransitionRefused } from '../store/cases.js';
import { BadCursor } from '../store/cursor.js';
import { EvidenceRefused } from '../store/evidence.js';
import { IncidentTransitionRefused } from '../store/incidents.js';
import { TargetNotDispatchable, UnitsEngaged } from '../store/dispatches.js';
import { DatabaseUnavailable } from '../store/store.js';

export function storeErrors(error: FastifyError, _req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof DatabaseUnavailable) return reply.code(503).header('retry-after', '5').send({ error: 'Service Unavailable', message: error.message });
  if (error instanceof IncidentTransitionRefused || error instanceof TransitionRefused) return reply.code(409).send({ error: 'Conflict', message: error.message });
  if (error instanceof UnitsEngaged || error instanceof TargetNotDispatchable || error instanceof EvidenceRefused) return reply.code(409).send({ error: 'Conflict', message: error.message });
  if (error instanceof BadCursor) return reply.code(400).send({ error: 'Bad Request', message: `after: ${error.message}` });
  throw error;
}
