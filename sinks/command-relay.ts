/**
 * Commands reach a terminal on any gateway (issue 21). A CommandPort over the local gateway: a
 * terminal whose session is here is commanded here, as without the relay; any other is asked for
 * over the deployment's MQTT broker (mqttExternal.url), on a client of the relay's own:
 *
 *   {prefix}/relay/commands            requests; every gateway subscribes (QoS 1)
 *   {prefix}/relay/answers/{gateway}   answers to the gateway that asked (a UUID per process start)
 *
 * Only the gateway holding the terminal's session acts: it answers `accepted` at once, runs the
 * command through its own gateway, and answers with the outcome. The requester waits
 * commands.relayAcceptMs for someone to accept (else the terminal is offline everywhere: 404),
 * then for the answer, and throws what the gateway itself would have thrown (OfflineError,
 * BadCommandError, a timeout Error), so the routes answer alike wherever the terminal is.
 *
 * Anyone able to publish on the broker must not command terminals: every message is signed
 * (relay-wire.ts), requests must be fresh (issuedAt within 30 s) and new (ReplayCache), every
 * refusal is counted by reason and logged once a minute per reason. Waiting requests are bounded
 * by commands.maxRelayed (past it BusyError: 503).
 *
 * Two gateways may both hold a session of one terminal for a while (it reconnected elsewhere and
 * the old connection has not timed out yet): both accept and run the command, and the requester
 * takes the first real answer; a failure counts only once every gateway that accepted has failed.
 */
import { randomUUID } from 'node:crypto';
import { connectMqtt } from './mqtt-connect.js';
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { toJson } from '../decoders/index.js';
import type { Edition, Message } from '../decoders/index.js';
import { BadCommandError, BusyError, OfflineError } from '../events/commands.js';
import type { EditionBodies, SessionHolder } from '../events/commands.js';
import type { CommandRelayMetrics, RelayCount } from './command-relay-metrics.js';
import { ReplayCache } from './replay-cache.js';
import { MAX_RELAY_BYTES, openAnswer, openRequest, relayKey, seal } from './relay-wire.js';
import type { RelayAnswer, RelayOutcome, RelayRefusal, RelayRequest } from './relay-wire.js';

/** A message's issuedAt may be this far from the receiver's clock at most (run NTP on every gateway). */
export const FRESH_MS = 30_000;
/** The clock skew allowed between gateways on top of a request's accept window. */
export const SKEW_MS = 5_000;
const LOG_EVERY_MS = 60_000;

export interface CommandRelayOptions {
  /** the external broker (mqttExternal's connection settings) */
  url: string;
  clientId: string;
  username: string;
  password: string;
  topicPrefix: string;
  /** auth.secret as the gateway uses it: the relay's key is derived from it */
  secret: string;
  /** commands.relayAcceptMs */
  acceptMs: number;
  /** commands.maxRelayed: relayed commands waiting at once, and presence questions (a pool of their own) */
  maxRelayed: number;
  /** commands.maxRelayedPerToken: relayed commands one caller (API token) keeps waiting at once */
  maxRelayedPerCaller: number;
  /** commands.timeoutMs: the wait for an answer when the caller names none */
  timeoutMs: number;
}

/** the caller of commands sent without a token (no tokens configured: loopback only), or by the gateway itself */
const NO_CALLER = Symbol('no caller');

interface Pending {
  kind: 'command' | 'probe';
  caller: object | symbol;
  msgId: number;
  timeoutMs: number;
  /** gateways that accepted and have not failed yet */
  holders: Set<string>;
  accepted: boolean;
  /** relayAcceptMs is over: no other holder is waited for */
  windowOver: boolean;
  failure?: { outcome: RelayOutcome; error: Error };
  timers: NodeJS.Timeout[];
  resolve: (value: Message | boolean) => void;
  reject: (error: Error) => void;
}

const hexId = (msgId: number) => `0x${msgId.toString(16).padStart(4, '0')}`;

export class CommandRelay implements SessionHolder {
  private readonly key: Buffer;
  private readonly requests: string;
  private readonly answers: string;
  private readonly pending = new Map<string, Pending>();
  /** presence questions among `pending` */
  private probes = 0;
  /** relayed commands waiting, per caller: keyed by the configured grants (and NO_CALLER), so bounded by api.tokens */
  private readonly perCaller = new Map<object | symbol, number>();
  private readonly seen = new ReplayCache();
  private readonly logged = new Map<RelayRefusal, { at: number; unlogged: number }>();
  private closed = false;

  private constructor(
    /** this process's name on the broker, new at each start */
    readonly id: string,
    private readonly local: SessionHolder,
    private readonly client: MqttClient,
    private readonly options: CommandRelayOptions,
    private readonly metrics: CommandRelayMetrics,
    private readonly log: Logger,
    private readonly report: (error: unknown) => void,
  ) {
    this.key = relayKey(options.secret);
    this.requests = `${options.topicPrefix}/relay/commands`;
    this.answers = `${options.topicPrefix}/relay/answers/${this.id}`;
    metrics.pending.set(0);
    metrics.replayIds.set(0);
  }

  /** Connects (a clear error when the broker is not there) and subscribes; mqtt.js reconnects and resubscribes by itself. */
  static async start(local: SessionHolder, options: CommandRelayOptions, metrics: CommandRelayMetrics, log: Logger, report: (error: unknown) => void): Promise<CommandRelay> {
    const id = randomUUID();
    const client = await connectMqtt('command relay', { url: options.url, clientId: `${options.clientId || 'dipper'}-relay-${id}`, username: options.username, password: options.password });
    // the client's name and the answers' topic share the id
    const relay = new CommandRelay(id, local, client, options, metrics, log, report);
    client.on('message', (topic, payload) => {
      try {
        if (topic === relay.requests) relay.onRequest(payload);
        else if (topic === relay.answers) relay.onAnswer(payload);
      } catch (e) {
        report(e);
      }
    });
    client.on('error', (err) => log.warn({ err }, 'command relay: mqtt client error'));
    client.on('offline', () => log.warn({ url: options.url }, 'command relay: broker unreachable; reconnecting (commands for terminals on other gateways answer 503 meanwhile)'));
    await client.subscribeAsync({ [relay.requests]: { qos: 1 }, [relay.answers]: { qos: 1 } });
    return relay;
  }

  // ---- the CommandPort -----------------------------------------------------------------

  command(terminal: string, msgId: number, body: object, timeoutMs?: number, caller?: object): Promise<Message> {
    if (this.local.reaches(terminal)) return this.local.command(terminal, msgId, body, timeoutMs);
    return this.ask(terminal, { kind: 'command', msgId, body, timeoutMs: timeoutMs ?? this.options.timeoutMs }, caller) as Promise<Message>;
  }

  commandByEdition(terminal: string, msgId: number, bodies: EditionBodies, timeoutMs?: number, caller?: object): Promise<Message> {
    if (this.local.reaches(terminal)) return this.local.commandByEdition(terminal, msgId, bodies, timeoutMs);
    return this.ask(terminal, { kind: 'command', msgId, bodies, timeoutMs: timeoutMs ?? this.options.timeoutMs }, caller) as Promise<Message>;
  }

  /** Here, or does any gateway accept within relayAcceptMs. */
  async online(terminal: string): Promise<boolean> {
    if (this.local.reaches(terminal)) return true;
    return (await this.ask(terminal, { kind: 'probe' })) as boolean;
  }

  reaches(terminal: string): boolean {
    return this.local.reaches(terminal);
  }

  speakerOf(terminal: string): { phone: string; version: Edition; protocolVersion?: number | undefined } | undefined {
    return this.local.speakerOf?.(terminal);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const [id, p] of this.pending) this.settle(id, p, new BusyError('the gateway is shutting down'), 'busy');
    await this.client.endAsync();
  }

  // ---- the requester -------------------------------------------------------------------

  private ask(terminal: string, what: { kind: 'probe' } | { kind: 'command'; msgId: number; body?: object; bodies?: EditionBodies; timeoutMs: number }, caller: object | symbol = NO_CALLER): Promise<Message | boolean> {
    const count = (outcome: RelayCount) => what.kind === 'command' && this.metrics.relayed.inc({ role: 'requested', outcome });
    if (this.closed || !this.client.connected) {
      count('busy');
      return Promise.reject(new BusyError(`terminal ${terminal} is not on this gateway, and the command relay's broker is unreachable: try again`));
    }
    // presence questions have a pool of their own: commands kept waiting never starve dispatch's check
    if ((what.kind === 'probe' ? this.probes : this.pending.size - this.probes) >= this.options.maxRelayed) {
      count('busy');
      return Promise.reject(new BusyError(`terminal ${terminal} is not on this gateway, and ${this.options.maxRelayed} relayed ${what.kind === 'probe' ? 'presence questions' : 'commands'} are waiting for answers already (commands.maxRelayed): try again`));
    }
    // one caller (API token) cannot hold every slot with commands to terminals that never answer
    if (what.kind === 'command' && (this.perCaller.get(caller) ?? 0) >= this.options.maxRelayedPerCaller) {
      count('busy');
      return Promise.reject(new BusyError(`terminal ${terminal} is not on this gateway, and this token has ${this.options.maxRelayedPerCaller} relayed commands waiting for answers already (commands.maxRelayedPerToken): try again`));
    }
    const id = randomUUID();
    const request: RelayRequest = { type: 'request', id, from: this.id, issuedAt: Date.now(), acceptMs: this.options.acceptMs, terminal, ...what };
    const sealed = seal(this.key, request);
    if (sealed.length > MAX_RELAY_BYTES) {
      count('bad-command');
      return Promise.reject(new BadCommandError(`too large to relay to the gateway holding the terminal (${sealed.length} bytes, at most ${MAX_RELAY_BYTES})`));
    }
    const msgId = what.kind === 'command' ? what.msgId : 0;
    const timeoutMs = what.kind === 'command' ? what.timeoutMs : 0;
    return new Promise<Message | boolean>((resolve, reject) => {
      const p: Pending = { kind: what.kind, caller, msgId, timeoutMs, holders: new Set(), accepted: false, windowOver: false, timers: [], resolve, reject };
      this.pending.set(id, p);
      if (p.kind === 'probe') this.probes++;
      else this.perCaller.set(caller, (this.perCaller.get(caller) ?? 0) + 1);
      this.metrics.pending.set(this.pending.size);
      p.timers.push(setTimeout(() => this.windowClosed(id, p, terminal), this.options.acceptMs));
      this.client.publishAsync(this.requests, sealed, { qos: 1 }).catch((err: unknown) => this.settle(id, p, new BusyError(`the command relay could not publish the request: ${(err as Error).message}`), 'busy'));
    });
  }

  private windowClosed(id: string, p: Pending, terminal: string): void {
    p.windowOver = true;
    if (!p.accepted) {
      if (p.kind === 'probe') this.settle(id, p, false);
      else this.settle(id, p, new OfflineError(`terminal ${terminal} is not online (on no gateway)`), 'offline');
    } else if (p.holders.size === 0 && p.failure) this.settle(id, p, p.failure.error, p.failure.outcome);
  }

  private onAnswer(payload: Buffer): void {
    const opened = openAnswer(this.key, payload);
    if (!opened.ok) return this.refuse(opened.reason);
    const a = opened.value;
    if (a.to !== this.id) return this.refuse('malformed');
    if (Math.abs(Date.now() - a.issuedAt) > FRESH_MS) return this.refuse('stale');
    // answers to requests no longer waited for (settled, timed out) are late, not hostile
    const p = this.pending.get(a.id);
    if (!p) return;
    if (!p.accepted) {
      p.accepted = true;
      if (p.kind === 'probe') return this.settle(a.id, p, true);
      // the holder's own timeout answers first; this is for a holder that went away meanwhile
      p.timers.push(setTimeout(() => this.settle(a.id, p, new Error(`no reply to ${hexId(p.msgId)} within ${p.timeoutMs} ms (the gateway holding the terminal did not answer)`), 'timeout'), p.timeoutMs + this.options.acceptMs));
    }
    if (a.phase === 'accepted') {
      p.holders.add(a.from);
      return;
    }
    switch (a.outcome) {
      case 'answered':
        return this.settle(a.id, p, a.reply as Message, 'answered');
      case 'bad-command':
        // about the body, not the session: any holder would say the same
        return this.settle(a.id, p, new BadCommandError(a.message ?? 'cannot encode the command', { field: a.field }), 'bad-command');
      case 'too-large':
        return this.settle(a.id, p, new Error(a.message ?? 'the answer is too large to relay'), 'too-large');
      default: {
        p.holders.delete(a.from);
        const error = a.outcome === 'offline' ? new OfflineError(a.message ?? 'terminal is not online') : new Error(a.message ?? `no reply to ${hexId(p.msgId)}`);
        // a timeout says more than a session that closed (another connection of the terminal's may have answered)
        if (!p.failure || p.failure.outcome === 'offline') p.failure = { outcome: a.outcome!, error };
        if (p.holders.size === 0 && p.windowOver) this.settle(a.id, p, p.failure.error, p.failure.outcome);
      }
    }
  }

  private settle(id: string, p: Pending, result: Message | boolean | Error, outcome?: RelayCount): void {
    if (this.pending.get(id) !== p) return;
    this.pending.delete(id);
    if (p.kind === 'probe') this.probes--;
    else {
      const n = (this.perCaller.get(p.caller) ?? 1) - 1;
      if (n <= 0) this.perCaller.delete(p.caller);
      else this.perCaller.set(p.caller, n);
    }
    this.metrics.pending.set(this.pending.size);
    for (const timer of p.timers) clearTimeout(timer);
    if (p.kind === 'command' && outcome) this.metrics.relayed.inc({ role: 'requested', outcome });
    if (result instanceof Error) p.reject(result);
    else p.resolve(result);
  }

  // ---- the holder ----------------------------------------------------------------------

  private onRequest(payload: Buffer): void {
    const opened = openRequest(this.key, payload);
    if (!opened.ok) return this.refuse(opened.reason);
    const r = opened.value;
    const age = Date.now() - r.issuedAt;
    if (Math.abs(age) > FRESH_MS) return this.refuse('stale');
    // past the requester's wait (plus clock skew) nobody waits for it: taking it would run a command
    // whose caller was told "offline", and it keeps a captured request's replay window seconds long
    if (age > r.acceptMs + SKEW_MS) return this.refuse('late');
    // every gateway remembers every request: the terminal may move here before a replay comes
    const seen = this.seen.remember(r.id);
    this.metrics.replayIds.set(this.seen.size);
    if (seen === 'replay') return this.refuse('replay');
    if (seen === 'full') return this.refuse('replay-cache-full');
    if (this.closed || !this.local.reaches(r.terminal)) return;
    this.publish(r.from, { type: 'answer', id: r.id, from: this.id, to: r.from, issuedAt: Date.now(), phase: 'accepted' });
    if (r.kind === 'command') void this.serve(r).catch((e: unknown) => this.report(e));
  }

  private async serve(r: RelayRequest): Promise<void> {
    const msgId = r.msgId!;
    let answer: Pick<RelayAnswer, 'outcome' | 'reply' | 'message' | 'field'>;
    try {
      const message = r.bodies ? await this.local.commandByEdition(r.terminal, msgId, r.bodies, r.timeoutMs) : await this.local.command(r.terminal, msgId, r.body!, r.timeoutMs);
      // the codec's JSON (Buffers as hex), as the route would send it
      answer = { outcome: 'answered', reply: JSON.parse(toJson(message)) as object };
    } catch (e) {
      if (e instanceof BadCommandError) answer = { outcome: 'bad-command', message: e.message, ...(e.field !== undefined ? { field: e.field } : {}) };
      else answer = { outcome: e instanceof OfflineError ? 'offline' : 'timeout', message: (e as Error).message };
    }
    const base = { type: 'answer', id: r.id, from: this.id, to: r.from, issuedAt: Date.now(), phase: 'answer' } as const;
    let sealed = seal(this.key, { ...base, ...answer });
    if (sealed.length > MAX_RELAY_BYTES) {
      answer = { outcome: 'too-large', message: `the terminal's answer to ${hexId(msgId)} is too large to relay (${sealed.length} bytes, at most ${MAX_RELAY_BYTES})` };
      sealed = seal(this.key, { ...base, ...answer });
    }
    this.metrics.relayed.inc({ role: 'served', outcome: answer.outcome! });
    this.publishSealed(r.from, sealed);
  }

  private publish(to: string, answer: RelayAnswer): void {
    this.publishSealed(to, seal(this.key, answer));
  }

  private publishSealed(to: string, sealed: Buffer): void {
    this.client.publishAsync(`${this.options.topicPrefix}/relay/answers/${to}`, sealed, { qos: 1 }).catch((err: unknown) => this.log.warn({ err }, 'command relay: answer not published'));
  }

  /** Counted always; logged the first time and then at most once a minute per reason, with how many went unlogged. */
  private refuse(reason: RelayRefusal): void {
    this.metrics.refused.inc({ reason });
    const now = Date.now();
    const last = this.logged.get(reason);
    if (last && now - last.at < LOG_EVERY_MS) {
      last.unlogged++;
      return;
    }
    this.logged.set(reason, { at: now, unlogged: 0 });
    this.log.warn({ reason, unlogged: last?.unlogged ?? 0 }, 'command relay: message refused (logged once a minute per reason, all counted in dipper_command_relay_refused_total)');
  }
}
