/** Who did it, as the record says: the token's name (api.tokens[].name), never the token itself. */
import type { FastifyRequest } from 'fastify';

export function actorOf(req: FastifyRequest): string {
  if (!req.grant) return 'local'; // no tokens configured: only this machine reaches the API
  return req.grant.name ?? `token of "${req.grant.org}"`;
}
