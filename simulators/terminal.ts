/**
 * One simulated terminal: register -> authenticate -> heartbeat and a location report every
 * interval; alarms (SOS, overspeed), blind-area episodes (drop the link, buffer, reconnect,
 * backfill with 0x0704 type 1), evidence photos (0x0800 then subpackaged 0x0801), answers to
 * platform commands, reconnects with capped exponential backoff.
 *
 * Determinism: everything a terminal sends is decided per report ("tick") from seeded
 * streams, and its device clock is the scenario's start time plus tick x interval, so a
 * seed replays the same frames. Only the network can differ between runs (a refused
 * connection, a lost datagram); the backoff jitter has a stream of its own so that it never
 * shifts the behaviour stream.
 */
import { performance } from 'node:perf_hooks';
import { FrameSplitter, decodeFrame, encode, encodeParts } from '../decoders/index.js';
import type { Edition, Message, OutgoingMessage, TerminalParam } from '../decoders/index.js';
import type { Fix, Mover } from './movers.js';
import type { Link, LinkTarget } from './link.js';
import { openLink } from './link.js';
import { fakeJpeg } from './photo.js';
import type { Rng } from './rng.js';
import type { Scenario } from './scenario.js';
import type { Stats } from './stats.js';

export type Kind = 'vehicle' | 'bodycam' | 'handheld';

export interface TerminalSpec {
  index: number;
  kind: Kind;
  phone: string;
  edition: Edition;
  plate?: string;
}

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

const ALARM_SOS = 1 << 0;
const ALARM_OVERSPEED = 1 << 1;
const STATUS_ACC = 1 << 0;
const STATUS_FIX = 1 << 1;
const BATCH = 10; // locations per 0x0704 frame: 10 x ~50 bytes stays under one 1023-byte body
const MAX_BUFFERED = 10_000;

interface Report {
  body: object;
  heartbeat: boolean;
  photo: boolean;
  event: number;
}

interface Waiter {
  match: (m: Message) => boolean;
  resolve: (m: Message | undefined) => void;
  timer: NodeJS.Timeout;
}

export class SimTerminal {
  state: State = 'idle';
  private stopping = false;
  private parked = false;
  tick = 0;
  private link: Link | undefined;
  private linkGen = 0;
  private serial = 0;
  private authCode = '';
  private readonly splitter = new FrameSplitter();
  private waiters: Waiter[] = [];
  /** serial -> send time (performance.now), for frames the platform answers with 0x8001. */
  private readonly inflight = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private backoffMs: number;
  private readonly buffered: object[] = [];
  /** Reports due while a login was under way, sent as live reports once it succeeds. */
  private readonly pending: Report[] = [];
  private blindTicks = 0;
  private sosTicks = 0;
  private mediaId = 0;
  private last: Fix;
  private lastBody: object | undefined;
  /** Subpackaged uploads kept for retransmission (0x8800/0x8003), by media ID / first serial. */
  private readonly uploads = new Map<number, { firstSerial: number; frames: Buffer[] }>();
  private readonly params = new Map<number, number | string>();
  private readonly startMs: number;
  private readonly hbTicks: number;
  private readonly p: { sos: number; speeding: number; blind: number; photo: number };
  private readonly version2019: { protocolVersion: number } | object;

  constructor(
    readonly spec: TerminalSpec,
    private readonly deps: TerminalDeps,
  ) {
    const s = deps.scenario;
    this.startMs = s.startTime ? Date.parse(s.startTime) : Math.floor(Date.now() / 1000) * 1000;
    this.hbTicks = Math.max(1, Math.round(s.heartbeatS / s.intervalS));
    const perTick = (perHour: number) => Math.min(1, (perHour * s.intervalS) / 3600);
    this.p = { sos: perTick(s.alarms.sosPerHour), speeding: spec.kind === 'vehicle' ? perTick(s.alarms.speedingPerHour) : 0, blind: perTick(s.blindArea.perHour), photo: spec.kind === 'vehicle' ? 0 : perTick(s.photos.perHour) };
    this.backoffMs = s.reconnect.minMs;
    this.version2019 = spec.edition === '2019' ? { protocolVersion: 1 } : {};
    this.params.set(0x0001, s.heartbeatS);
    this.params.set(0x0029, s.intervalS);
    this.params.set(0x0055, s.alarms.overspeedKmh);
    this.last = deps.mover.step(0);
  }

  get phone(): string {
    return this.spec.phone;
  }

  /** Connects after `delayMs` and then reports every interval. */
  start(delayMs = 0): void {
    this.deps.stats.terminals++;
    this.timer = setTimeout(() => {
      void this.connect();
      this.schedule();
    }, delayMs);
  }

  private periodMs(): number {
    const s = this.deps.scenario;
    return (s.intervalS * 1000) / s.speedup;
  }

  private schedule(): void {
    if (this.state === 'stopped' || this.stopping) return;
    this.timer = setTimeout(() => {
      // the report clock waits while a login is under way, so how fast the gateway answers
      // never changes what is sent at which tick
      if (this.state === 'connecting' || this.state === 'login') {
        this.parked = true;
        return;
      }
      // a burst: the reports of `burst` intervals, generated in order, leave in one write
      for (let i = 0; i < this.deps.scenario.burst && !this.stopping && this.state !== 'stopped'; i++) this.onTick();
      this.schedule();
    }, this.periodMs() * this.deps.scenario.burst);
  }

  /** Restarts a report clock parked during a login. */
  private resumeTicks(): void {
    if (!this.parked) return;
    this.parked = false;
    this.schedule();
  }

  // ---------------------------------------------------------------- the report cycle

  private onTick(): void {
    const s = this.deps.scenario;
    this.tick++;
    this.last = this.deps.mover.step(s.intervalS);
    // decisions, always drawn in this order so a seed replays them
    const r = this.deps.rng;
    const startSos = r.chance(this.p.sos);
    const startSpeeding = r.chance(this.p.speeding);
    const startBlind = r.chance(this.p.blind);
    const takePhoto = r.chance(this.p.photo);
    const blindTicks = Math.max(1, Math.round(r.float(s.blindArea.minS, s.blindArea.maxS) / s.intervalS));

    if (startSos && this.sosTicks === 0) this.sosTicks = Math.max(1, Math.round(s.alarms.sosS / s.intervalS));
    if (startSpeeding) this.deps.mover.speed(s.alarms.speedingS);
    const body = this.locationBody(this.last);
    if (this.sosTicks > 0) this.sosTicks--;

    if (this.blindTicks === 0 && startBlind && this.state === 'online') {
      this.blindTicks = blindTicks;
      this.dropLink('blind-area');
    }
    if (this.blindTicks > 0) {
      this.buffer(body);
      if (--this.blindTicks === 0) void this.connect();
    } else if (this.state === 'offline') {
      this.buffer(body); // offline for network reasons: keep positions for the backfill
    } else {
      const event = this.sosTicks > 0 ? 2 : 1;
      const heartbeat = this.tick % this.hbTicks === 0;
      const report = { body, heartbeat, photo: takePhoto, event };
      // still logging in: send it the moment we are online, so login speed never changes what is sent
      if (this.state === 'online') this.report(report);
      else this.pending.push(report);
    }
    const ticks = s.ticks;
    if (ticks !== null && this.tick >= ticks) void this.stop();
  }

  private buffer(body: object): void {
    if (this.buffered.length >= MAX_BUFFERED) {
      this.buffered.shift();
      this.deps.stats.error('buffer-overflow');
    }
    this.buffered.push(body);
  }

  private locationBody(fix: Fix): object {
    let alarm = 0;
    const overspeedKmh = Number(this.params.get(0x0055));
    if (this.sosTicks > 0) alarm |= ALARM_SOS;
    if (fix.speedKmh > overspeedKmh) alarm |= ALARM_OVERSPEED;
    const extras: Record<string, unknown> = { mileageKm: fix.odometerKm, rssi: 20 + (this.tick % 11), satellites: 9 + (this.tick % 5) };
    if (alarm & ALARM_OVERSPEED) extras.overspeed = { locationType: 0 };
    const body = {
      alarm,
      status: (this.spec.kind === 'vehicle' ? STATUS_ACC : 0) | STATUS_FIX,
      lat: Math.round(fix.lat * 1e6) / 1e6,
      lng: Math.round(fix.lng * 1e6) / 1e6,
      altitude: fix.altitude,
      speed: fix.speedKmh,
      heading: fix.heading,
      time: new Date(this.startMs + Math.round(this.tick * this.deps.scenario.intervalS) * 1000).toISOString(),
      alarms: [],
      flags: [],
      extras,
    };
    this.lastBody = body;
    return body;
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
        data: (chunk) => this.onBytes(chunk),
        closed: (error) => this.onClosed(gen, error),
      });
      if (gen !== this.linkGen || this.state !== 'connecting') {
        link.close();
        return;
      }
      this.link = link;
      stats.connects++;
    } catch (e) {
      if (gen !== this.linkGen) return;
      stats.error(`connect:${(e as NodeJS.ErrnoException).code ?? 'error'}`);
      this.state = 'offline';
      this.resumeTicks();
      this.retryLater();
      return;
    }
    this.state = 'login';
    try {
      if (!this.authCode) await this.register();
      let result = await this.authenticate();
      if (result !== 0) {
        await this.register();
        result = await this.authenticate();
      }
      if (result !== 0) throw new Error(`auth-refused:${result}`);
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
    this.backoffMs = this.deps.scenario.reconnect.minMs;
    this.backfill();
    this.resumeTicks();
  }

  private async register(): Promise<void> {
    const serial = this.send(0x0100, registrationBody(this.spec), false);
    const m = await this.expect((d) => d.msgId === 0x8100 && (d.body as { ackSerial: number }).ackSerial === serial, 'register-timeout');
    const body = m.body as { result: number; authCode?: string };
    if (body.result !== 0 && body.result !== 3) throw new Error(`register-refused:${body.result}`);
    this.authCode = body.authCode ?? '';
  }

  private async authenticate(): Promise<number> {
    const body = this.spec.edition === '2019' ? { authCode: this.authCode, imei: `86${this.spec.phone.padStart(13, '0').slice(-13)}`, softwareVersion: 'SIM-1.0' } : { authCode: this.authCode };
    const serial = this.send(0x0102, body, false);
    const m = await this.expect((d) => isAckOf(d, serial), 'auth-timeout');
    return (m.body as { result: number }).result;
  }

  private expect(match: (m: Message) => boolean, timeoutReason: string): Promise<Message> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (m) => (m ? resolve(m) : reject(new Error(timeoutReason))),
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(timeoutReason));
        }, this.deps.scenario.replyTimeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  private backfill(): void {
    while (this.buffered.length > 0 && this.state === 'online') {
      const locations = this.buffered.splice(0, BATCH);
      this.send(0x0704, { type: 1, locations }, true);
    }
    for (const report of this.pending.splice(0)) this.report(report);
  }

  private report(r: Report): void {
    if (r.heartbeat) this.send(0x0002, {}, true);
    this.send(0x0200, r.body, true);
    if (r.photo) this.uploadPhoto(r.event, r.body);
  }

  /** Our own close (blind area, failed login, stop): not counted as a reconnect cause. */
  private dropLink(reason: string): void {
    if (this.state === 'online') this.deps.stats.online--;
    this.linkGen++;
    this.link?.close();
    this.link = undefined;
    this.failWaiters();
    this.inflight.clear();
    if (this.state !== 'stopped') {
      this.state = 'offline';
      this.resumeTicks();
    }
    for (const r of this.pending.splice(0)) this.buffer(r.body); // the login failed: they join the backfill
    if (reason !== 'login-failed' && reason !== 'stop') this.deps.stats.error(reason);
  }

  private onClosed(gen: number, error?: Error): void {
    if (gen !== this.linkGen) return; // a link we already dropped
    this.link = undefined;
    this.failWaiters();
    if (this.stopping || this.state === 'stopped') return; // stop() settles the counts
    if (this.state === 'online') this.deps.stats.online--;
    this.inflight.clear();
    for (const r of this.pending.splice(0)) this.buffer(r.body);
    this.state = 'offline';
    this.resumeTicks();
    this.deps.stats.error(error ? `closed:${(error as NodeJS.ErrnoException).code ?? 'error'}` : 'closed-by-gateway');
    this.linkGen++;
    this.retryLater();
  }

  private retryLater(): void {
    if (this.state === 'stopped') return;
    const { maxMs } = this.deps.scenario.reconnect;
    const wait = this.backoffMs * this.deps.netRng.float(0.5, 1.0);
    this.backoffMs = Math.min(maxMs, this.backoffMs * 2);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.blindTicks > 0 || this.state === 'stopped') return;
      this.deps.stats.reconnects++;
      void this.connect();
    }, wait);
  }

  private failWaiters(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) {
      clearTimeout(w.timer);
      w.resolve(undefined);
    }
  }

  // ---------------------------------------------------------------- frames

  private send(msgId: number, body: object, timed: boolean): number {
    const serial = this.serial;
    this.serial = (this.serial + 1) & 0xffff;
    const frame = encode(this.message(msgId, serial, body));
    this.write(msgId, frame);
    if (timed) this.inflight.set(serial, performance.now());
    return serial;
  }

  private message(msgId: number, serial: number, body: object): OutgoingMessage {
    return { msgId, version: this.spec.edition, phone: this.spec.phone, serial, ...this.version2019, body };
  }

  private write(msgId: number, frame: Buffer): void {
    if (!this.link) return;
    this.link.write(frame);
    this.deps.stats.sent(msgId, frame.length);
    this.deps.record?.(this.spec.phone, frame);
  }

  private onBytes(chunk: Buffer): void {
    this.deps.stats.bytesIn += chunk.length;
    this.splitter.push(
      chunk,
      (frame) => {
        const r = decodeFrame(frame, this.spec.edition === '2019' ? {} : { edition: this.spec.edition });
        if (!r.ok) return this.deps.stats.error(`downlink-${r.error.code}`);
        if ('part' in r.message) return this.deps.stats.error('downlink-subpackaged');
        this.onDownlink(r.message);
      },
      (e) => this.deps.stats.error(`downlink-${e.code}`),
    );
  }

  private onDownlink(m: Message): void {
    const { stats } = this.deps;
    stats.reply(m.msgId);
    if (m.msgId === 0x8001) {
      const { ackSerial, result } = m.body as { ackSerial: number; result: number };
      const sentAt = this.inflight.get(ackSerial);
      if (sentAt !== undefined) {
        this.inflight.delete(ackSerial);
        stats.latency.record((performance.now() - sentAt) * 1000);
      }
      if (result !== 0 && result !== 4) stats.error(`nack:${result}`);
    }
    const i = this.waiters.findIndex((w) => w.match(m));
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      clearTimeout(w!.timer);
      w!.resolve(m);
      return;
    }
    this.answer(m);
  }

  /** Platform commands and upload answers. */
  private answer(m: Message): void {
    if (this.state !== 'online') return;
    const ok = (result = 0) => this.send(0x0001, { ackSerial: m.serial, ackMsgId: m.msgId, result }, false);
    switch (m.msgId) {
      case 0x8001:
      case 0x8004:
        return;
      case 0x8201:
      case 0x8500:
        this.send(m.msgId === 0x8201 ? 0x0201 : 0x0500, { ackSerial: m.serial, ...(this.lastBody ?? this.locationBody(this.last)) }, false);
        return;
      case 0x8103:
        for (const p of (m.body as { params: TerminalParam[] }).params) if (typeof p.value !== 'object') this.params.set(p.id, p.value);
        ok();
        return;
      case 0x8104:
      case 0x8106: {
        const wanted = m.msgId === 0x8106 ? new Set((m.body as { ids: number[] }).ids) : undefined;
        const params = [...this.params].filter(([id]) => !wanted || wanted.has(id)).map(([id, value]) => ({ id, value }));
        this.send(0x0104, { ackSerial: m.serial, params }, false);
        return;
      }
      case 0x8300:
      case 0x8202:
      case 0x8203:
      case 0x8105:
        ok();
        return;
      case 0x8801: {
        const command = (m.body as { command: number }).command;
        if (command === 0 || command === 0xffff) return void ok(RESULT_UNSUPPORTED);
        const count = Math.min(3, command);
        const ids = Array.from({ length: count }, () => ++this.mediaId);
        this.send(0x0805, { ackSerial: m.serial, result: 0, mediaIds: ids }, false);
        for (const id of ids) this.uploadPhoto(0, this.lastBody ?? this.locationBody(this.last), id);
        return;
      }
      case 0x8800: {
        const { mediaId, retransmitIds } = m.body as { mediaId: number; retransmitIds?: number[] };
        const upload = this.uploads.get(mediaId);
        if (!retransmitIds || retransmitIds.length === 0) this.uploads.delete(mediaId);
        else if (upload) for (const id of retransmitIds) this.resendPart(upload.frames[id - 1]);
        return;
      }
      case 0x8003: {
        const { firstSerial, ids } = m.body as { firstSerial: number; ids: number[] };
        const upload = [...this.uploads.values()].find((u) => u.firstSerial === firstSerial);
        if (upload) for (const id of ids) this.resendPart(upload.frames[id - 1]);
        return;
      }
      default:
        ok(RESULT_UNSUPPORTED);
    }
  }

  private resendPart(frame: Buffer | undefined): void {
    if (frame) this.write(0x0801, frame);
  }

  /** 0x0800 (media event), then the JPEG as 0x0801 subpackages. */
  private uploadPhoto(event: number, location: object, id = ++this.mediaId): void {
    const s = this.deps.scenario;
    const rng = this.deps.rng.fork('photo', this.spec.index, id);
    const data = fakeJpeg(rng, rng.int(s.photos.minBytes, s.photos.maxBytes));
    const channel = 1;
    this.send(0x0800, { mediaId: id, type: 0, format: 0, event, channel }, true);
    const serial = this.serial;
    const { alarms: _a, flags: _f, extras: _e, ...basic } = location as Record<string, unknown>;
    const frames = encodeParts(this.message(0x0801, serial, { mediaId: id, type: 0, format: 0, event, channel, location: { ...basic, alarms: [], flags: [] }, data }));
    this.serial = (this.serial + frames.length) & 0xffff;
    for (const f of frames) this.write(0x0801, f);
    this.uploads.set(id, { firstSerial: serial, frames });
    if (this.uploads.size > 8) this.uploads.delete(this.uploads.keys().next().value!);
  }

  // ---------------------------------------------------------------- stop

  /** Graceful: stop reporting, wait briefly for outstanding answers, log out, close. */
  async stop(waitMs = 2000): Promise<void> {
    if (this.state === 'stopped' || this.stopping) return;
    this.stopping = true;
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    // a login under way finishes first, so reports already due are still sent (and a seed replays them)
    const loginDeadline = Date.now() + this.deps.scenario.replyTimeoutMs;
    while ((this.state === 'connecting' || this.state === 'login') && Date.now() < loginDeadline) await new Promise((r) => setTimeout(r, 20));
    if (this.state === 'online') {
      // answers first: the gateway ends the session as soon as it has answered the logout
      const deadline = Date.now() + waitMs;
      while (this.inflight.size > 0 && Date.now() < deadline && this.link) await new Promise((r) => setTimeout(r, 20));
      if (this.inflight.size > 0) this.deps.stats.error('unanswered');
      // untimed: every terminal logs out at the same moment, and that storm's answers (measured:
      // up to 650 ms for 10,000 at once) were 29% of the latency samples of a 20 s nominal run
      const serial = this.send(0x0003, {}, false);
      await this.expect((d) => isAckOf(d, serial), 'logout-timeout').catch(() => this.deps.stats.error('logout-timeout'));
    }
    if (this.state === 'online') this.deps.stats.online--;
    this.state = 'stopped';
    this.dropLink('stop');
    this.deps.done?.();
  }
}

const RESULT_UNSUPPORTED = 3;

function isAckOf(m: Message, serial: number): boolean {
  return m.msgId === 0x8001 && (m.body as { ackSerial: number }).ackSerial === serial;
}

/** 0x0100: the registration codec sizes the fields for the edition. */
function registrationBody(spec: TerminalSpec): object {
  const id = spec.phone.slice(-7);
  return { provinceId: 42, cityId: 100, makerId: 'DIPSM', model: spec.kind === 'vehicle' ? 'SIM-V808' : 'SIM-BWC', terminalId: `S${id.slice(-6)}`, plateColor: spec.plate ? 1 : 0, plate: spec.plate ?? `BWC${id}` };
}
