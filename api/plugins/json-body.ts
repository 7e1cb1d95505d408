/**
 * JSON request bodies are bounded before they are parsed: at most `http.maxBodyBytes` (fastify's
 * bodyLimit: 413, refused from Content-Length before reading, or as soon as a chunked body
 * passes it) and nested at most `http.maxJsonDepth` deep (400, from a linear scan: json-depth.ts).
 * Then fastify's own parser (prototype poisoning refused). Refusals are counted in
 * dipper_http_refused_total. Applies to the whole app (skip-override).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Counter } from 'prom-client';
import type { HttpRefusal } from '../metrics.js';
import { jsonTooDeep } from '../json-depth.js';

export interface JsonBodyOptions {
  maxDepth: number;
  refused: Counter<'reason'>;
}

const jsonBodyImpl: FastifyPluginAsync<JsonBodyOptions> = async (app, { maxDepth, refused }) => {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (jsonTooDeep(body as string, maxDepth)) {
      refused.inc({ reason: 'json-too-deep' satisfies HttpRefusal });
      const err = Object.assign(new Error(`JSON body nested deeper than ${maxDepth} (http.maxJsonDepth)`), { statusCode: 400 });
      done(err, undefined);
      return;
    }
    parse(req, body as string, done);
  });
  app.addHook('onError', async (_req, _reply, err) => {
    if ((err as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') refused.inc({ reason: 'body-too-large' satisfies HttpRefusal });
  });
};

// skip-override: the parser and the hook serve every route of the app
(jsonBodyImpl as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
export const jsonBodyPlugin = jsonBodyImpl;
