/**
 * The gateway object (aedes's Aedes): owns sessions, the sink queue and the shared services,
 * but no listener. Transports hand it connections: `handle(stream)` for anything
 * stream-shaped (a TCP socket; a duplexPair end in tests), `udpSession()` for UDP. Limits on
 * connections are enforced here so every transport gets them.
 */
import type { Duplex } from 'node:stream';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { MediaStore } from './media/store.js';
import { Metrics } from './metrics.js';
import type { SessionCensus } from './metrics.js';
import { AlarmTracker } from './normalise/alarms.js';
import type { GatewayEvent } from './normalise/events.js';
import type { NormaliseContext } from './normalise/index.js';
import { DeviceRegistry } from './registry/devices.js';
import { RegistrationStore } from './registry/registrations.js';
import { withAuthSecret } from './session/auth-secret.js';
import { StreamConnection } from './session/connection.js';
import type { Connection } from './session/connection.js';
import type { GatewayContext } from './session/context.js';
import { RegistrationLimiter } from './session/registration-limiter.js';
import { Session } from './session/session.js';
import { EventQueue } from './sinks/queue.js';
import type { EventSink } from './sinks/sink.js';
import { Intake } from './transport/intake.js';
import { PenaltyBox } from './transport/penalty-box.js';

export interface GatewayOptions {
  config: Config;
  log: Logger;
  sinks: readonly EventSink[];
  metrics?: Metrics;
  registry?: DeviceRegistry;
}

export class Gateway implements GatewayContext {
  readonly config: Config;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly registry: DeviceRegistry;
  readonly media: MediaStore;
  readonly normalise: NormaliseContext;
  readonly registrations: RegistrationStore;
  readonly registrationLimiter: RegistrationLimiter;
  readonly queue: EventQueue;
  /** Authenticated (or anonymous) sessions by terminal: one per terminal. */
  readonly sessions = new Map<string, Session>();
  /** Every open stream session (authenticated or not). */
  private readonly streams = new Set<Session>();
  private readonly perIp = new Map<string, number>();
  /** UDP sessions by phone as the header carries it. */
  private readonly udp = new Map<string, Session>();
  private readonly paused = new Set<Session>();
  /** Addresses whose connections keep being closed for junk or malformed frames. */
  private readonly penalty: PenaltyBox;
  /** Received data within a budget per loop turn, so that a busy gateway keeps accepting (intake.ts). */
  readonly intake: Intake;
  private closing = false;

  constructor(options: GatewayOptions) {
    const { log } = options;
    // auth.secret as configured, or generated once and kept in dataDir (never a shared default)
    const config = withAuthSecret(options.config, log);
    this.config = config;
    this.log = log;
    this.metrics = options.metrics ?? new Metrics();
    this.registrations = new RegistrationStore(config.dataDir, config.auth.rememberedTerminals, log);
    this.registrationLimiter = new RegistrationLimiter(config.auth.registrationsPerMinute, config.auth.registrationAddresses, () => this.metrics.registrationLimiterEvictions.inc());
    this.metrics.registrationState = () => ({ addresses: this.registrationLimiter.size, bindings: this.registrations.size });
    this.registry = options.registry ?? new DeviceRegistry(config.devices, log).start();
    this.media = new MediaStore(config.dataDir, config.media, () => this.metrics.mediaDropped.inc());
    this.metrics.mediaState = () => ({ bytes: this.media.bytes, files: this.media.count });
    this.intake = new Intake(config.jt808.turnBudgetMs);
    this.penalty = new PenaltyBox({ strikes: config.jt808.penaltyStrikes, windowMs: config.jt808.penaltyWindowMs, cooldownMs: config.jt808.penaltyCooldownMs });
    this.normalise = {
      options: { resolution: config.h3.resolution, parents: config.h3.parents, maxFutureMs: config.normalise.maxFutureMs },
      alarms: new AlarmTracker(config.normalise.maxAlarmTerminals, () => this.metrics.alarmEvictions.inc()),
      metrics: this.metrics,
    };
    this.queue = new EventQueue(options.sinks, {
      ...config.queue,
      onDepth: (d) => this.metrics.queueDepth.set(d),
      onError: (sink, err) => {
        this.metrics.sinkErrors.inc({ sink });
        this.log.error({ err, sink }, 'sink publish failed');
      },
    });
    this.queue.on('drain', () => this.resumeAll());
    this.metrics.census = () => this.census();
    this.metrics.alarmState = () => this.normalise.alarms.size;
    this.metrics.intake = () => this.intake;
  }

  /** Session states for the metrics, counted at scrape time. */
  private census(): SessionCensus {
    let total = 0;
    let reassembling = 0;
    for (const group of [this.streams, this.udp.values()]) {
      for (const s of group) {
        total++;
        reassembling += s.reassembling;
      }
    }
    const groups = new Map<string, { category: string; org: string; count: number }>();
    for (const s of this.sessions.values()) {
      const category = s.device?.category ?? 'unknown';
      const org = s.device?.org ?? '';
      const key = `${category}\u0000${org}`;
      const g = groups.get(key);
      if (g) g.count++;
      else groups.set(key, { category, org, count: 1 });
    }
    return { total, authenticated: this.sessions.size, reassembling, online: [...groups.values()] };
  }

  get accepting(): boolean {
    return !this.closing;
  }

  /** A new stream connection (TCP socket or any Duplex). Returns undefined when refused by a limit. */
  handle(stream: Duplex, remote: { address?: string | undefined; port?: number | undefined } = {}): Session | undefined {
    const ip = remote.address ?? 'local';
    const { maxConnections, maxPerIp } = this.config.jt808;
    const refusal = this.closing ? 'shutting-down' : this.penalty.holds(ip) ? 'penalty-box' : this.streams.size >= maxConnections ? 'max-connections' : (this.perIp.get(ip) ?? 0) >= maxPerIp ? 'per-ip' : undefined;
    if (refusal) {
      this.metrics.connectionsRefused.inc({ reason: refusal });
      stream.destroy();
      return undefined;
    }
    const session = new Session(this, new StreamConnection(stream, ip, remote.port));
    this.streams.add(session);
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    this.metrics.connections.inc({ transport: 'tcp' });
    stream.on('data', (chunk: Buffer) => this.intake.push(session, chunk));
    stream.on('error', () => session.close('socket-error'));
    stream.on('close', () => session.close('socket-closed'));
    stream.on('end', () => session.close('socket-ended'));
    return session;
  }

  /** The UDP session of `phone`, created on its first datagram (UDP has no connection). */
  udpSession(phone: string, connect: () => Connection): Session | undefined {
    const found = this.udp.get(phone);
    if (found) return found;
    if (this.closing) return undefined;
    const session = new Session(this, connect());
    session.phone = phone;
    this.udp.set(phone, session);
    this.metrics.connections.inc({ transport: 'udp' });
    return session;
  }

  sessionOf(terminal: string): Session | undefined {
    return this.sessions.get(terminal);
  }

  attach(session: Session): void {
    const terminal = session.terminal!;
    const old = this.sessions.get(terminal);
    if (old === session) return;
    this.sessions.set(terminal, session);
    if (old) {
      this.metrics.sessionsReplaced.inc();
      this.log.info({ terminal, old: old.connection.remote, new: session.connection.remote }, 'second login replaces the older session');
      old.close('replaced');
    } else this.metrics.sessions.inc();
    this.log.debug({ terminal, remote: session.connection.remote, session: session.id }, 'terminal authenticated');
  }

  release(session: Session, terminal: string): void {
    if (this.sessions.get(terminal) !== session) return;
    this.sessions.delete(terminal);
    this.metrics.sessions.dec();
  }

  detach(session: Session, reason: string): void {
    if (session.connection.transport === 'tcp') {
      if (this.streams.delete(session)) {
        this.metrics.connections.dec({ transport: 'tcp' });
        const ip = session.connection.ip;
        const n = (this.perIp.get(ip) ?? 1) - 1;
        if (n <= 0) this.perIp.delete(ip);
        else this.perIp.set(ip, n);
      }
    } else if (session.phone !== undefined && this.udp.get(session.phone) === session) {
      this.udp.delete(session.phone);
      this.metrics.connections.dec({ transport: 'udp' });
    }
    if (session.terminal !== undefined && this.sessions.get(session.terminal) === session) {
      this.sessions.delete(session.terminal);
      this.metrics.sessions.dec();
    }
    if (this.paused.delete(session)) this.metrics.pausedSockets.set(this.paused.size);
    if (reason === 'junk' || reason === 'malformed' || reason === 'handshake-timeout') this.metrics.connectionsRefused.inc({ reason });
    if ((reason === 'junk' || reason === 'malformed') && session.connection.transport === 'tcp' && this.penalty.strike(session.connection.ip)) {
      // logged once per address per cooldown; the refusals are counted, not logged
      const { penaltyStrikes, penaltyWindowMs, penaltyCooldownMs } = this.config.jt808;
      this.log.warn({ ip: session.connection.ip, strikes: penaltyStrikes, windowMs: penaltyWindowMs, cooldownMs: penaltyCooldownMs }, 'address penalised: its connections keep sending junk or malformed frames; new connections from it refused for the cooldown (open sessions kept)');
    }
    this.log.debug({ session: session.id, terminal: session.terminal, remote: session.connection.remote, reason }, 'session closed');
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
    const all = () => new Set([...this.streams, ...this.udp.values(), ...this.sessions.values()]);
    for (const s of all()) s.pause();
    await this.queue.flush();
    for (const s of all()) s.close('shutdown');
    this.paused.clear();
    this.registry.close();
    this.registrations.close();
  }
}
