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
  readonly mediaUnlinked: Counter;

  constructor(readonly registry: Registry) {
    this.httpRefused = new Counter({ name: 'dipper_http_refused_total', help: 'HTTP requests refused by a bound: body-too-large (http.maxBodyBytes), json-too-deep (http.maxJsonDepth), streams-per-token (http.maxStreamsPerToken), downloads-per-token (http.maxDownloadsPerToken)', labelNames: ['reason'], registers: [registry] });
    for (const reason of HTTP_REFUSALS) this.httpRefused.inc({ reason }, 0);
    this.mediaUnlinked = new Counter({ name: 'dipper_command_media_unlinked_total', help: 'Media IDs a media command\'s answer (0x0805, 0x0802) reported past the 1,024 distinct ones the command route links (repeats included): a terminal reporting this many is broken or hostile', registers: [registry] });
    this.mediaDownloads = new Gauge({ name: 'dipper_media_downloads', help: 'Media files being sent (GET /api/media/{id}): each holds a file descriptor and a socket; at most http.maxDownloadsPerToken per token', registers: [registry] });
  }
}
