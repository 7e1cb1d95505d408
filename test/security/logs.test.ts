/**
 * Credentials stay out of logs: a request that fails with a 5xx is logged with its URL, and
 * EventSource and tile URLs carry the API token as ?access_token= (review finding): the token
 * is masked; auth codes in logged 0x0102 hex are covered by test/security/auth.test.ts.
 */
import { pino } from 'pino';
import t from 'tap';
import { Registry } from 'prom-client';
import { buildApp } from '../../api/app.js';
import { ApiMetrics } from '../../api/metrics.js';
import type { Server } from '../../server/server.js';
import { startTestServer, testConfig } from '../gateway/helpers/server.js';

const TOKEN = 'log-test-token-0123456789abcdef';

t.test('a 5xx is logged with the access token masked', async (t) => {
  const overrides = { api: { tokens: [{ token: TOKEN, org: '', rights: ['read' as const] }] } };
  const server: Server = await startTestServer(t, overrides);
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const app = buildApp({ config: testConfig(overrides), gateway: server.gateway, registry: server.gateway.registry, map: server.map, metrics: new ApiMetrics(new Registry()), report: () => undefined }, log);
  app.get('/boom', async () => {
    throw new Error('boom');
  });
  t.teardown(() => app.close());
  const res = await app.inject({ method: 'GET', url: `/boom?access_token=${TOKEN}&x=1` });
  t.equal(res.statusCode, 500);
  const logged = lines.join('\n');
  t.match(logged, /access_token=\*\*\*/, 'the URL is logged, its token masked');
  t.notMatch(logged, new RegExp(TOKEN), 'the token is nowhere in the log');
});
