/**
 * Map tiles and their TileJSON, one pair of routes per layer of map/tiles/index.ts:
 *   GET /tiles/{layer}.json                        TileJSON 3.0.0, tile URLs carry ?v=<data version>,
 *     start with http.publicUrl (or are root-relative), and never carry the token
 *   GET /tiles/{layer}/{z}/{x}/{y}.mvt|.geojson    the MVT layers its TileJSON lists (vector_layers)
 * 204 for an empty tile; strong ETag and 304 (per representation: the gzip bytes have their own
 * tag); gzip when accepted (compressed only then, cached with the tile); every tile filtered by
 * the token's scope.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { crsQuery, errorSchema, tokenQuery } from '../../map/api-schemas.js';
import type { Crs } from '../../map/crs.js';
import type { RenderedTile } from '../../map/service.js';
import { TILE_LAYERS } from '../../map/tiles/index.js';
import type { TileLayerName } from '../../map/tiles/index.js';
import type { TileLayer } from '../../map/tiles/layer.js';
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

const version = { v: { type: 'string', maxLength: 40, description: 'data version from the TileJSON (cache key for clients; any value is accepted)' } } as const;

interface TileParams {
  z: number;
  x: number;
  y: string;
}

type LayerQuery = Record<string, unknown> & { crs?: Crs };

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

  async function send(req: FastifyRequest, reply: FastifyReply, layer: TileLayerName, format: 'mvt' | 'geojson', started: bigint, tile: RenderedTile) {
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

  // http.publicUrl, or root-relative: never the Host header, which the client writes (a TileJSON
  // cached or shared would send everyone's tile requests, and their tokens, where it says)
  const base = config.http.publicUrl.replace(/\/+$/, '');

  /** TileJSON: the request's filters, crs and window are carried into the tile URLs; its token is not (the client adds its own). */
  function tileJson(req: FastifyRequest, layer: TileLayer) {
    const params = new URLSearchParams(req.query as Record<string, string>);
    params.delete('access_token');
    params.delete('v');
    params.set('v', String(map.version));
    return {
      tilejson: '3.0.0',
      name: `dipper ${layer.name}`,
      description: layer.description,
      version: '1.0.0',
      scheme: 'xyz',
      tiles: [`${base}/tiles/${layer.name}/{z}/{x}/{y}.mvt?${params.toString()}`],
      minzoom: 0,
      maxzoom: map.config.maxZoom,
      bounds: [-180, -85.05112877980659, 180, 85.0511287798066],
      vector_layers: layer.vectorLayers.map((l) => ({ ...l, minzoom: 0, maxzoom: map.config.maxZoom })),
      ...(layer.totals ? { dipper_totals: layer.totals(map, req.scope) } : {}),
    };
  }

  for (const layer of TILE_LAYERS as readonly TileLayer<TileLayerName>[]) {
    app.get<{ Params: TileParams; Querystring: LayerQuery }>(
      `/tiles/${layer.name}/:z/:x/:y`,
      {
        compress: false,
        schema: {
          summary: layer.summary,
          tags: ['tiles'],
          params: tileParams,
          querystring: { type: 'object', additionalProperties: false, properties: { ...layer.query, ...crsQuery, ...tokenQuery, ...version } },
          response: { 400: errorSchema },
        },
      },
      async (req, reply) => {
        const started = process.hrtime.bigint();
        const c = coordinates(req, reply);
        if (!c) return reply;
        const params = layer.params(req.query, map);
        if (typeof params === 'string') return reply.code(400).send({ error: 'Bad Request', message: params });
        const tile = map.tile(layer, { z: c.z, x: c.x, y: c.y, scope: req.scope, crs: req.query.crs ?? 'wgs84' }, c.format, params);
        return send(req, reply, layer.name, c.format, started, tile);
      },
    );

    app.get<{ Querystring: LayerQuery }>(
      `/tiles/${layer.name}.json`,
      {
        schema: {
          summary: `TileJSON 3.0.0 for the ${layer.name} tiles`,
          tags: ['tiles'],
          querystring: { type: 'object', additionalProperties: false, properties: { ...layer.query, ...crsQuery, ...tokenQuery, ...layer.tileJsonQuery } },
        },
      },
      async (req, reply) => reply.header('cache-control', 'no-cache').send(tileJson(req, layer)),
    );
  }
};
