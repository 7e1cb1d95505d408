/**
 * Map tiles and their TileJSON:
 *   GET /tiles/clusters.json, /tiles/heat.json      TileJSON 3.0.0, tile URLs carry ?v=<data version>,
 *     start with http.publicUrl (or are root-relative), and never carry the token
 *   GET /tiles/clusters/{z}/{x}/{y}.mvt|.geojson    layers "clusters" and "cases"
 *   GET /tiles/heat/{z}/{x}/{y}.mvt|.geojson        layers "positions", "alarms", "cases"
 * 204 for an empty tile; strong ETag and 304 (per representation: the gzip bytes have their own
 * tag); gzip when accepted (compressed only then, cached with the tile); every tile filtered by
 * the token's scope.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { bboxQuery, crsQuery, errorSchema, filterQuery, tileFilter, tokenQuery } from '../../map/api-schemas.js';
import type { FilterQuery } from '../../map/api-schemas.js';
import { CLUSTER_FIELDS } from '../../map/cluster-tile.js';
import { HEAT_LAYERS } from '../../map/heat.js';
import type { HeatLayer } from '../../map/heat.js';
import type { RenderedTile } from '../../map/service.js';
import type { AppDeps } from '../deps.js';

const MAX_Z = 24;

const tileParams = {
  type: 'object',
  required: ['z', 'x', 'y'],
  properties: {
    z: { type: 'integer', minimum: 0, maximum: MAX_Z },
    x: { type: 'integer', minimum: 0 },
    y: { type: 'string', pattern: '^\\d+\\.(?:mvt|geojson)$', description: 'row and format: 12.mvt or 12.geojson' },
  },
} as const;

const heatQuery = {
  layers: { type: 'string', pattern: `^(?:${HEAT_LAYERS.join('|')})(?:,(?:${HEAT_LAYERS.join('|')}))*$`, description: 'comma-separated heat layers (default all)' },
  window: { type: 'string', pattern: '^\\d{1,4}[mh]$', default: '15m', description: 'time window: 15m, 1h (at most map.heatWindowMaxMinutes)' },
  res: { type: 'integer', minimum: 0, maximum: 15, description: 'H3 resolution; default from the zoom (README)' },
  geom: { type: 'string', enum: ['point', 'hex'], default: 'point', description: 'cell centroids (for a heatmap layer) or hexagons (for a fill layer)' },
} as const;

const version = { v: { type: 'string', maxLength: 40, description: 'data version from the TileJSON (cache key for clients; any value is accepted)' } } as const;

interface TileParams {
  z: number;
  x: number;
  y: string;
}

type HeatQuery = FilterQuery & { layers?: string; window: string; res?: number; geom: 'point' | 'hex' };

const CONTENT_TYPE = { mvt: 'application/vnd.mapbox-vector-tile', geojson: 'application/geo+json' } as const;

export const tileRoutes: FastifyPluginAsync<AppDeps> = async (app, { config, map }) => {

  /** z/x/y checked against each other, or a 400 sent */
  function coordinates(req: FastifyRequest<{ Params: TileParams }>, reply: FastifyReply): { z: number; x: number; y: number; format: 'mvt' | 'geojson' } | undefined {
    const { z, x } = req.params;
    const [row, format] = req.params.y.split('.') as [string, 'mvt' | 'geojson'];
    const y = Number(row);
    const n = 2 ** z;
    if (x >= n || y >= n) {
      void reply.code(400).send({ error: 'Bad Request', message: `tile ${z}/${x}/${y} does not exist: x and y must be below ${n} at zoom ${z}` });
      return undefined;
    }
    return { z, x, y, format };
  }

  async function send(req: FastifyRequest, reply: FastifyReply, layer: string, format: 'mvt' | 'geojson', started: bigint, tile: RenderedTile) {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    map.metrics.tileSeconds.observe({ layer, cache: tile.cache }, seconds);
    // tiles differ by token (scope) and by encoding: shared caches must key on both
    reply.header('vary', 'Authorization, Accept-Encoding').header('cache-control', 'private, no-cache');
    if (!tile.raw) {
      map.metrics.tileRequests.inc({ layer, cache: tile.cache, status: '204' });
      return reply.code(204).send();
    }
    const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
    // strong ETag per representation (RFC 9110 8.8.3): the gzip bytes get their own tag; a 304 compresses nothing
    const etag = gzip ? `${tile.etag.slice(0, -1)}-gz"` : tile.etag;
    const inm = req.headers['if-none-match'];
    if (inm && (inm === '*' || inm.split(',').some((t) => t.trim() === etag))) {
      map.metrics.tileRequests.inc({ layer, cache: tile.cache, status: '304' });
      return reply.code(304).header('etag', etag).send();
    }
    map.metrics.tileRequests.inc({ layer, cache: tile.cache, status: '200' });
    reply.header('etag', etag).type(CONTENT_TYPE[format]).header('x-tile-cache', tile.cache);
    if (gzip) return reply.header('content-encoding', 'gzip').send(await tile.gzip());
    return reply.send(tile.raw);
  }

  app.get<{ Params: TileParams; Querystring: FilterQuery }>(
    '/tiles/clusters/:z/:x/:y',
    {
      compress: false,
      schema: {
        summary: 'Cluster tile (MVT 2.1 or GeoJSON)',
        tags: ['tiles'],
        params: tileParams,
        querystring: { type: 'object', additionalProperties: false, properties: { ...filterQuery, ...crsQuery, ...tokenQuery, ...version } },
        response: { 400: errorSchema },
      },
    },
    async (req, reply) => {
      const started = process.hrtime.bigint();
      const c = coordinates(req, reply);
      if (!c) return reply;
      const tile = map.clusterTile(c.z, c.x, c.y, c.format, req.scope, tileFilter(req.query), req.query.crs ?? 'wgs84');
      return send(req, reply, 'clusters', c.format, started, tile);
    },
  );

  app.get<{ Params: TileParams; Querystring: HeatQuery }>(
    '/tiles/heat/:z/:x/:y',
    {
      compress: false,
      schema: {
        summary: 'Heat tile from H3 cell counts over a time window (MVT 2.1 or GeoJSON)',
        tags: ['tiles'],
        params: tileParams,
        querystring: { type: 'object', additionalProperties: false, properties: { org: filterQuery.org, ...heatQuery, ...crsQuery, ...tokenQuery, ...version } },
        response: { 400: errorSchema },
      },
    },
    async (req, reply) => {
      const started = process.hrtime.bigint();
      const c = coordinates(req, reply);
      if (!c) return reply;
      const w = req.query.window;
      const windowMinutes = Number(w.slice(0, -1)) * (w.endsWith('h') ? 60 : 1);
      if (windowMinutes < 1 || windowMinutes > map.config.heatWindowMaxMinutes) {
        return reply.code(400).send({ error: 'Bad Request', message: `window: must be between 1m and ${map.config.heatWindowMaxMinutes}m` });
      }
      if (req.query.res !== undefined && req.query.res > map.heat.finest) {
        return reply.code(400).send({ error: 'Bad Request', message: `res: the finest stored resolution is ${map.heat.finest}` });
      }
      const layers = (req.query.layers ? [...new Set(req.query.layers.split(','))] : [...HEAT_LAYERS]) as HeatLayer[];
      const tile = map.heatTile(c.z, c.x, c.y, c.format, req.scope, tileFilter(req.query), { layers, windowMinutes, res: req.query.res, hex: req.query.geom === 'hex' }, req.query.crs ?? 'wgs84');
      return send(req, reply, 'heat', c.format, started, tile);
    },
  );

  // http.publicUrl, or root-relative: never the Host header, which the client writes (a TileJSON
  // cached or shared would send everyone's tile requests, and their tokens, where it says)
  const base = config.http.publicUrl.replace(/\/+$/, '');

  /** TileJSON: the request's filters, crs and window are carried into the tile URLs; its token is not (the client adds its own). */
  function tileJson(req: FastifyRequest, kind: 'clusters' | 'heat', layers: { id: string; fields: Record<string, string>; description: string }[]) {
    const params = new URLSearchParams(req.query as Record<string, string>);
    params.delete('access_token');
    params.delete('v');
    params.set('v', String(map.version));
    return {
      tilejson: '3.0.0',
      name: `dipper ${kind}`,
      description: kind === 'clusters' ? 'Live terminals clustered by cell, with per-category counts' : 'H3 cell counts over a time window',
      version: '1.0.0',
      scheme: 'xyz',
      tiles: [`${base}/tiles/${kind}/{z}/{x}/{y}.mvt?${params.toString()}`],
      minzoom: 0,
      maxzoom: map.config.maxZoom,
      bounds: [-180, -85.05112877980659, 180, 85.0511287798066],
      vector_layers: layers.map((l) => ({ ...l, minzoom: 0, maxzoom: map.config.maxZoom })),
    };
  }

  app.get<{ Querystring: FilterQuery }>(
    '/tiles/clusters.json',
    { schema: { summary: 'TileJSON 3.0.0 for the cluster tiles', tags: ['tiles'], querystring: { type: 'object', additionalProperties: false, properties: { ...filterQuery, ...crsQuery, ...tokenQuery, ...bboxQuery } } } },
    async (req, reply) =>
      reply.header('cache-control', 'no-cache').send(
        tileJson(req, 'clusters', [
          { id: 'clusters', description: 'clusters (cluster=true) and single terminals', fields: CLUSTER_FIELDS },
          { id: 'cases', description: 'open enforcement cases', fields: { id: 'case id', type: 'case type', status: 'case status', time: 'when it happened' } },
        ]),
      ),
  );

  app.get<{ Querystring: HeatQuery }>(
    '/tiles/heat.json',
    { schema: { summary: 'TileJSON 3.0.0 for the heat tiles', tags: ['tiles'], querystring: { type: 'object', additionalProperties: false, properties: { org: filterQuery.org, ...heatQuery, ...crsQuery, ...tokenQuery } } } },
    async (req, reply) => {
      const fields = { h3: 'H3 cell index', res: 'H3 resolution', count: 'events in the window (absolute)' };
      return reply.header('cache-control', 'no-cache').send(
        tileJson(
          req,
          'heat',
          HEAT_LAYERS.map((id) => ({ id, description: `${id} per H3 cell`, fields })),
        ),
      );
    },
  );
};
