/**
 * API tokens (the one table of events/tokens.ts, shared with the MQTT broker), each granting
 * an org subtree and rights. Applies to the whole app (skip-override), so every route family
 * gets `req.scope` ("" = everything) and `req.grant` without registering anything itself.
 * - No tokens configured: nothing is asked, every request has scope "" and every right (the
 *   API then listens on loopback only, or api.insecure says otherwise: exposure.ts).
 * - /healthz, /readyz and the OpenAPI document stay open, as do routes marked `config.public`
 *   (the map page, which must load to ask for a token).
 * - Each route needs a right (`config.right`, default "read"): "command" for downlink commands,
 *   "admin" for creating and changing cases. A token without it gets a 403 before its body is
 *   read. `config.fleet` routes (/metrics: counts of every org) need a token whose scope is "".
 * - The token comes from `Authorization: Bearer <token>` or `?access_token=` (EventSource and
 *   tile URLs cannot set headers), looked up in constant time (tokens.ts).
 * - A route with a `:terminal` parameter (commands, detail, track) answers 404 for a terminal
 *   outside the scope, exactly as for one that does not exist.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { within } from '../../events/scope.js';
import type { Grant, Right, TokenTable } from '../../events/tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** org subtree this request may see ("" = everything) */
    scope: string;
    /** the token's grant; undefined when no tokens are configured (everything allowed) */
    grant: Grant | undefined;
  }
  interface FastifyContextConfig {
    /** reachable without a token (the map page) */
    public?: boolean;
    /** the right this route needs (default "read") */
    right?: Right;
    /** shows every org at once: only a token with scope "" */
    fleet?: boolean;
  }
}

export interface AuthOptions {
  tokens: TokenTable;
  /** the org unit of a terminal, when known (registry or live index) */
  orgOf: (terminal: string) => string | undefined;
}

const OPEN = new Set(['/healthz', '/readyz', '/docs', '/docs/json', '/docs/yaml']);

function tokenOf(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (h && /^bearer /i.test(h)) return h.slice(7).trim();
  const q = req.query as Record<string, unknown> | undefined;
  return typeof q?.access_token === 'string' ? q.access_token : undefined;
}

const authPluginImpl: FastifyPluginAsync<AuthOptions> = async (app, options) => {
  const tokens = options.tokens;
  app.decorateRequest('scope', '');
  app.decorateRequest('grant', undefined);
  if (tokens.open) return;

  const refuse = (reply: FastifyReply, message: string) => reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'Unauthorized', message });
  const forbid = (reply: FastifyReply, message: string) => reply.code(403).send({ error: 'Forbidden', message });

  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?', 1)[0]!;
    const config = req.routeOptions.config;
    // /docs/* is the API page and its assets (static/...): as open as the document it shows
    if (OPEN.has(path) || path.startsWith('/docs/') || config.public === true) return;
    const token = tokenOf(req);
    if (!token) return refuse(reply, 'an API token is required: Authorization: Bearer <token> (or ?access_token=)');
    const grant = tokens.find(token);
    if (!grant) return refuse(reply, 'unknown API token');
    const right = config.right ?? 'read';
    if (!grant.rights.has(right)) return forbid(reply, `this token lacks the "${right}" right (it has: ${[...grant.rights].join(', ') || 'none'}); rights are set in api.tokens[].rights`);
    if (config.fleet === true && grant.org !== '') return forbid(reply, `${path} shows every org: it needs a token whose org is "" (this one's is "${grant.org}")`);
    req.grant = grant;
    req.scope = grant.org;
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
