/**
 * The API's own Prometheus families, on the registry /metrics serves (the gateway's, or the
 * standalone map API's). Reasons are a closed set.
 */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

export const HTTP_REFUSALS = ['body-too-large', 'json-too-deep', 'streams-per-token', 'downloads-per-token'] as const;
export type HttpRefusal = (typeof HTTP_REFUSALS)[number];

export class ApiMetrics {
  readonly httpRefused: Counter<'reason'>;
  readonly mediaDownloads: Gauge;

  constructor(readonly registry: Registry) {
    this.httpRefused = new Counter({ name: 'dipper_http_refused_total', help: 'HTTP requests refused by a bound: body-too-large (http.maxBodyBytes), json-too-deep (http.maxJsonDepth), streams-per-token (http.maxStreamsPerToken), downloads-per-token (http.maxDownloadsPerToken)', labelNames: ['reason'], registers: [registry] });
    for (const reason of HTTP_REFUSALS) this.httpRefused.inc({ reason }, 0);
    this.mediaDownloads = new Gauge({ name: 'dipper_media_downloads', help: 'Media files being sent (GET /api/media/{id}): each holds a file descriptor and a socket; at most http.maxDownloadsPerToken per token', registers: [registry] });
  }
}
