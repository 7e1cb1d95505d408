/**
 * API tokens, each scoped to an org subtree. Applies to the whole app (skip-override), so every
 * route family gets `req.scope` ("" = everything) without registering anything itself.
 * - No tokens configured: the API is open and every request has scope "" (the embedded default).
 * - /metrics, /healthz, /readyz and the OpenAPI document stay open.
 * - The token comes from `Authorization: Bearer <token>` or `?access_token=` (EventSource and
 *   tile URLs cannot set headers). It is compared in constant time: both sides are SHA-256
 *   digests of equal length compared with timingSafeEqual, and every configured token is
 *   compared (no early exit), so timing tells neither which token nor how much matched.
 * - A route with a `:terminal` parameter (commands, detail, track) answers 404 for a terminal
 *   outside the scope, exactly as for one that does not exist.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { within } from '../../map/scope.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** org subtree this request may see ("" = everything) */
    scope: string;
  }
}

export interface AuthOptions {
  tokens: readonly { token: string; org: string; name?: string | undefined }[];
  /** the org unit of a terminal, when known (registry or live index) */
  orgOf: (terminal: string) => string | undefined;
}

const OPEN = new Set(['/metrics', '/healthz', '/readyz', '/docs', '/docs/json', '/docs/yaml']);

const digest = (s: string) => createHash('sha256').update(s).digest();

function tokenOf(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (h && /^bearer /i.test(h)) return h.slice(7).trim();
  const q = req.query as Record<string, unknown> | undefined;
  return typeof q?.access_token === 'string' ? q.access_token : undefined;
}

const authPluginImpl: FastifyPluginAsync<AuthOptions> = async (app, options) => {
  const keys = options.tokens.map((t) => ({ digest: digest(t.token), org: t.org }));
  app.decorateRequest('scope', '');
  if (keys.length === 0) return;

  const refuse = (reply: FastifyReply, message: string) => reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'Unauthorized', message });

  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?', 1)[0]!;
    // routes marked config.public (the map page, which must load to ask for a token) stay open too
    if (OPEN.has(path) || (req.routeOptions.config as { public?: boolean }).public === true) return;
    const token = tokenOf(req);
    if (!token) return refuse(reply, 'an API token is required: Authorization: Bearer <token> (or ?access_token=)');
    const d = digest(token);
    let found = -1;
    for (let i = 0; i < keys.length; i++) if (timingSafeEqual(d, keys[i]!.digest) && found < 0) found = i;
    if (found < 0) return refuse(reply, 'unknown API token');
    req.scope = keys[found]!.org;
  });

  app.addHook('preHandler', async (req, reply) => {
    if (req.scope === '') return;
    const terminal = (req.params as Record<string, unknown> | undefined)?.terminal;
    if (typeof terminal !== 'string') return;
    const org = options.orgOf(terminal.toLowerCase().replace(/^0+(?=.)/, ''));
    if (org === undefined || !within(req.scope, org)) return reply.code(404).send({ error: 'Not Found', message: `terminal ${terminal} is unknown` });
  });
};

// skip-override: the hooks apply to every route of the app, not just inside this plugin
(authPluginImpl as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
export const authPlugin = authPluginImpl;
