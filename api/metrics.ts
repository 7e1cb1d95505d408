/**
 * The API's own Prometheus families, on the registry /metrics serves (the gateway's, or the
 * standalone map API's). Reasons are a closed set.
 */
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';

export const HTTP_REFUSALS = ['body-too-large', 'json-too-deep', 'streams-per-token'] as const;
export type HttpRefusal = (typeof HTTP_REFUSALS)[number];

export class ApiMetrics {
  readonly httpRefused: Counter<'reason'>;

  constructor(readonly registry: Registry) {
    this.httpRefused = new Counter({ name: 'dipper_http_refused_total', help: 'HTTP requests refused by a bound: body-too-large (http.maxBodyBytes), json-too-deep (http.maxJsonDepth), streams-per-token (http.maxStreamsPerToken)', labelNames: ['reason'], registers: [registry] });
    for (const reason of HTTP_REFUSALS) this.httpRefused.inc({ reason }, 0);
  }
}
