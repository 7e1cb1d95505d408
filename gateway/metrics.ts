/**
 * The gateway's Prometheus metrics, on a registry of its own (several gateways can live in one
 * test process). Names carry the `dipper_` prefix; labels are bounded sets (message IDs are
 * hex strings of a u16, reasons are codec error codes or our own short words).
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({ name: 'dipper_connections', help: 'Open terminal connections (UDP: live sessions)', labelNames: ['transport'], registers: [this.registry] });
  readonly connectionsRefused = new Counter({ name: 'dipper_connections_refused_total', help: 'Connections refused or closed by a limit', labelNames: ['reason'], registers: [this.registry] });
  readonly sessions = new Gauge({ name: 'dipper_sessions_authenticated', help: 'Authenticated sessions', registers: [this.registry] });
  readonly sessionsReplaced = new Counter({ name: 'dipper_sessions_replaced_total', help: 'Sessions closed by a newer login of the same terminal', registers: [this.registry] });
  readonly framesIn = new Counter({ name: 'dipper_frames_in_total', help: 'Decoded uplink messages by message ID', labelNames: ['msg_id'], registers: [this.registry] });
  readonly decodeErrors = new Counter({ name: 'dipper_decode_errors_total', help: 'Frames refused by the codec, by reason', labelNames: ['reason'], registers: [this.registry] });
  readonly junkBytes = new Counter({ name: 'dipper_junk_bytes_total', help: 'Bytes received outside any frame', registers: [this.registry] });
  readonly replies = new Counter({ name: 'dipper_replies_total', help: 'Downlink frames sent, by kind', labelNames: ['kind'], registers: [this.registry] });
  readonly refusals = new Counter({ name: 'dipper_refusals_total', help: 'Messages answered with a refusal, by reason', labelNames: ['reason'], registers: [this.registry] });
  readonly events = new Counter({ name: 'dipper_events_total', help: 'Normalised events handed to the sinks, by kind', labelNames: ['kind'], registers: [this.registry] });
  readonly invalidFixes = new Counter({ name: 'dipper_invalid_fixes_total', help: 'Positions flagged valid:false, by reason', labelNames: ['reason'], registers: [this.registry] });
  readonly queueDepth = new Gauge({ name: 'dipper_queue_depth', help: 'Events waiting for the sinks', registers: [this.registry] });
  readonly pausedSockets = new Gauge({ name: 'dipper_paused_sockets', help: 'Sockets paused because the sink queue is full', registers: [this.registry] });
  readonly pauses = new Counter({ name: 'dipper_backpressure_pauses_total', help: 'Times a socket was paused for backpressure', registers: [this.registry] });
  readonly sinkErrors = new Counter({ name: 'dipper_sink_errors_total', help: 'Failed sink publishes', labelNames: ['sink'], registers: [this.registry] });
  readonly reassembly = new Counter({ name: 'dipper_reassembly_total', help: 'Subpackage reassembly outcomes', labelNames: ['outcome'], registers: [this.registry] });
  readonly commands = new Counter({ name: 'dipper_commands_total', help: 'Downlink commands by outcome', labelNames: ['outcome'], registers: [this.registry] });
  readonly media = new Counter({ name: 'dipper_media_total', help: 'Multimedia uploads by outcome', labelNames: ['outcome'], registers: [this.registry] });

  /** Per-ID children of framesIn, made once per message ID (no label hashing per frame). */
  private readonly frameChildren: (ReturnType<Counter['labels']> | undefined)[] = [];

  frameIn(msgId: number): void {
    (this.frameChildren[msgId] ??= this.framesIn.labels(hexId(msgId))).inc();
  }

  constructor(options: { defaults?: boolean } = {}) {
    if (options.defaults) collectDefaultMetrics({ register: this.registry, prefix: 'dipper_' });
  }
}

/** '0x0200' */
export function hexId(msgId: number): string {
  return `0x${msgId.toString(16).padStart(4, '0')}`;
}
