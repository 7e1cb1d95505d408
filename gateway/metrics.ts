/**
 * The gateway's Prometheus metrics, on a registry of its own (several gateways can live in one
 * test process). Names carry the `dipper_` prefix; labels are bounded sets (message IDs are
 * hex strings of a u16, reasons are codec error codes or our own short words).
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { codecFor, knownMessageIds, JT808_ERROR_CODES } from '../decoders/index.js';
import { ALARM_BIT } from '../decoders/index.js';
import { CATEGORIES } from '../events/categories.js';
import type { GatewayEvent } from '../events/model.js';
import { ATTACHMENT_REFUSALS, FILE_OUTCOMES, REQUEST_OUTCOMES, UPLOAD_OUTCOMES } from './attachments/outcomes.js';
import { WHERE } from './guard.js';
import { MEDIA_REFUSALS } from './media/store.js';
import { ACTIVE_SAFETY_ALARMS } from './normalise/active-safety.js';
import { INVALID_REASONS } from './normalise/position.js';
import { REFUSED } from './session/close-reason.js';
import { PROXY_REFUSALS } from './transport/proxy-header.js';

export class Metrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({ name: 'dipper_connections', help: 'Open terminal connections (UDP: live sessions)', labelNames: ['transport'], registers: [this.registry] });
  readonly connectionsRefused = new Counter({ name: 'dipper_connections_refused_total', help: 'Connections refused or closed by a limit (UDP: udp-evicted = a session not logged in given up for a new source at a limit; udp-max-sessions, udp-per-ip = datagrams of a new source dropped)', labelNames: ['reason'], registers: [this.registry] });
  readonly proxyRefused = new Counter({
    name: 'dipper_proxy_protocol_refused_total',
    help: 'TCP connections closed for their PROXY protocol header (jt808.proxyProtocol), by reason: missing (the first bytes are no accepted header: a client around the balancer, or the other version), malformed, timeout (incomplete after jt808.handshakeTimeoutMs), too_long (a v1 line without CRLF in 107 bytes, a v2 header above 536)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly sessions = new Gauge({ name: 'dipper_sessions_authenticated', help: 'Authenticated sessions', registers: [this.registry] });
  readonly presenceSkipped = new Counter({ name: 'dipper_presence_skipped_total', help: 'Presence events (a session began or ended) not published because the sink queue was full: the map falls back to map.offlineAfterMs for those terminals', registers: [this.registry] });
  readonly sessionsReplaced = new Counter({ name: 'dipper_sessions_replaced_total', help: 'Sessions closed by a newer login of the same terminal', registers: [this.registry] });
  readonly framesIn: Counter = new Counter({ name: 'dipper_frames_in_total', help: 'Decoded uplink messages by message ID', labelNames: ['msg_id'], registers: [this.registry], collect: () => exportCounts(this.framesIn, 'msg_id', this.frameCounts, frameLabel) });
  readonly decodeErrors = new Counter({ name: 'dipper_decode_errors_total', help: 'Frames refused by the codec, by reason', labelNames: ['reason'], registers: [this.registry] });
  readonly junkBytes = new Counter({ name: 'dipper_junk_bytes_total', help: 'Bytes received outside any frame', registers: [this.registry] });
  readonly replies: Counter = new Counter({ name: 'dipper_replies_total', help: 'Downlink frames sent, by kind (message ID)', labelNames: ['kind'], registers: [this.registry], collect: () => exportCounts(this.replies, 'kind', this.replyCounts) });
  readonly refusals = new Counter({ name: 'dipper_refusals_total', help: 'Messages answered with a refusal, by reason', labelNames: ['reason'], registers: [this.registry] });
  readonly events: Counter = new Counter({ name: 'dipper_events_total', help: 'Normalised events handed to the sinks, by kind', labelNames: ['kind'], registers: [this.registry], collect: () => exportNamed(this.events, 'kind', this.eventCounts) });
  readonly invalidFixes = new Counter({ name: 'dipper_invalid_fixes_total', help: 'Positions flagged valid:false, by reason', labelNames: ['reason'], registers: [this.registry] });
  readonly vendorBlocks = new Counter({ name: 'dipper_location_vendor_blocks_total', help: 'Locations whose bytes after the 28-byte basic block are not additional items (a vendor\'s fixed block): published with those bytes raw in extras.vendorBlock', registers: [this.registry] });
  readonly queueDepth = new Gauge({ name: 'dipper_queue_depth', help: 'Events waiting for the sinks', registers: [this.registry] });
  readonly pausedSockets = new Gauge({ name: 'dipper_paused_sockets', help: 'Sockets paused because the sink queue is full', registers: [this.registry] });
  readonly pauses = new Counter({ name: 'dipper_backpressure_pauses_total', help: 'Times a socket was paused for backpressure', registers: [this.registry] });
  readonly internalErrors = new Counter({ name: 'dipper_internal_errors_total', help: 'Errors thrown in a timer, socket or stream callback, caught so the gateway stays up (guard.ts), by where', labelNames: ['where'], registers: [this.registry] });
  readonly sinkErrors = new Counter({ name: 'dipper_sink_errors_total', help: 'Failed sink publishes', labelNames: ['sink'], registers: [this.registry] });
  readonly reassembly = new Counter({
    name: 'dipper_reassembly_total',
    help: 'Subpackage reassembly outcomes: complete, invalid, requested (timed out: missing parts asked for again), dropped (given up), too-many-packets (total above reassembly.maxPackets: refused), evicted (dropped for a session limit: reassembly.maxEntries, reassembly.maxBytes), no-room (refused: the gateway budget reassembly.maxEntriesTotal/maxBytesTotal is spent)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly reassemblyHeldBytes: Gauge = new Gauge({ name: 'dipper_reassembly_held_bytes', help: 'Bytes held for subpackaged messages being reassembled, over all sessions, overhead counted (at most reassembly.maxBytesTotal)', registers: [this.registry], collect: () => this.reassemblyHeldBytes.set(this.reassemblyState().bytes) });
  /** Gateway-wide reassembly state, read at scrape time. */
  reassemblyState: () => { entries: number; bytes: number } = () => ({ entries: 0, bytes: 0 });
  readonly commands = new Counter({ name: 'dipper_commands_total', help: 'Downlink commands by outcome', labelNames: ['outcome'], registers: [this.registry] });
  readonly media = new Counter({ name: 'dipper_media_total', help: 'Multimedia uploads by outcome: stored, or refused (past media.maxBytesPerTerminal or media.maxBytesTotal with media.policy refuse-new, or larger than a quota)', labelNames: ['outcome'], registers: [this.registry] });
  readonly mediaBytes: Gauge = new Gauge({ name: 'dipper_media_stored_bytes', help: 'Bytes of multimedia files under dataDir/media, as charged against media.maxBytesTotal (each file at least 4 KiB)', registers: [this.registry], collect: () => this.mediaBytes.set(this.mediaState().bytes) });
  readonly mediaFiles: Gauge = new Gauge({ name: 'dipper_media_files', help: 'Multimedia files under dataDir/media', registers: [this.registry], collect: () => this.mediaFiles.set(this.mediaState().files) });
  readonly mediaDropped = new Counter({ name: 'dipper_media_dropped_total', help: 'Multimedia files deleted to make room (media.policy drop-oldest)', registers: [this.registry] });
  /** The media store's size, read at scrape time. */
  mediaState: () => { bytes: number; files: number } = () => ({ bytes: 0, files: 0 });

  // ---- Su-biao attachments (issue 19): the attachment port and its uploads ---------------------
  readonly attachmentRequests = new Counter({ name: 'dipper_attachment_requests_total', help: '0x9208 after an active-safety alarm with attachments: sent, or not (no-room: attachments.maxAlarmNumbers issued and live; no-address: no address to advertise; unencodable: the identifier or address does not fit the message)', labelNames: ['outcome'], registers: [this.registry] });
  readonly attachmentConnections = new Gauge({ name: 'dipper_attachment_connections', help: 'Open connections on the attachment port (at most attachments.maxConnections)', registers: [this.registry] });
  readonly attachmentUploads = new Counter({ name: 'dipper_attachment_uploads_total', help: 'Attachment connections ended, by outcome: complete (every listed file stored), incomplete (closed by the terminal first), expired (attachments.uploadTimeoutMs), idle (attachments.idleTimeoutMs), refused (closed for bad input), shutdown, error', labelNames: ['outcome'], registers: [this.registry] });
  readonly attachmentFiles = new Counter({ name: 'dipper_attachment_files_total', help: 'Attachment files by outcome: stored (whole, in the media store), duplicate (already stored for that alarm), refused (media quota), removed (never completed: its partial file deleted)', labelNames: ['outcome'], registers: [this.registry] });
  readonly attachmentBytes = new Counter({ name: 'dipper_attachment_bytes_total', help: 'File data bytes received on the attachment port and written to partial files', registers: [this.registry] });
  readonly attachmentRefused = new Counter({ name: 'dipper_attachment_refused_total', help: 'Input refused on the attachment port, by reason (gateway/attachments/outcomes.ts): connections at accept, messages answered 0x8001 result 1/2, data frames dropped, connections closed', labelNames: ['reason'], registers: [this.registry] });
  readonly attachmentInFlight: Gauge = new Gauge({ name: 'dipper_attachment_in_flight_bytes', help: 'Announced bytes of the attachment files being received, reserved against attachments.maxBytesInFlight (their partial files under dataDir)', registers: [this.registry], collect: () => this.attachmentInFlight.set(this.attachmentState().inFlight) });
  readonly attachmentAlarmNumbers: Gauge = new Gauge({ name: 'dipper_attachment_alarm_numbers', help: 'Alarm numbers issued in 0x9208 and not yet expired (at most attachments.maxAlarmNumbers)', registers: [this.registry], collect: () => this.attachmentAlarmNumbers.set(this.attachmentState().alarmNumbers) });
  /** The attachment service's state, read at scrape time. */
  attachmentState: () => { inFlight: number; alarmNumbers: number } = () => ({ inFlight: 0, alarmNumbers: 0 });

  // ---- state keyed by network input, bounded (issue 14 §6) -----------------------------------
  readonly alarmTerminals: Gauge = new Gauge({ name: 'dipper_alarm_tracker_terminals', help: 'Terminals with an alarm bit set whose alarm word is remembered for start/end edges (at most normalise.maxAlarmTerminals)', registers: [this.registry], collect: () => this.alarmTerminals.set(this.alarmState()) });
  readonly alarmEvictions = new Counter({ name: 'dipper_alarm_tracker_evictions_total', help: 'Terminals forgotten by the alarm tracker at normalise.maxAlarmTerminals (their alarm clearing raises no end event)', registers: [this.registry] });
  /** Terminals the alarm tracker holds, read at scrape time. */
  alarmState: () => number = () => 0;

  // ---- operations (issue 8): bytes, session states, reassemblies in flight -----------------
  readonly bytesReceived: Counter = new Counter({ name: 'dipper_received_bytes_total', help: 'Bytes received from terminals, by transport', labelNames: ['transport'], registers: [this.registry], collect: () => exportNamed(this.bytesReceived, 'transport', this.receivedBytes) });
  readonly bytesSent: Counter = new Counter({ name: 'dipper_sent_bytes_total', help: 'Bytes sent to terminals, by transport', labelNames: ['transport'], registers: [this.registry], collect: () => exportNamed(this.bytesSent, 'transport', this.sentBytes) });
  readonly sessionStates: Gauge = new Gauge({
    name: 'dipper_sessions',
    help: 'Open sessions by state: handshake (connected, not yet authenticated; with jt808.proxyProtocol, also connections whose PROXY header is still awaited) or authenticated (or anonymous, when allowed)',
    labelNames: ['state'],
    registers: [this.registry],
    collect: () => {
      const c = this.census();
      this.sessionStates.set({ state: 'handshake' }, Math.max(0, c.total - c.authenticated));
      this.sessionStates.set({ state: 'authenticated' }, c.authenticated);
    },
  });
  readonly intakeHeldBytes: Gauge = new Gauge({ name: 'dipper_intake_held_bytes', help: 'Received bytes held for a later event-loop turn (above zero for long: the gateway is saturated)', registers: [this.registry], collect: () => this.intakeHeldBytes.set(this.intake().bytes) });
  readonly intakeWaiting: Gauge = new Gauge({ name: 'dipper_intake_waiting_connections', help: 'Connections with received data held for a later event-loop turn', registers: [this.registry], collect: () => this.intakeWaiting.set(this.intake().waiting) });
  readonly reassembliesInFlight: Gauge = new Gauge({ name: 'dipper_reassemblies_in_flight', help: 'Subpackaged messages waiting for parts, over all sessions (at most reassembly.maxEntriesTotal)', registers: [this.registry], collect: () => this.reassembliesInFlight.set(this.reassemblyState().entries) });

  readonly online: Gauge = new Gauge({
    name: 'dipper_terminals_online',
    help: 'Authenticated terminals by registry category and org (bounded by the device registry)',
    labelNames: ['category', 'org'],
    registers: [this.registry],
    collect: () => {
      this.online.reset();
      // every category at 0 under the root org (that of unregistered terminals) when none is online
      for (const category of CATEGORIES) this.online.set({ category, org: '' }, 0);
      for (const g of this.census().online) this.online.set({ category: g.category, org: g.org }, g.count);
    },
  });
  readonly alarms = new Counter({ name: 'dipper_alarms_total', help: 'Alarms raised (start or instantaneous event), by alarm name and terminal category', labelNames: ['alarm', 'category'], registers: [this.registry] });

  // ---- registration and authentication (issue 14 §2) ----------------------------------------
  readonly registrations = new Counter({ name: 'dipper_registrations_total', help: '0x0100 registrations by 0x8100 result (ok, vehicle-taken, no-vehicle, terminal-taken, no-terminal)', labelNames: ['result'], registers: [this.registry] });
  readonly registrationsLimited = new Counter({ name: 'dipper_registrations_limited_total', help: 'Registrations refused (0x8100 result 2) because their source address passed auth.registrationsPerMinute', registers: [this.registry] });
  readonly registrationLimiterEvictions = new Counter({ name: 'dipper_registration_limiter_evictions_total', help: 'Addresses forgotten by the registration rate limiter at auth.registrationAddresses', registers: [this.registry] });
  readonly registrationLimiterAddresses: Gauge = new Gauge({ name: 'dipper_registration_limiter_addresses', help: 'Source addresses whose registration rate is tracked (at most auth.registrationAddresses)', registers: [this.registry], collect: () => this.registrationLimiterAddresses.set(this.registrationState().addresses) });
  readonly registrationBindings: Gauge = new Gauge({ name: 'dipper_registration_bindings', help: 'Phone -> terminal ID bindings remembered for phones the registry does not bind (at most auth.rememberedTerminals)', registers: [this.registry], collect: () => this.registrationBindings.set(this.registrationState().bindings) });
  /** Sizes of the registration limiter and binding store, read at scrape time. */
  registrationState: () => { addresses: number; bindings: number } = () => ({ addresses: 0, bindings: 0 });

  /** Scrape-time counts of session state, set by the gateway (cheaper to count when asked than to track). */
  census: () => SessionCensus = () => ({ total: 0, authenticated: 0, online: [] });
  /** The intake's held data, read at scrape time (two numbers: no walk over the sessions). */
  intake: () => { bytes: number; waiting: number } = () => ({ bytes: 0, waiting: 0 });

  // Hot-path counts are plain numbers, moved into the counters above when scraped, so a frame
  // costs an array increment, not a label hash and validation in prom-client.
  private readonly frameCounts = new Float64Array(0x10000);
  private readonly replyCounts = new Float64Array(0x10000);
  private readonly eventCounts = new Map<string, number>();
  private readonly receivedBytes = new Map<string, number>();
  private readonly sentBytes = new Map<string, number>();

  frameIn(msgId: number): void {
    this.frameCounts[msgId]!++;
  }

  /** `frames` downlink frames of `msgId` (one per subpackage), `bytes` in all, written on `transport`. */
  replied(transport: string, msgId: number, frames: number, bytes: number): void {
    this.replyCounts[msgId]! += frames;
    this.sentBytes.set(transport, (this.sentBytes.get(transport) ?? 0) + bytes);
  }

  received(transport: string, bytes: number): void {
    this.receivedBytes.set(transport, (this.receivedBytes.get(transport) ?? 0) + bytes);
  }

  eventOut(kind: string): void {
    this.eventCounts.set(kind, (this.eventCounts.get(kind) ?? 0) + 1);
  }

  constructor(options: { defaults?: boolean } = {}) {
    for (const result of REGISTRATION_RESULTS) this.registrations.inc({ result }, 0);
    this.initialiseSeries();
    if (options.defaults) {
      collectDefaultMetrics({ register: this.registry, prefix: 'dipper_' });
      // gauges named *_total fail `promtool check metrics`; their by-type siblings (summed) say the same
      for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total']) this.registry.removeSingleMetric(`dipper_nodejs_${name}`);
      // cluster workers share the HTTP port: the pid says which one answered a scrape
      new Gauge({ name: 'dipper_process_pid', help: 'Process ID of the gateway (worker) that answered', registers: [this.registry] }).set(process.pid);
    }
  }

  /**
   * Every series whose label values are a closed set starts at 0, so a dashboard shows 0, not
   * "No data", and rate() sees the first increment (Prometheus' instrumentation practice).
   * Open sets (msg_id of IDs the codec does not know, an alarm type a vendor invented, org) get
   * their series when they happen.
   */
  private initialiseSeries(): void {
    for (const transport of TRANSPORTS) {
      this.connections.set({ transport }, 0);
      this.bytesReceived.inc({ transport }, 0);
      this.bytesSent.inc({ transport }, 0);
    }
    for (const reason of CONNECTION_REFUSALS) this.connectionsRefused.inc({ reason }, 0);
    for (const reason of PROXY_REFUSALS) this.proxyRefused.inc({ reason }, 0);
    // what the splitter and decoder refuse: every code but the encoder's
    for (const reason of JT808_ERROR_CODES) if (reason !== 'encode') this.decodeErrors.inc({ reason }, 0);
    for (const reason of REFUSALS) this.refusals.inc({ reason }, 0);
    for (const kind of EVENT_KINDS) this.events.inc({ kind }, 0);
    for (const reason of INVALID_REASONS) this.invalidFixes.inc({ reason }, 0);
    for (const where of WHERE) this.internalErrors.inc({ where }, 0);
    for (const outcome of REASSEMBLY_OUTCOMES) this.reassembly.inc({ outcome }, 0);
    for (const outcome of COMMAND_OUTCOMES) this.commands.inc({ outcome }, 0);
    for (const outcome of MEDIA_OUTCOMES) this.media.inc({ outcome }, 0);
    for (const outcome of REQUEST_OUTCOMES) this.attachmentRequests.inc({ outcome }, 0);
    for (const outcome of UPLOAD_OUTCOMES) this.attachmentUploads.inc({ outcome }, 0);
    for (const outcome of FILE_OUTCOMES) this.attachmentFiles.inc({ outcome }, 0);
    for (const reason of ATTACHMENT_REFUSALS) this.attachmentRefused.inc({ reason }, 0);
    for (const id of knownMessageIds()) {
      if (codecFor(id)!.direction === 'up') this.framesIn.inc({ msg_id: hexId(id) }, 0);
      else this.replies.inc({ kind: hexId(id) }, 0);
    }
    this.framesIn.inc({ msg_id: 'other' }, 0);
    for (const category of CATEGORIES) for (const alarm of ALARM_NAMES) this.alarms.inc({ alarm, category }, 0);
  }
}

/** Label values of `transport`: dipper_connections, dipper_received_bytes_total, dipper_sent_bytes_total. */
export const TRANSPORTS = ['tcp', 'udp'] as const;

/**
 * Label values of `dipper_connections_refused_total`: refused at accept (TCP) or at a new source's
 * first datagram (UDP), a stranger's UDP session given up for a new one, and the closes counted as
 * refusals (session/close-reason.ts REFUSED).
 */
export const CONNECTION_REFUSALS = ['shutting-down', 'penalty-box', 'max-connections', 'per-ip', 'udp-per-ip', 'udp-max-sessions', 'udp-evicted', ...REFUSED] as const;

/** Label values of `dipper_refusals_total`: why a message was answered with a refusal (0x8001 or 0x8100 result > 0). */
export const REFUSALS = [
  // 0x8001 (session.ack)
  'unauthenticated',
  'bad-auth-code',
  'phone-mismatch',
  'terminal-online',
  'unknown-terminal',
  'unsupported',
  'encrypted',
  'malformed',
  'handler-error',
  'sink-failed',
  'bad-packet',
  'too-many-packets',
  'no-room',
  ...MEDIA_REFUSALS.map((r) => `media-${r}` as const),
  // 0x8100 (handlers/register.ts)
  'registration-rate',
  'registration-store-full',
  'terminal-taken',
  'vehicle-taken',
  'no-vehicle',
] as const;
export type Refusal = (typeof REFUSALS)[number];

/** Label values of `dipper_events_total`: what a terminal's messages become (cases come from the API). */
export const EVENT_KINDS = ['position', 'alarm', 'media'] as const satisfies readonly GatewayEvent['kind'][];

/** Label values of `dipper_reassembly_total`. */
export const REASSEMBLY_OUTCOMES = ['complete', 'invalid', 'requested', 'dropped', 'too-many-packets', 'evicted', 'no-room'] as const;
export type ReassemblyOutcome = (typeof REASSEMBLY_OUTCOMES)[number];

/** Label values of `dipper_commands_total`. */
export const COMMAND_OUTCOMES = ['answered', 'offline', 'timeout', 'bad-request'] as const;

/** Label values of `dipper_media_total`. */
export const MEDIA_OUTCOMES = ['stored', 'refused'] as const;

/**
 * The alarm names of `dipper_alarms_total` known in advance: the 0x0200 alarm word's named bits
 * (both editions) and the named T/JSATL12 active-safety types. A reserved bit ("bit15") or a
 * vendor's type ("adas.type9") gets its series when it is first raised.
 */
export const ALARM_NAMES: readonly string[] = [...Object.keys(ALARM_BIT), ...ACTIVE_SAFETY_ALARMS];

/** Label values of `dipper_http_refused_total`: the HTTP bound that refused a request. */

/** Label values of `dipper_registrations_total`, one per 0x8100 result (2013 §8.6). */
export const REGISTRATION_RESULTS = ['ok', 'vehicle-taken', 'no-vehicle', 'terminal-taken', 'no-terminal'] as const;
export type RegistrationResult = (typeof REGISTRATION_RESULTS)[number];

export interface SessionCensus {
  /** Open sessions (TCP connections and live UDP sessions). */
  total: number;
  authenticated: number;
  /** Authenticated terminals by category and org. */
  online: { category: string; org: string; count: number }[];
}

/**
 * Moves plain counts indexed by message ID into a counter (labels as hex IDs) and zeroes them:
 * they hold only what was not yet exported, so direct `inc()` calls on the counter still add up.
 */
function exportCounts(counter: Counter, label: string, counts: Float64Array, labelOf: (id: number) => string = hexId): void {
  for (let id = 0; id < counts.length; id++) {
    if (counts[id] === 0) continue;
    counter.inc({ [label]: labelOf(id) }, counts[id]);
    counts[id] = 0;
  }
}

function exportNamed(counter: Counter, label: string, counts: Map<string, number>): void {
  for (const [value, n] of counts) if (n > 0) counter.inc({ [label]: value }, n);
  counts.clear();
}

/**
 * A terminal picks the message ID: IDs the codec does not know share one series, `other`, so a
 * sender cycling through 65,536 IDs cannot make 65,536 Prometheus series.
 */
function frameLabel(msgId: number): string {
  return codecFor(msgId) ? hexId(msgId) : 'other';
}

/** '0x0200' */
export function hexId(msgId: number): string {
  return `0x${msgId.toString(16).padStart(4, '0')}`;
}
