/**
 * The API's own Prometheus families, on the registry /metrics serves (the gateway's, or the
 * standalone map API's). Reasons are a closed set.
 */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

export const HTTP_REFUSALS = ['body-too-large', 'json-too-deep', 'streams-per-token', 'downloads-per-token'] as const;
export type HttpRefusal = (typeof HTTP_REFUSALS)[number];

/**
 * What became of a request to link evidence (POST /api/{incidents,cases}/{id}/media): linked
 * (attached, uploaded), linked before (already), or refused and why: a Content-Type not taken
 * (wrong-type), bytes that are not what it says (mismatch), past cases.maxUploadBytes (too-large),
 * past cases.maxUploadsAtOnce (busy), past a media quota (quota), a record the caller cannot see
 * (unseen), a final file or another org unit's record (refused).
 */
export const EVIDENCE_OUTCOMES = ['attached', 'uploaded', 'already', 'wrong-type', 'mismatch', 'too-large', 'busy', 'quota', 'unseen', 'refused', 'timeout'] as const;
export type EvidenceOutcome = (typeof EVIDENCE_OUTCOMES)[number];

export class ApiMetrics {
  readonly httpRefused: Counter<'reason'>;
  readonly mediaDownloads: Gauge;
  readonly mediaUnlinked: Counter;
  readonly evidence: Counter<'outcome'>;
  readonly uploadsReceiving: Gauge;

  constructor(readonly registry: Registry) {
    this.httpRefused = new Counter({ name: 'dipper_http_refused_total', help: 'HTTP requests refused by a bound: body-too-large (http.maxBodyBytes), json-too-deep (http.maxJsonDepth), streams-per-token (http.maxStreamsPerToken), downloads-per-token (http.maxDownloadsPerToken)', labelNames: ['reason'], registers: [registry] });
    for (const reason of HTTP_REFUSALS) this.httpRefused.inc({ reason }, 0);
    this.mediaUnlinked = new Counter({ name: 'dipper_command_media_unlinked_total', help: 'Media IDs a media command\'s answer (0x0805, 0x0802) reported past the 1,024 distinct ones the command route links (repeats included): a terminal reporting this many is broken or hostile', registers: [registry] });
    this.mediaDownloads = new Gauge({ name: 'dipper_media_downloads', help: 'Media files being sent (GET /api/media/{id}): each holds a file descriptor and a socket; at most http.maxDownloadsPerToken per token', registers: [registry] });
    this.evidence = new Counter({ name: 'dipper_evidence_total', help: `Requests to link evidence to an incident or a case, by outcome: ${EVIDENCE_OUTCOMES.join(', ')}`, labelNames: ['outcome'], registers: [registry] });
    for (const outcome of EVIDENCE_OUTCOMES) this.evidence.inc({ outcome }, 0);
    this.uploadsReceiving = new Gauge({ name: 'dipper_evidence_uploads_receiving', help: 'Case evidence uploads being received (each holds up to cases.maxUploadBytes in memory); at most cases.maxUploadsAtOnce', registers: [registry] });
  }
}
