/**
 * The command map page (web/) at `/`:
 *   GET /                          index.html
 *   GET /app.js, /style.css, /maplibre-gl-worker.mjs   the build (web/dist/)
 *   GET /web/config.json           base map (tile URL, crs), outline URL, initial view, time zone
 *   GET /web/outline.geojson       the configured outline file, if any (`?crs=gcj02|bd09`: shifted)
 * `npm run build` builds the page (`npm start` runs it first); the server never builds and never
 * writes into its own tree. Without a build it starts anyway, logs an error naming the command,
 * and answers the page's files 503 until a build appears (no restart needed). These routes are
 * public (`config.public`): the page must load to ask for a token; the data it then asks for is
 * what the token scopes.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import compress from '@fastify/compress';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { crsQuery } from '../../map/api-schemas.js';
import { shiftGeoJson } from '../../map/crs.js';
import type { Crs } from '../../map/crs.js';
import { WEB_DIST, pageIsBuilt } from '../../web/page.js';
import type { AppDeps } from '../deps.js';

const FILES: Record<string, string> = {
  '/': 'index.html',
  '/app.js': 'app.js',
  '/style.css': 'style.css',
  '/maplibre-gl-worker.mjs': 'maplibre-gl-worker.mjs',
};

export const webRoutes: FastifyPluginAsync<AppDeps> = async (app, { config }) => {
  const web = config.web;
  if (!web.enabled) return;
  const missing = 'the command map page is not built: run `npm run build`';
  // the folder goes to the log only, not to the network
  if (!pageIsBuilt()) app.log.error({ dir: WEB_DIST }, `${missing}; its files answer 503 until then`);
  // gzip here too (the map API's compression is encapsulated in its own plugin): 1.6 MB of script becomes 0.45 MB
  await app.register(compress, { global: true, threshold: 1024, encodings: ['gzip'] });
  // suppressWarning: a missing folder is the error above, said once in our words
  await app.register(fastifyStatic, { root: WEB_DIST, serve: false, suppressWarning: true });
  const open = { public: true };

  for (const [path, file] of Object.entries(FILES)) {
    // no-cache + ETag: a rebuilt page is picked up at once, an unchanged one costs a 304
    app.get(path, { config: open, schema: { hide: true } }, (_req, reply) =>
      pageIsBuilt() ? reply.header('cache-control', 'no-cache').sendFile(file) : reply.code(503).header('cache-control', 'no-cache').type('text/plain').send(`${missing}\n`),
    );
  }

  const outline = web.outline ? resolve(web.outline) : '';
  if (outline && !existsSync(outline)) app.log.warn({ outline }, 'web.outline: file not found; the page draws no outline');

  app.get('/web/config.json', { config: open, schema: { summary: 'Settings of the command map page', tags: ['web'] } }, async () => ({
    baseMap: web.baseMap,
    outline: outline ? '/web/outline.geojson' : null,
    center: web.center,
    zoom: web.zoom,
    timeZone: web.timeZone,
  }));

  if (outline) {
    // the file is WGS-84; a base map in another datum gets it shifted as the positions are
    const shifted = new Map<Crs, { mtimeMs: number; body: string }>();
    app.get<{ Querystring: { crs?: Crs } }>(
      '/web/outline.geojson',
      { config: open, schema: { hide: true, querystring: { type: 'object', properties: { crs: crsQuery.crs }, additionalProperties: false } } },
      async (req, reply) => {
        const crs = req.query.crs ?? 'wgs84';
        reply.type('application/geo+json').header('cache-control', 'no-cache');
        if (crs === 'wgs84') return reply.sendFile(basename(outline), dirname(outline));
        const { mtimeMs } = await stat(outline);
        let hit = shifted.get(crs);
        if (!hit || hit.mtimeMs !== mtimeMs) {
          hit = { mtimeMs, body: JSON.stringify(shiftGeoJson(JSON.parse(await readFile(outline, 'utf8')), crs)) };
          shifted.set(crs, hit);
        }
        return hit.body;
      },
    );
  }
};
