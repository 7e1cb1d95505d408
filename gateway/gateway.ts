/**
 * The gateway object (aedes's Aedes): owns sessions, the sink queue and the shared services,
 * but no listener. Transports hand it connections: `accept(socket)` for the TCP listener's (its
 * PROXY header first, with jt808.proxyProtocol), `handle(stream)` for anything stream-shaped
 * (a duplexPair end in tests), `datagram()` for each UDP datagram. Limits on connections are
 * enforced here so every transport gets them.
 */
import type { Duplex } from 'node:stream';
import { Jt808Error, ReassemblyBudget } from '../decoders/index.js';
import type { Edition, Message } from '../decoders/index.js';
import { BadCommandError, OfflineError, replyIds } from '../events/commands.js';
import type { EditionBodies, SessionHolder } from '../events/commands.js';
import { AttachmentService } from './attachments/service.js';
import type { GatewayConfig } from './settings.js';
import { Guard } from './guard.js';
import type { Logger } from './log.js';
import { FileBlobs } from './media/file-blobs.js';
import { MediaStore } from './media/store.js';
import { Metrics } from './metrics.js';
import type { SessionCensus } from './metrics.js';
import { AlarmTracker } from './normalise/alarms.js';
import type { GatewayEvent } from '../events/model.js';
import { isOfflineReason } from '../events/presence.js';
import type { Presence } from '../events/presence.js';
import type { NormaliseContext } from './normalise/index.js';
import { DeviceRegistry } from './registry/devices.js';
import { RegistrationStore } from './registry/registrations.js';
import { withAuthSecret } from './session/auth-secret.js';
import { ABUSE, REFUSED } from './session/close-reason.js';
import type { CloseReason } from './session/close-reason.js';
import { StreamConnection } from './session/connection.js';
import type { Connection } from './session/connection.js';
import type { GatewayContext } from './session/context.js';
import { RegistrationLimiter } from './session/registration-limiter.js';
import { Session } from './session/session.js';
import type { EventPipe, PipeHooks } from '../events/sink.js';
import { Intake } from './transport/intake.js';
import { PenaltyBox } from './transport/penalty-box.js';
import { RefusalLog, readProxyHeader } from './transport/proxy-header.js';
import type { ProxyRefusal } from './transport/proxy-header.js';

/** Where a stream connection comes from, as its socket (or its PROXY header) says. */
export interface Remote {
  address?: string | undefined;
  port?: number | undefined;
}

export interface GatewayOptions {
  config: GatewayConfig;
  log: Logger;
  /** the way to the sinks, made with the gateway's hooks (server.ts: sinks/queue.ts over the sinks) */
  pipe: (hooks: PipeHooks) => EventPipe;
  metrics?: Metrics;
  registry?: DeviceRegistry;
  /** a media file deleted to make room (media.policy drop-oldest), by its key: its record says so (server.ts) */
  mediaDropped?: (path: string) => void;
}

export class Gateway implements GatewayContext, SessionHolder {
  readonly config: GatewayConfig;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Callbacks run through it: what they throw is counted and logged, never the end of the process. */
  readonly guard: Guard;
  readonly registry: DeviceRegistry;
  readonly media: MediaStore;
  /** T/JSATL12 attachments: alarm numbers issued in 0x9208 and the uploads on the attachment port (its listener: attachments/listener.ts) */
  readonly attachments: AttachmentService;
  readonly normalise: NormaliseContext;
  readonly registrations: RegistrationStore;
  readonly registrationLimiter: RegistrationLimiter;
  readonly queue: EventPipe;
  /** Authenticated (or anonymous) sessions by terminal: one per terminal. */
  readonly sessions = new Map<string, Session>();
  /** Every open stream session (authenticated or not). */
  private readonly streams = new Set<Session>();
  private readonly perIp = new Map<string, number>();
  /**
   * UDP sessions by source "address:port": a datagram speaks for the session of where it came
   * from, never for a terminal that logged in elsewhere (issue 14 §3). At most
   * jt808.udpMaxSessions, jt808.udpMaxPerIp per address (dipper_connections{transport="udp"}).
   */
  private readonly udp = new Map<string, Session>();
  /** Per source address: its UDP sessions, and those not (yet) a terminal's, oldest first (no more entries than `udp`). */
  private readonly udpByIp = new Map<string, { sessions: number; strangers: Set<Session> }>();
  /** UDP sessions not (yet) a terminal's, oldest first: what a full table gives up for a newcomer. */
  private readonly udpStrangers = new Set<Session>();
  private readonly paused = new Set<Session>();
  /** TCP connections whose PROXY header is still awaited, and how to stop reading it (jt808.proxyProtocol). */
  private readonly awaitingHeader = new Map<Duplex, () => void>();
  /** Header refusals logged: once per reason and address a minute. */
  private readonly proxyRefusalLog = new RefusalLog();
  /** Addresses whose connections keep being closed for junk or malformed frames. */
  private readonly penalty: PenaltyBox;
  /** Received data within a budget per loop turn, so that a busy gateway keeps accepting (intake.ts). */
  readonly intake: Intake;
  /** Subpackage reassembly state of all sessions together (reassembly.maxEntriesTotal, maxBytesTotal). */
  readonly reassemblyBudget: ReassemblyBudget;
  private closing = false;

  constructor(options: GatewayOptions) {
    const { log } = options;
    // auth.secret as configured, or generated once and kept in dataDir (never a shared default)
    const config = withAuthSecret(options.config, log);
    this.config = config;
    this.log = log;
    this.metrics = options.metrics ?? new Metrics();
    this.guard = new Guard(this.metrics, log);
    this.registrations = new RegistrationStore(config.dataDir, config.auth.rememberedTerminals, log);
    this.registrationLimiter = new RegistrationLimiter(config.auth.registrationsPerMinute, config.auth.registrationAddresses, () => this.metrics.registrationLimiterEvictions.inc());
    this.metrics.registrationState = () => ({ addresses: this.registrationLimiter.size, bindings: this.registrations.size });
    this.registry = options.registry ?? new DeviceRegistry(config.devices, log).start();
    this.media = new MediaStore(new FileBlobs(config.dataDir), config.media, (path) => {
      this.metrics.mediaDropped.inc();
      options.mediaDropped?.(path);
    });
    this.metrics.mediaState = () => ({ bytes: this.media.bytes, files: this.media.count });
    this.attachments = new AttachmentService({ config: config.attachments, dataDir: config.dataDir, media: this.media, metrics: this.metrics, log, guard: this.guard, publish: (events) => this.queue.push(events) });
    this.intake = new Intake(config.jt808.turnBudgetMs);
    this.reassemblyBudget = new ReassemblyBudget(config.reassembly.maxEntriesTotal, config.reassembly.maxBytesTotal);
    this.metrics.reassemblyState = () => this.reassemblyBudget;
    this.penalty = new PenaltyBox({ strikes: config.jt808.penaltyStrikes, windowMs: config.jt808.penaltyWindowMs, cooldownMs: config.jt808.penaltyCooldownMs });
    this.normalise = {
      options: { resolution: config.h3.resolution, parents: config.h3.parents, maxFutureMs: config.normalise.maxFutureMs },
      alarms: new AlarmTracker(config.normalise.maxAlarmTerminals, () => this.metrics.alarmEvictions.inc()),
      metrics: this.metrics,
    };
    this.queue = options.pipe({
      onDepth: (d) => this.metrics.queueDepth.set(d),
      onError: (sink, err) => {
        this.metrics.sinkErrors.inc({ sink });
        this.log.error({ err, sink }, 'sink publish failed');
      },
      onInternalError: (err) => this.guard.report('sink-queue', err),
    });
    this.queue.on('drain', () => this.resumeAll());
    this.metrics.census = () => this.census();
    this.metrics.alarmState = () => this.normalise.alarms.size;
    this.metrics.intake = () => this.intake;
  }

  /**
   * The one way in for commands (CommandPort): the HTTP route and the EMQX-compatible downlink
   * both come here, so each is counted once, by outcome, whatever sent it.
   */
  async command(terminal: string, msgId: number, body: object, timeoutMs = this.config.commands.timeoutMs): Promise<Message> {
    const session = this.sessions.get(terminal);
    if (!session || session.closed) {
      this.metrics.commands.inc({ outcome: 'offline' });
      throw new OfflineError(`terminal ${terminal} is not online`);
    }
    let answer: Promise<Message>;
    try {
      answer = session.command(msgId, body, replyIds(msgId), timeoutMs);
    } catch (e) {
      this.metrics.commands.inc({ outcome: 'bad-request' });
      throw new BadCommandError(e instanceof Jt808Error ? e.detail : (e as Error).message, { cause: e, field: e instanceof Jt808Error ? e.field : undefined });
    }
    try {
      const message = await answer;
      this.metrics.commands.inc({ outcome: 'answered' });
      return message;
    } catch (e) {
      this.metrics.commands.inc({ outcome: e instanceof OfflineError ? 'offline' : 'timeout' });
      throw e;
    }
  }

  /** CommandPort.commandByEdition: the body of the edition the terminal's session here speaks. */
  commandByEdition(terminal: string, msgId: number, bodies: EditionBodies, timeoutMs?: number): Promise<Message> {
    const session = this.sessions.get(terminal);
    // no session: command() says offline and counts it
    return this.command(terminal, msgId, session ? bodies[session.edition] : {}, timeoutMs);
  }

  /** CommandPort.online: this gateway knows only its own sessions. */
  online(terminal: string): Promise<boolean> {
    return Promise.resolve(this.reaches(terminal));
  }

  /** CommandPort.speakerOf: the phone digits and edition of the terminal's session here (the EMQX-compatible topics). */
  speakerOf(terminal: string): { phone: string; version: Edition; protocolVersion?: number | undefined } | undefined {
    const session = this.sessions.get(terminal);
    if (!session || session.phone === undefined) return undefined;
    return { phone: session.phone, version: session.edition, protocolVersion: session.protocolVersion };
  }

  /** The registry changed this terminal's entry: its session, if any, reads it from now on. */
  deviceChanged(terminal: string): void {
    const session = this.sessions.get(terminal);
    if (session?.device) session.device = this.registry.lookup(terminal) ?? { terminal, category: 'unknown', org: '' };
  }

  /** Session states for the metrics, counted at scrape time. */
  private census(): SessionCensus {
    const total = this.streams.size + this.awaitingHeader.size + this.udp.size;
    const groups = new Map<string, { category: string; org: string; count: number }>();
    for (const s of this.sessions.values()) {
      const category = s.device?.category ?? 'unknown';
      const org = s.device?.org ?? '';
      const key = `${category}\u0000${org}`;
      const g = groups.get(key);
      if (g) g.count++;
      else groups.set(key, { category, org, count: 1 });
    }
    return { total, authenticated: this.sessions.size, online: [...groups.values()] };
  }

  get accepting(): boolean {
    return !this.closing;
  }

  /**
   * A new connection from the TCP listener. With jt808.proxyProtocol its PROXY header is read
   * first (transport/proxy-header.ts) and the connection is then the header's address's: the
   * per-address limit, the penalty box, registrations, logs and the session see the terminal,
   * not the balancer. While its header is awaited a connection counts against
   * jt808.maxConnections (not against an address: it has none yet); one without a valid header
   * is closed and counted, never handed on.
   */
  accept(stream: Duplex, remote: Remote): void {
    const mode = this.config.jt808.proxyProtocol;
    if (mode === 'off') {
      this.handle(stream, remote);
      return;
    }
    const refusal = this.closing ? 'shutting-down' : this.atMaxConnections() ? 'max-connections' : undefined;
    if (refusal) {
      this.metrics.connectionsRefused.inc({ reason: refusal });
      stream.destroy();
      return;
    }
    const cancel = readProxyHeader(stream, { accept: mode, timeoutMs: this.config.jt808.handshakeTimeoutMs, guard: this.guard }, (outcome) => {
      this.awaitingHeader.delete(stream);
      if (outcome.ok) {
        this.metrics.received('tcp', outcome.header.length);
        this.handle(stream, outcome.header.source ?? remote, outcome.rest);
        return;
      }
      this.metrics.received('tcp', outcome.bytes);
      if (outcome.reason) this.proxyRefused(outcome.reason, remote.address ?? 'local', outcome.detail);
      stream.destroy();
    });
    this.awaitingHeader.set(stream, cancel);
  }

  /** Stream sessions and connections still sending their PROXY header together hold jt808.maxConnections. */
  private atMaxConnections(): boolean {
    return this.streams.size + this.awaitingHeader.size >= this.config.jt808.maxConnections;
  }

  /** Counted always; logged once per reason and address a minute (the address is the balancer's, or whoever reached the port around it). */
  private proxyRefused(reason: ProxyRefusal, address: string, detail: string): void {
    this.metrics.proxyRefused.inc({ reason });
    const due = this.proxyRefusalLog.due(reason, address);
    if (due) this.log.warn({ reason, address, detail, expected: this.config.jt808.proxyProtocol, unlogged: due.unlogged }, 'connection closed: no valid PROXY protocol header (jt808.proxyProtocol; logged once a minute per reason and address, all counted in dipper_proxy_protocol_refused_total)');
  }

  /**
   * A new stream connection (a TCP socket, its PROXY header read; or any Duplex), from `remote`.
   * `head`: bytes already read off it (those after the header), fed before the rest. Returns
   * undefined when refused by a limit.
   */
  handle(stream: Duplex, remote: Remote = {}, head?: Buffer): Session | undefined {
    const ip = remote.address ?? 'local';
    const refusal = this.closing ? 'shutting-down' : this.penalty.holds(ip) ? 'penalty-box' : this.atMaxConnections() ? 'max-connections' : (this.perIp.get(ip) ?? 0) >= this.config.jt808.maxPerIp ? 'per-ip' : undefined;
    if (refusal) {
      this.metrics.connectionsRefused.inc({ reason: refusal });
      stream.destroy();
      return undefined;
    }
    const session = new Session(this, new StreamConnection(stream, ip, remote.port));
    this.streams.add(session);
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    this.metrics.connections.inc({ transport: 'tcp' });
    stream.on('data', this.guard.wrap('stream-data', (chunk: Buffer) => this.intake.push(session, chunk)));
    stream.on('error', this.guard.wrap('stream-event', () => session.close('socket-error')));
    // the peer's end (or a clean close) comes after its data: what the intake still holds of it is read first
    stream.on('close', this.guard.wrap('stream-event', (hadError?: boolean) => (hadError ? session.close('socket-closed') : this.intake.whenFed(session, () => session.close('socket-closed')))));
    stream.on('end', this.guard.wrap('stream-event', () => this.intake.whenFed(session, () => session.close('socket-ended'))));
    // what came with the PROXY header, ahead of every later read (the listener above is attached in the same turn)
    if (head && head.length > 0) this.intake.push(session, head);
    return session;
  }

  /**
   * A UDP datagram from `from`, fed to the session of that address and port (made on its first
   * datagram: UDP has no connection). When no room can be made it is dropped unanswered: the
   * source address may be forged, and an answer would go to whoever it names.
   */
  datagram(datagram: Buffer, from: { address: string; port: number }, connect: () => Connection): void {
    const key = `${from.address}:${from.port}`;
    let session = this.udp.get(key);
    if (!session) {
      const ip = from.address;
      const refusal = this.closing ? 'shutting-down' : this.penalty.holds(ip) ? 'penalty-box' : this.udpRoomFor(ip);
      if (refusal) {
        this.metrics.connectionsRefused.inc({ reason: refusal });
        return;
      }
      session = new Session(this, connect());
      this.udp.set(key, session);
      let byIp = this.udpByIp.get(ip);
      if (!byIp) this.udpByIp.set(ip, (byIp = { sessions: 0, strangers: new Set() }));
      byIp.sessions++;
      byIp.strangers.add(session);
      this.udpStrangers.add(session);
      this.metrics.connections.inc({ transport: 'udp' });
    }
    // not through the intake: a UDP source cannot be paused, so held datagrams would have no
    // bound; the kernel's receive buffer is the queue (libuv reads at most 32 datagrams a turn)
    session.feed(datagram);
  }

  /**
   * Room for one more UDP session from `ip`: at a limit the oldest session not logged in (of
   * that address, or of any) is given up. It holds nothing a terminal needs (a login is one
   * datagram, answered at once), so forged sources cannot keep terminals out by filling the
   * table. The refusal when every session in the way is a terminal's.
   */
  private udpRoomFor(ip: string): 'udp-per-ip' | 'udp-max-sessions' | undefined {
    const { udpMaxSessions, udpMaxPerIp } = this.config.jt808;
    const byIp = this.udpByIp.get(ip);
    if (byIp && byIp.sessions >= udpMaxPerIp) {
      const oldest = byIp.strangers.values().next().value;
      if (!oldest) return 'udp-per-ip';
      this.metrics.connectionsRefused.inc({ reason: 'udp-evicted' });
      oldest.close('evicted');
    }
    if (this.udp.size >= udpMaxSessions) {
      const oldest = this.udpStrangers.values().next().value;
      if (!oldest) return 'udp-max-sessions';
      this.metrics.connectionsRefused.inc({ reason: 'udp-evicted' });
      oldest.close('evicted');
    }
    return undefined;
  }

  /** `session` is a terminal's now (or closing): a full UDP table no longer gives it up. */
  private settled(session: Session): void {
    if (!this.udpStrangers.delete(session)) return;
    this.udpByIp.get(session.connection.ip)?.strangers.delete(session);
  }

  sessionOf(terminal: string): Session | undefined {
    return this.sessions.get(terminal);
  }

  /** A downlink can reach `terminal` now: its session is here and open. */
  reaches(terminal: string): boolean {
    const s = this.sessions.get(terminal);
    return s !== undefined && !s.closed;
  }

  attach(session: Session): void {
    const terminal = session.terminal!;
    const old = this.sessions.get(terminal);
    if (old === session) return;
    this.sessions.set(terminal, session);
    this.settled(session);
    if (old) {
      this.metrics.sessionsReplaced.inc();
      this.log.info({ terminal, old: old.connection.remote, new: session.connection.remote }, 'second login replaces the older session');
      old.close('replaced');
    } else this.metrics.sessions.inc();
    this.log.debug({ terminal, remote: session.connection.remote, session: session.id }, 'terminal authenticated');
    this.presence(session, 'online', 'login');
  }

  detach(session: Session, reason: CloseReason): void {
    if (session.connection.transport === 'tcp') {
      if (this.streams.delete(session)) {
        this.metrics.connections.dec({ transport: 'tcp' });
        const ip = session.connection.ip;
        const n = (this.perIp.get(ip) ?? 1) - 1;
        if (n <= 0) this.perIp.delete(ip);
        else this.perIp.set(ip, n);
      }
    } else if (this.udp.get(session.connection.remote) === session) {
      this.udp.delete(session.connection.remote);
      this.metrics.connections.dec({ transport: 'udp' });
      this.settled(session);
      const byIp = this.udpByIp.get(session.connection.ip)!;
      if (--byIp.sessions === 0) this.udpByIp.delete(session.connection.ip);
    }
    if (session.terminal !== undefined && this.sessions.get(session.terminal) === session) {
      this.sessions.delete(session.terminal);
      this.metrics.sessions.dec();
      // its last session ended: offline now (a replaced one has a newer session; a shutdown's terminals reconnect elsewhere)
      if (isOfflineReason(reason) && !this.closing) this.presence(session, 'offline', reason);
    }
    if (this.paused.delete(session)) this.metrics.pausedSockets.set(this.paused.size);
    if (REFUSED.has(reason)) this.metrics.connectionsRefused.inc({ reason });
    if (ABUSE.has(reason) && session.connection.transport === 'tcp' && this.penalty.strike(session.connection.ip)) {
      // logged once per address per cooldown; the refusals are counted, not logged
      const { penaltyStrikes, penaltyWindowMs, penaltyCooldownMs } = this.config.jt808;
      this.log.warn({ ip: session.connection.ip, strikes: penaltyStrikes, windowMs: penaltyWindowMs, cooldownMs: penaltyCooldownMs }, 'address penalised: its connections keep sending junk or malformed frames; new connections from it refused for the cooldown (open sessions kept)');
    }
    this.log.debug({ session: session.id, terminal: session.terminal, remote: session.connection.remote, reason }, 'session closed');
  }

  /** A terminal's session began or ended: to every sink, after what the session already published (one queue, in order). */
  private presence(session: Session, state: Presence['state'], reason: Presence['reason']): void {
    // nothing waits on a presence event to pause: a full queue (stalled sinks) skips it, so connection churn cannot grow the queue past highWater
    if (this.queue.full) {
      this.metrics.presenceSkipped.inc();
      return;
    }
    const { terminal, category, org } = session.device!;
    const event: GatewayEvent = { kind: 'presence', presence: { terminal, category, org, state, reason, transport: session.connection.transport, at: new Date().toISOString() } };
    this.metrics.eventOut('presence');
    // a sink's failure is counted and logged by the queue (onError); nothing waits on this event
    this.queue.push([event]).catch((err: unknown) => this.log.debug({ err, terminal, state }, 'presence not published'));
  }

  publish(session: Session, events: readonly GatewayEvent[]): Promise<void> {
    for (const e of events) {
      this.metrics.eventOut(e.kind);
      if (e.kind === 'alarm' && e.alarm.state !== 'end') this.metrics.alarms.inc({ alarm: e.alarm.alarm, category: e.alarm.category });
    }
    const done = this.queue.push(events);
    // backpressure: stop reading from this terminal until the sinks catch up (nothing dropped)
    if (this.queue.full && !session.closed && !this.paused.has(session)) {
      this.paused.add(session);
      session.pause();
      this.metrics.pauses.inc();
      this.metrics.pausedSockets.set(this.paused.size);
    }
    return done;
  }

  private resumeAll(): void {
    if (this.paused.size === 0) return;
    for (const s of this.paused) s.resume();
    this.paused.clear();
    this.metrics.pausedSockets.set(0);
  }

  /**
   * Stop accepting, stop reading, let the queue reach the sinks (so the answers for data
   * already taken still go out), then close every session. Sinks are closed by their owner.
   */
  async close(): Promise<void> {
    this.closing = true;
    for (const [stream, cancel] of this.awaitingHeader) {
      cancel();
      stream.destroy();
    }
    this.awaitingHeader.clear();
    const all = () => new Set([...this.streams, ...this.udp.values(), ...this.sessions.values()]);
    for (const s of all()) s.pause();
    await this.queue.flush();
    for (const s of all()) s.close('shutdown');
    // uploads cut short: their partial files deleted before the process goes
    await this.attachments.close();
    this.paused.clear();
    this.registry.close();
    this.registrations.close();
  }
}
