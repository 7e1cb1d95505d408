/**
 * One simulated terminal's life: connect, log in, report every interval, lose the link
 * (blind-area episodes it drops itself, closes by the gateway or the network), keep the
 * positions it could not send, reconnect with backoff, backfill them (0x0704 type 1), stop
 * gracefully. The parts it is made of: the link (link.ts), the JT/T 808 client (protocol.ts),
 * the report clock (scheduler.ts), what each tick sends (behaviour.ts), command answers
 * (commands.ts), photo uploads (media.ts), active-safety alarms and their attachment uploads
 * (active-safety.ts), reconnect delays (backoff.ts).
 *
 * Determinism: everything a terminal sends is decided per tick from seeded streams, and with a
 * `startTime` its device clock is that start plus tick x interval, so a seed replays the same
 * frames (without one, at real speed, the device clock is the wall clock: behaviour.ts). Only the network can differ between runs (a refused connection, a lost datagram);
 * the backoff jitter has a stream of its own so that it never shifts the behaviour stream.
 */
import { ActiveSafety } from './active-safety.js';
import { Backoff } from './backoff.js';
import { Behaviour, PARAM_OVERSPEED_KMH } from './behaviour.js';
import type { Report } from './behaviour.js';
import { answerCommand } from './commands.js';
import type { LinkTarget } from './link.js';
import { openLink } from './link.js';
import { MediaUploads } from './media.js';
import type { Mover } from './movers.js';
import { Responder, dispatchPlace } from './movers.js';
import { ProtocolClient, terminalIdOf } from './protocol.js';
import type { Rng } from './rng.js';
import type { Scenario } from './scenario.js';
import { ReportClock } from './scheduler.js';
import type { TerminalSpec } from './spec.js';
import type { Stats } from './stats.js';


export interface TerminalDeps {
  scenario: Scenario;
  mover: Mover;
  /** Behaviour stream (alarms, episodes, photos): consumed per tick only. */
  rng: Rng;
  /** Network stream (backoff jitter). */
  netRng: Rng;
  stats: Stats;
  target: LinkTarget;
  /** Every uplink frame as written (for --record). */
  record?: (phone: string, frame: Buffer) => void;
  /** Called once the terminal has stopped for good. */
  done?: () => void;
}

type State = 'idle' | 'connecting' | 'login' | 'online' | 'offline' | 'stopped';

/** Why we closed a link ourselves; a blind area is counted as one (it is simulated, not an error). */
type DropReason = 'blind-area' | 'login-failed' | 'stop';

const BATCH = 10; // locations per 0x0704 frame: 10 x ~50 bytes stays under one 1023-byte body
const MAX_BUFFERED = 10_000;

export class SimTerminal {
  state: State = 'idle';
  private stopping = false;
  /** Counts links: events of a link we already left are ignored. */
  private linkGen = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly buffered: object[] = [];
  /** Reports due while a login was under way, sent as live reports once it succeeds. */
  private readonly pending: Report[] = [];
  private blindTicks = 0;
  private readonly params = new Map<number, number | string>();
  private readonly client: ProtocolClient;
  private readonly behaviour: Behaviour;
  private readonly media: MediaUploads;
  private readonly clock: ReportClock;
  private readonly backoff: Backoff;
  /** A vehicle's ADAS/DSM units (spec.activeSafety): their alarms and attachment uploads. */
  readonly activeSafety: ActiveSafety | undefined;

  constructor(
    readonly spec: TerminalSpec,
    private readonly deps: TerminalDeps,
  ) {
    const s = deps.scenario;
    this.params.set(0x0001, s.heartbeatS);
    this.params.set(0x0029, s.intervalS);
    this.params.set(PARAM_OVERSPEED_KMH, s.alarms.overspeedKmh);
    this.client = new ProtocolClient(spec, {
      stats: deps.stats,
      replyTimeoutMs: s.replyTimeoutMs,
      ...(deps.record ? { record: deps.record } : {}),
      downlink: (m) => {
        if (this.state === 'online') answerCommand(m, { client: this.client, media: this.media, params: this.params, location: () => this.behaviour.current(), dispatched: (text) => this.dispatched(text), ...(this.activeSafety ? { activeSafety: this.activeSafety } : {}) });
      },
    });
    this.activeSafety = spec.activeSafety
      ? new ActiveSafety(deps.rng.fork('active-safety'), { spec, terminalId: terminalIdOf(spec), scenario: s, stats: deps.stats, ...(deps.target.localAddress ? { localAddress: deps.target.localAddress } : {}) })
      : undefined;
    this.behaviour = new Behaviour(spec.kind, s, deps.mover, deps.rng, this.params, this.activeSafety);
    this.media = new MediaUploads(this.client, deps.rng, spec.index, s.photos);
    this.clock = new ReportClock((s.intervalS * 1000) / s.speedup, s.burst, {
      busy: () => this.state === 'connecting' || this.state === 'login',
      tick: (dueMs) => this.onTick(dueMs),
    });
    this.backoff = new Backoff(s.reconnect.minMs, s.reconnect.maxMs, deps.netRng);
  }

  get phone(): string {
    return this.spec.phone;
  }

  get tick(): number {
    return this.behaviour.tick;
  }

  /** Connects after `delayMs` and then reports every interval. */
  start(delayMs = 0): void {
    this.deps.stats.terminals++;
    this.clock.start(delayMs, () => void this.connect());
  }

  // ---------------------------------------------------------------- the report cycle

  private onTick(dueMs: number): void {
    const t = this.behaviour.next(dueMs);
    if (this.blindTicks > 0) {
      this.buffer(t.body);
      if (--this.blindTicks === 0) void this.connect();
    } else if (this.state === 'offline') {
      this.buffer(t.body); // offline for network reasons: keep positions for the backfill
    } else if (this.state === 'online') {
      this.report(t);
      // a blind area begins after this report: the link was up for it, and a terminal whose first
      // report drew one (seed 2026: 13700000021 of wuhan.yaml, 290 s) still shows on the map
      if (t.blindTicks > 0) {
        this.blindTicks = t.blindTicks;
        this.dropLink('blind-area');
      }
    } else {
      // still logging in: send it the moment we are online, so login speed never changes what is sent
      this.pending.push(t);
    }
    if (this.behaviour.done()) void this.stop();
  }

  /** A dispatch order's text (【派警】... lat,lng ...): a responding unit goes there. */
  private dispatched(text: string): void {
    const place = text.startsWith('【派警】') ? dispatchPlace(text) : undefined;
    if (!place || !(this.deps.mover instanceof Responder)) return;
    this.deps.mover.sendTo(place);
    this.deps.stats.dispatched++;
  }

  private buffer(body: object): void {
    if (this.buffered.length >= MAX_BUFFERED) {
      this.buffered.shift();
      this.deps.stats.error('buffer-overflow');
    }
    this.buffered.push(body);
  }

  private report(r: Report): void {
    if (r.heartbeat) this.client.send(0x0002, {}, true);
    this.client.send(0x0200, r.body, true);
    if (r.photo) this.media.upload(r.event, r.body);
  }

  private backfill(): void {
    while (this.buffered.length > 0 && this.state === 'online') {
      const locations = this.buffered.splice(0, BATCH);
      this.client.send(0x0704, { type: 1, locations }, true);
    }
    for (const report of this.pending.splice(0)) this.report(report);
  }

  // ---------------------------------------------------------------- link and login

  private async connect(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'connecting' || this.state === 'login' || this.state === 'online') return;
    if (this.blindTicks > 0) return;
    clearTimeout(this.retryTimer);
    this.state = 'connecting';
    const gen = ++this.linkGen;
    const { stats } = this.deps;
    try {
      const link = await openLink(this.deps.target, {
        data: (chunk) => this.client.onBytes(chunk),
        closed: (error) => this.onClosed(gen, error),
      });
      if (gen !== this.linkGen || this.state !== 'connecting') {
        link.close();
        return;
      }
      this.client.attach(link);
      stats.connects++;
    } catch (e) {
      if (gen !== this.linkGen) return;
      stats.error(`connect:${(e as NodeJS.ErrnoException).code ?? 'error'}`);
      this.state = 'offline';
      this.clock.resume();
      this.retryLater();
      return;
    }
    this.state = 'login';
    try {
      await this.client.login();
    } catch (e) {
      if (gen !== this.linkGen) return;
      stats.error((e as Error).message.split(' ')[0]!);
      this.dropLink('login-failed');
      this.retryLater();
      return;
    }
    if (gen !== this.linkGen) return;
    this.state = 'online';
    stats.online++;
    this.backoff.reset();
    this.backfill();
    this.clock.resume();
  }

  /** Our own close (blind area, failed login, stop): not counted as a reconnect cause. */
  private dropLink(reason: DropReason): void {
    if (this.state === 'online') this.deps.stats.online--;
    this.linkGen++;
    this.client.close();
    this.client.forgetInflight();
    if (this.state !== 'stopped') {
      this.state = 'offline';
      this.clock.resume();
    }
    for (const r of this.pending.splice(0)) this.buffer(r.body); // the login failed: they join the backfill
    if (reason === 'blind-area') this.deps.stats.blindAreas++;
  }

  private onClosed(gen: number, error?: Error): void {
    if (gen !== this.linkGen) return; // a link we already dropped
    this.client.detach();
    if (this.stopping || this.state === 'stopped') return; // stop() settles the counts
    if (this.state === 'online') this.deps.stats.online--;
    this.client.forgetInflight();
    for (const r of this.pending.splice(0)) this.buffer(r.body);
    this.state = 'offline';
    this.clock.resume();
    this.deps.stats.error(error ? `closed:${(error as NodeJS.ErrnoException).code ?? 'error'}` : 'closed-by-gateway');
    this.linkGen++;
    this.retryLater();
  }

  private retryLater(): void {
    if (this.state === 'stopped') return;
    const wait = this.backoff.next();
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.blindTicks > 0 || this.state === 'stopped') return;
      this.deps.stats.reconnects++;
      void this.connect();
    }, wait);
  }

  // ---------------------------------------------------------------- stop

  /** Graceful: stop reporting, wait briefly for outstanding answers, log out, close. */
  async stop(waitMs = 2000): Promise<void> {
    if (this.state === 'stopped' || this.stopping) return;
    this.stopping = true;
    this.clock.stop();
    clearTimeout(this.retryTimer);
    // a login under way finishes first, so reports already due are still sent (and a seed replays them)
    const loginDeadline = Date.now() + this.deps.scenario.replyTimeoutMs;
    while ((this.state === 'connecting' || this.state === 'login') && Date.now() < loginDeadline) await new Promise((r) => setTimeout(r, 20));
    if (this.state === 'online') {
      // answers first: the gateway ends the session as soon as it has answered the logout
      const deadline = Date.now() + waitMs;
      while (this.client.unanswered > 0 && Date.now() < deadline && this.client.linked) await new Promise((r) => setTimeout(r, 20));
      if (this.client.unanswered > 0) this.deps.stats.error('unanswered');
      await this.client.logout().catch(() => this.deps.stats.error('logout-timeout'));
    }
    if (this.state === 'online') this.deps.stats.online--;
    this.state = 'stopped';
    this.dropLink('stop');
    this.deps.done?.();
  }
}
