/**
 * GET /api/terminals/{id}/track?from&to[&simplify][&crs]: the terminal's fixes in time order,
 * from the track source (the in-memory ring by default; InfluxDB when configured), as a
 * GeoJSON LineString Feature with parallel arrays of times (seconds after `start`, so float32
 * clients such as deck.gl TripsLayer keep precision), speeds and headings. Spans over an hour
 * are simplified (Douglas-Peucker, default tolerance 5 m per hour of span, capped at 50 m)
 * unless `simplify=0`.
 */
import type { FastifyPluginAsync } from 'fastify';
import { crsQuery, errorSchema, tokenQuery } from '../../map/api-schemas.js';
import type { Crs } from '../../map/crs.js';
import { shifter } from '../../map/crs.js';
import { within } from '../../events/scope.js';
import { simplify } from '../../map/track-ring.js';
import { terminalId } from '../../events/commands.js';
import type { AppDeps } from '../deps.js';

interface TrackQuery {
  from?: string;
  to?: string;
  simplify?: number;
  crs?: Crs;
}

const instant = { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'string', pattern: '^\\d{1,15}$' }], description: 'ISO 8601 date-time or epoch milliseconds' } as const;

export const trackRoutes: FastifyPluginAsync<AppDeps> = async (app, { registry, map }) => {
  app.get<{ Params: { terminal: string }; Querystring: TrackQuery }>(
    '/api/terminals/:terminal/track',
    {
      schema: {
        summary: 'Track of a terminal between two instants',
        tags: ['terminals'],
        params: { type: 'object', properties: { terminal: { type: 'string', minLength: 1, maxLength: 64 } } },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { from: instant, to: instant, simplify: { type: 'number', minimum: 0, maximum: 10000, description: 'tolerance in metres; 0 = every fix' }, ...crsQuery, ...tokenQuery },
        },
        response: { 400: errorSchema, 404: errorSchema },
      },
    },
    async (req, reply) => {
      const raw = req.params.terminal;
      const terminal = /^[0-9a-fA-F]{1,20}$/.test(raw) ? terminalId(raw) : raw;
      const org = map.index.get(terminal)?.org ?? registry.lookup(terminal)?.org;
      if (org === undefined || !within(req.scope, org)) return reply.code(404).send({ error: 'Not Found', message: `terminal ${terminal} is unknown` });
      const at = (v: string | undefined, fallback: number) => (v === undefined ? fallback : /^\d+$/.test(v) ? Number(v) : Date.parse(v));
      const to = at(req.query.to, Date.now());
      const from = at(req.query.from, to - 3_600_000);
      if (!(from < to)) return reply.code(400).send({ error: 'Bad Request', message: 'from must be before to' });
      let points = await map.tracks.track(terminal, from, to);
      const hours = (to - from) / 3_600_000;
      const tolerance = req.query.simplify ?? (hours > 1 ? Math.min(50, 5 * hours) : 0);
      const fixes = points.length;
      points = simplify(points, tolerance);
      const shift = shifter(req.query.crs ?? 'wgs84');
      const start = points[0]?.t ?? from;
      return {
        type: 'Feature',
        geometry: { type: 'LineString', coordinates: points.map((p) => shift(p.lng, p.lat).map((v) => Math.round(v * 1e7) / 1e7)) },
        properties: {
          terminal,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          start: new Date(start).toISOString(),
          times: points.map((p) => (p.t - start) / 1000),
          speeds: points.map((p) => p.speed),
          headings: points.map((p) => p.heading),
          fixes,
          simplified: points.length < fixes,
          tolerance,
        },
      };
    },
  );
};
