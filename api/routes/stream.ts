/**
 * GET /api/stream: Server-Sent Events of live updates, for the map to refresh (and to follow
 * selected terminals). Events: `position`, `alarm`, `case`, `incident`, `duty` (data: the published JSON), plus a
 * `version` event every 2 s carrying the data version for TileJSON/tile refreshes.
 * Filters: types, category, org, bbox, crs; always within the token's scope.
 * A client that cannot keep up loses events (counted in dipper_sse_dropped_total) rather than
 * growing the server's memory. At most `http.maxStreamsPerToken` streams per token at once:
 * 429 beyond (dipper_http_refused_total{reason="streams-per-token"}).
 */
import type { FastifyPluginAsync } from 'fastify';
import { toJson } from '../../decoders/index.js';
import { bboxQuery, crsQuery, filterQuery, parseBbox, tokenQuery } from '../../map/api-schemas.js';
import type { Crs } from '../../map/crs.js';
import { shifter } from '../../map/crs.js';
import { orgMatcher } from '../../events/scope.js';
import type { StreamEvent } from '../../map/stream-hub.js';
import type { Grant } from '../../events/tokens.js';
import type { AppDeps } from '../deps.js';

interface StreamQuery {
  types?: string;
  category?: string;
  org?: string;
  bbox?: string;
  crs?: Crs;
}

const TYPES = ['position', 'alarm', 'case', 'incident', 'duty'];

/** the bucket of requests made without a token (no tokens configured: loopback only) */
const NO_TOKEN = Symbol('no token');

export const streamRoutes: FastifyPluginAsync<AppDeps> = async (app, { config, metrics, report, map }) => {
  const open = new Set<() => void>();
  const maxPerToken = config.http.maxStreamsPerToken;
  // open streams per token: keyed by the configured grants (and NO_TOKEN), so bounded by api.tokens
  const perToken = new Map<Grant | typeof NO_TOKEN, number>();
  // streams never end by themselves: close them before the server waits for its connections
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });

  app.get<{ Querystring: StreamQuery }>(
    '/api/stream',
    {
      compress: false,
      schema: {
        summary: 'Server-Sent Events: position, alarm, case, incident and duty (entered or left a duty area) updates',
        tags: ['stream'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { types: { type: 'string', pattern: `^(?:${TYPES.join('|')})(?:,(?:${TYPES.join('|')}))*$` }, category: filterQuery.category, org: filterQuery.org, ...bboxQuery, ...crsQuery, ...tokenQuery },
        },
      },
    },
    async (req, reply) => {
      const bbox = parseBbox(req.query.bbox);
      if (typeof bbox === 'string') return reply.code(400).send({ error: 'Bad Request', message: bbox });
      // each stream holds a socket, a timer and a subscriber: one token cannot open them without end
      const key = req.grant ?? NO_TOKEN;
      const streams = perToken.get(key) ?? 0;
      if (streams >= maxPerToken) {
        metrics.httpRefused.inc({ reason: 'streams-per-token' });
        return reply.code(429).header('retry-after', '10').send({ error: 'Too Many Requests', message: `this token has ${streams} streams open, the most allowed (http.maxStreamsPerToken)` });
      }
      const types = new Set(req.query.types ? req.query.types.split(',') : TYPES);
      const categories = req.query.category ? new Set(req.query.category.split(',')) : undefined;
      const inOrg = orgMatcher(req.scope, req.query.org?.split(','));
      const crs = req.query.crs ?? 'wgs84';
      const shift = shifter(crs);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(`retry: 2000\nevent: hello\ndata: ${JSON.stringify({ scope: req.scope, types: [...types], version: map.version })}\n\n`);
      let blocked = false;
      res.on('drain', () => (blocked = false));
      const write = (text: string) => {
        if (blocked) {
          map.metrics.sseDropped.inc();
          return;
        }
        blocked = !res.write(text);
      };
      const unsubscribe = map.hub.subscribe((e: StreamEvent) => {
        if (!types.has(e.type) || !inOrg(e.org)) return;
        if (categories && (e.type === 'position' || e.type === 'alarm') && !categories.has(e.category)) return;
        if (bbox && (e.lng < bbox[0] || e.lat < bbox[1] || e.lng > bbox[2] || e.lat > bbox[3])) return;
        let data: object = e.data;
        if (crs !== 'wgs84') {
          const [lng, lat] = shift(e.lng, e.lat);
          // an incident without a fix has no place to shift (NaN in, NaN out): its location stays null
          if (e.type === 'case' || e.type === 'incident') data = (data as { location: unknown }).location ? { ...data, location: { lat, lng } } : data;
          else data = e.type === 'position' || e.type === 'duty' ? { ...data, lng, lat } : { ...data, position: { ...(data as { position: object }).position, lng, lat } };
        }
        write(`event: ${e.type}\ndata: ${toJson(data)}\n\n`);
      });
      let lastVersion = map.version;
      const tick = setInterval(
        () => {
          try {
            const v = map.version;
            if (v !== lastVersion) write(`event: version\ndata: ${v}\n\n`);
            else write(': keep-alive\n\n');
            lastVersion = v;
          } catch (e) {
            report('sse-tick', e);
          }
        },
        2000,
      );
      map.metrics.sseClients.inc();
      perToken.set(key, streams + 1);
      const end = () => {
        if (!open.delete(end)) return;
        clearInterval(tick);
        unsubscribe();
        map.metrics.sseClients.dec();
        const left = perToken.get(key)! - 1;
        if (left === 0) perToken.delete(key);
        else perToken.set(key, left);
        res.end();
      };
      open.add(end);
      req.raw.on('close', end);
      res.on('close', end);
    },
  );
};
