/**
 * One terminal connection (aedes's Client): everything per terminal lives here (phone, auth
 * state, edition, the platform's serial counter, subpackage reassembly, pending commands,
 * timers), and `close()` is idempotent and clears all of it.
 *
 * Bytes in: FrameSplitter -> decodeFrame -> (Reassembler) -> handlers/index.ts `dispatch`.
 * Subpackages: each part is answered 0x8001 as it arrives, except the one completing the
 * message, whose answer is the handler's (after the sinks have the data); multimedia parts
 * are answered only by 0x8800 for the whole upload.
 * A bad frame is counted, logged with its hex (the first few per session, so a flood cannot
 * flood the log), answered 0x8001 result 2 when its header parsed (2013 §8.1: "消息有误"),
 * and never affects the next frame. Junk and malformed frames past a threshold close the
 * connection.
 */
import { FrameSplitter, Reassembler, RESULT, UPLOAD_ANSWER_MAX_IDS, decodeFrame, encodeParts, retransmitIdsPerMessage } from '../../decoders/index.js';
import type { DecodeOptions, DecodeResult, Edition, Header, Incomplete, Jt808Error, Message, MessagePart } from '../../decoders/index.js';
import { hexId } from '../metrics.js';
import type { Refusal } from '../metrics.js';
import { OfflineError, terminalId } from '../../events/commands.js';
import type { Device } from '../registry/devices.js';
import { ABUSE } from './close-reason.js';
import type { CloseReason } from './close-reason.js';
import type { Connection } from './connection.js';
import type { GatewayContext } from './context.js';
import { dispatch } from './handlers/index.js';
import { carriesAuthCode, maskedHex } from './log-mask.js';

/** Bad frames per session whose hex is logged; later ones are only counted. */
const LOGGED_ERRORS = 5;
/** Before the first good frame a connection gets little patience: it may not be a terminal. */
const JUNK_BEFORE_FIRST_FRAME = 64;
/** Bad frames before the first good one: a terminal's retries of one rejected login, not more. */
const BAD_BEFORE_FIRST_FRAME = 8;
/**
 * Bytes of a read handed to the splitter at a time while a connection is suspect (no good
 * frame yet, or bad input since its last): a login frame, or about one frame of random bytes.
 */
const SUSPECT_SLICE = 256;
/** Other protocols knocking on the port: HTTP methods, TLS handshake, SSH banner. */
const FOREIGN = ['GET ', 'POST', 'HEAD', 'PUT ', 'OPTI', 'DELE', 'PATC', 'CONN', '\u0016\u0003', 'SSH-'];

/** Decode options per learnt edition, made once (a 2019 header announces itself). */
const DECODE_OPTIONS: Record<Edition, DecodeOptions | undefined> = { '2011': { edition: '2011' }, '2013': { edition: '2013' }, '2019': undefined };

export interface PendingCommand {
  msgId: number;
  /** Serials used by the command's frames (one per subpackage). */
  serials: Set<number>;
  replyIds: readonly number[];
  resolve: (reply: Message) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

let nextId = 1;

export class Session {
  readonly id = nextId++;
  /** Phone as the header carries it (leading zeros kept): used in every reply. */
  phone: string | undefined;
  /** Terminal identity (phone without leading zeros) once known. */
  terminal: string | undefined;
  device: Device | undefined;
  authenticated = false;
  edition: Edition = '2013';
  protocolVersion: number | undefined;
  closed = false;
  closeReason: CloseReason | undefined;
  readonly pending = new Map<number, PendingCommand>();
  /** auth.allowAnonymous, read once: frames of a session that has not logged in ask it. */
  readonly allowAnonymous: boolean;

  private serial = 0;
  private readonly splitter: FrameSplitter;
  private readonly reassembler: Reassembler;
  private junkSeen = 0;
  private junkSinceFrame = 0;
  private badSinceFrame = 0;
  private badLogged = 0;
  private goodFrames = 0;
  private readonly handshakeTimer: NodeJS.Timeout | undefined;
  private readonly idleTimer: NodeJS.Timeout;
  private reassemblyTimer: NodeJS.Timeout | undefined;
  /** The thresholds the per-chunk and per-frame paths compare with, read once per session. */
  private readonly limits: { junk: number; junkFirst: number; malformed: number; malformedFirst: number; reassemblyTimeoutMs: number };

  constructor(
    readonly gateway: GatewayContext,
    readonly connection: Connection,
  ) {
    const { jt808, auth, reassembly } = gateway.config;
    this.allowAnonymous = auth.allowAnonymous;
    this.limits = {
      junk: jt808.junkThreshold,
      junkFirst: Math.min(JUNK_BEFORE_FIRST_FRAME, jt808.junkThreshold),
      malformed: jt808.malformedThreshold,
      malformedFirst: Math.min(BAD_BEFORE_FIRST_FRAME, jt808.malformedThreshold),
      reassemblyTimeoutMs: reassembly.timeoutMs,
    };
    this.splitter = new FrameSplitter({ maxEscaped: jt808.maxFrameBytes });
    this.reassembler = new Reassembler({
      timeoutMs: reassembly.timeoutMs,
      maxRequests: reassembly.retries,
      maxPackets: reassembly.maxPackets,
      maxEntries: reassembly.maxEntries,
      maxBytes: reassembly.maxBytes,
      budget: gateway.reassemblyBudget,
      onEvict: () => gateway.metrics.reassembly.inc({ outcome: 'evicted' }),
    });
    const { guard } = gateway;
    this.idleTimer = setTimeout(guard.wrap('session-timer', () => this.close('idle')), jt808.idleTimeoutMs).unref();
    if (!auth.allowAnonymous) this.handshakeTimer = setTimeout(guard.wrap('session-timer', () => this.authenticated || this.close('handshake-timeout')), jt808.handshakeTimeoutMs).unref();
  }

  // ---- bytes in -------------------------------------------------------------------------

  /**
   * A chunk of a TCP stream (from the socket's data callback, or from the intake's immediate),
   * or a UDP datagram. What it throws is a bug reached by this terminal's bytes: reported, and
   * its connection closed; the gateway and every other session carry on.
   */
  feed(chunk: Buffer): void {
    if (this.closed) return;
    try {
      this.take(chunk);
    } catch (e) {
      const { guard } = this.gateway;
      guard.report('session-input', e);
      guard.wrap('session-input', () => this.close('internal-error'))();
    }
  }

  private take(chunk: Buffer): void {
    this.gateway.metrics.received(this.connection.transport, chunk.length);
    if (this.goodFrames === 0 && this.junkSeen === 0 && FOREIGN.some((p) => chunk.toString('latin1', 0, p.length) === p)) {
      this.gateway.metrics.junkBytes.inc(chunk.length);
      this.logBad('foreign protocol on the JT/T 808 port', chunk);
      this.close('junk');
      return;
    }
    // a suspect connection's read is split in slices so that closing it stops the work within
    // a slice, not at the end of a 64 KB read of junk (each bad frame costs an error object)
    for (let from = 0; from < chunk.length && !this.closed; ) {
      const suspect = this.goodFrames === 0 || this.junkSinceFrame > 0 || this.badSinceFrame > 0;
      const to = suspect ? Math.min(chunk.length, from + SUSPECT_SLICE) : chunk.length;
      this.split(from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to));
      from = to;
    }
    // a datagram holds whole frames: one left open at its end is junk, not the next datagram's start
    if (this.connection.transport === 'udp' && this.splitter.buffered > 0) {
      this.gateway.metrics.junkBytes.inc(this.splitter.buffered);
      this.splitter.reset();
    }
  }

  private split(chunk: Buffer): void {
    this.splitter.push(chunk, this.onFrame, this.onFrameError);
    const junk = this.splitter.junkBytes - this.junkSeen;
    if (junk > 0) {
      this.junkSeen = this.splitter.junkBytes;
      this.junkSinceFrame += junk;
      this.gateway.metrics.junkBytes.inc(junk);
      const limit = this.goodFrames === 0 ? this.limits.junkFirst : this.limits.junk;
      if (this.junkSinceFrame > limit) {
        this.logBad(`${this.junkSinceFrame} bytes outside frames`, chunk);
        this.close('junk');
      }
    }
  }

  private readonly onFrame = (data: Buffer): void => {
    if (this.closed) return;
    this.receive(decodeFrame(data, DECODE_OPTIONS[this.edition]), data);
  };

  private readonly onFrameError = (error: Jt808Error, raw: Buffer): void => {
    if (this.closed) return;
    this.rejectFrame(error, raw);
  };

  /** One decoded frame. */
  private receive(result: DecodeResult, raw: Buffer): void {
    if (this.closed) return;
    if (!result.ok) {
      this.rejectFrame(result.error, raw);
      // 2013 §8.1 result 2: the header parsed, so the terminal can be told which message was bad
      if (result.header) this.ack(result.header, RESULT.malformed, 'malformed');
      return;
    }
    const message = result.message;
    this.goodFrames++;
    this.junkSinceFrame = 0;
    this.badSinceFrame = 0;
    this.idleTimer.refresh();
    this.gateway.metrics.frameIn(message.msgId);
    // one identity per connection (issue 14 §6): once this is a terminal's session, a frame
    // naming another phone is not that terminal's to send, and nothing of it is kept
    if (message.phone !== this.phone && this.terminal !== undefined && this.gateway.sessionOf(this.terminal) === this && terminalId(message.phone) !== this.terminal) {
      this.ack(message, RESULT.fail, 'phone-mismatch');
      return;
    }
    if (!('part' in message)) this.dispatch(message);
    // parts are only held for terminals that logged in: a stranger cannot fill our memory
    else if (this.authenticated || this.allowAnonymous) this.addPart(message);
    else this.ack(message, RESULT.fail, 'unauthenticated');
  }

  /** `bodyOf`: `raw` is the body of a reassembled message with this ID, not a frame. */
  private rejectFrame(error: Jt808Error, raw: Buffer, bodyOf?: number): void {
    this.gateway.metrics.decodeErrors.inc({ reason: error.code });
    this.logBad(error.message, raw, bodyOf !== undefined && carriesAuthCode(bodyOf));
    const limit = this.goodFrames === 0 ? this.limits.malformedFirst : this.limits.malformed;
    if (++this.badSinceFrame > limit) this.close('malformed');
  }

  /** Logs bad input's hex (auth codes masked: log-mask.ts); `secret`: the whole of `raw` is a code's body. */
  private logBad(what: string, raw: Buffer, secret = false): void {
    if (this.badLogged >= LOGGED_ERRORS) return;
    this.badLogged++;
    const hex = secret ? `<${raw.length} bytes masked>` : maskedHex(raw);
    this.gateway.log.warn({ session: this.id, remote: this.connection.remote, terminal: this.terminal, hex, more: this.badLogged === LOGGED_ERRORS ? 'further bad frames of this session are only counted' : undefined }, what);
  }

  private dispatch(message: Message): void {
    try {
      const done = dispatch(this, message);
      if (done) {
        this.inFlight.add(done);
        done.then(
          () => this.inFlight.delete(done),
          (e: unknown) => {
            this.inFlight.delete(done);
            this.handlerFailed(message, e);
          },
        );
      }
    } catch (e) {
      this.handlerFailed(message, e);
    }
  }

  /** Handlers still at work (locations waiting on the sinks), as of now. */
  private readonly inFlight = new Set<Promise<void>>();

  /** Resolves once every handler started before this call has finished (and answered). */
  async drained(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private handlerFailed(message: Message, e: unknown): void {
    if (this.closed) return;
    this.gateway.log.error({ err: e, session: this.id, terminal: this.terminal, msgId: hexId(message.msgId) }, 'handler failed');
    this.ack(message, RESULT.fail, 'handler-error');
  }

  // ---- subpackages ----------------------------------------------------------------------

  private addPart(part: MessagePart): void {
    const isMedia = part.msgId === 0x0801;
    const r = this.reassembler.add(part, Date.now());
    switch (r.state) {
      case 'invalid':
        this.gateway.metrics.reassembly.inc({ outcome: 'invalid' });
        this.ack(part, RESULT.malformed, 'bad-packet');
        return;
      case 'refused':
        // too many packets: the message is wrong (result 2); no room: try again later (result 1)
        this.gateway.metrics.reassembly.inc({ outcome: r.reason });
        this.ack(part, r.reason === 'too-many-packets' ? RESULT.malformed : RESULT.fail, r.reason);
        return;
      case 'duplicate':
      case 'pending':
        // each packet is answered as it arrives (except media: 0x8800 answers the whole upload)
        if (!isMedia) this.ack(part, RESULT.ok);
        this.armReassembly();
        return;
      case 'complete':
        this.gateway.metrics.reassembly.inc({ outcome: 'complete' });
        if (!r.result.ok) {
          this.rejectFrame(r.result.error, part.part, part.msgId);
          if (r.result.header) this.ack(r.result.header, RESULT.malformed, 'malformed');
          return;
        }
        // the whole message is answered under the serial of the part that completed it: every
        // part gets exactly one 0x8001, the last one only once the message is handled (stored)
        this.dispatch({ ...(r.result.message as Message), serial: part.serial });
    }
  }

  private armReassembly(): void {
    if (this.reassemblyTimer || this.closed) return;
    this.reassemblyTimer = setTimeout(
      this.gateway.guard.wrap('reassembly-timer', () => {
        this.reassemblyTimer = undefined;
        for (const inc of this.reassembler.expire(Date.now())) this.requestMissing(inc);
        if (this.reassembler.pending > 0) this.armReassembly();
      }),
      this.limits.reassemblyTimeoutMs,
    ).unref();
  }

  /**
   * 2013 §8.4 0x8003 (or §8.50 0x8800 for multimedia): ask for the packets that did not come,
   * in as many messages as the list needs: the count is a BYTE (2019 0x8003: a WORD, but the
   * body must fit one frame), while the total, and so the list (up to reassembly.maxPackets - 1
   * IDs), is the terminal's choice. One list that did not fit threw in this timer and ended the process.
   */
  private requestMissing(inc: Incomplete): void {
    if (inc.dropped) {
      this.gateway.metrics.reassembly.inc({ outcome: 'dropped' });
      this.gateway.log.warn({ session: this.id, terminal: this.terminal, msgId: hexId(inc.msgId), total: inc.total, missing: inc.missing.length }, 'subpackaged message given up');
      return;
    }
    this.gateway.metrics.reassembly.inc({ outcome: 'requested' });
    // a 0x0801 upload's media ID is in its packet 1; without it, 0x8003 is all we can send
    const mediaId = inc.msgId === 0x0801 && inc.firstPart && inc.firstPart.length >= 4 ? inc.firstPart.readUInt32BE(0) : undefined;
    const per = mediaId !== undefined ? UPLOAD_ANSWER_MAX_IDS : retransmitIdsPerMessage(inc.header.version);
    for (let from = 0; from < inc.missing.length; from += per) {
      const ids = inc.missing.slice(from, from + per);
      if (mediaId !== undefined) this.send(0x8800, { mediaId, retransmitIds: ids }, inc.header);
      else this.send(0x8003, { origSerial: inc.firstSerial, packetIds: ids }, inc.header);
    }
  }

  // ---- bytes out ------------------------------------------------------------------------

  /** The platform's serial counter (2013 §4.4.3: from 0, wraps). */
  nextSerial(count = 1): number {
    const s = this.serial;
    this.serial = (this.serial + count) & 0xffff;
    return s;
  }

  /**
   * Encodes and writes a platform message; subpackaged when its body exceeds 1023 bytes.
   * Replies take their edition and phone from the message they answer. Returns the serials used.
   */
  send(msgId: number, body: object, replyTo?: Pick<Header, 'version' | 'phone' | 'protocolVersion'>): number[] {
    const version = replyTo?.version ?? this.edition;
    const phone = replyTo?.phone ?? this.phone ?? '0';
    const protocolVersion = version === '2019' ? (replyTo?.protocolVersion ?? this.protocolVersion ?? 1) : undefined;
    const frames = encodeParts({ msgId, version, phone, serial: this.serial, ...(protocolVersion !== undefined ? { protocolVersion } : {}), body });
    const first = this.nextSerial(frames.length);
    let bytes = 0;
    for (const f of frames) {
      this.connection.write(f);
      bytes += f.length;
    }
    this.gateway.metrics.replied(this.connection.transport, msgId, frames.length, bytes);
    return frames.map((_, i) => (first + i) & 0xffff);
  }

  /** 0x8001 platform general response (2013 §8.2) to `message`. */
  ack(message: Header, result: number, refusal?: Refusal): void {
    if (this.closed) return;
    if (refusal) this.gateway.metrics.refusals.inc({ reason: refusal });
    this.send(0x8001, { ackSerial: message.serial, ackMsgId: message.msgId, result }, message);
  }

  /** Hands events to the sinks; resolves when they are safe. */
  publish(events: Parameters<GatewayContext['publish']>[1]): Promise<void> {
    return this.gateway.publish(this, events);
  }

  // ---- downlink commands ----------------------------------------------------------------

  /** Sends a command (throws when it cannot be encoded) and waits for the reply carrying one of its serials. */
  command(msgId: number, body: object, replyIds: readonly number[], timeoutMs: number): Promise<Message> {
    if (this.closed) return Promise.reject(new OfflineError('session closed'));
    // encoding errors throw here, synchronously: a bad body is the caller's 400, not a timeout
    const serials = new Set(this.send(msgId, body));
    const first = serials.values().next().value!;
    return new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(first);
        reject(new Error(`no reply to ${hexId(msgId)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(first, { msgId, serials, replyIds, resolve, reject, timer });
    });
  }

  /** A terminal reply (0x0001, 0x0104, 0x0201, 0x0805, ...): resolves the command it answers. */
  settle(reply: Message, ackSerial: number, ackMsgId?: number): boolean {
    for (const [key, p] of this.pending) {
      if (!p.serials.has(ackSerial) || !p.replyIds.includes(reply.msgId)) continue;
      if (ackMsgId !== undefined && ackMsgId !== p.msgId) continue;
      clearTimeout(p.timer);
      this.pending.delete(key);
      p.resolve(reply);
      return true;
    }
    return false;
  }

  // ---- state ----------------------------------------------------------------------------

  /** Learns who is at the other end from a header (phone, registry entry). */
  identify(header: Pick<Header, 'phone' | 'version' | 'protocolVersion'>): void {
    this.phone = header.phone;
    if (header.version === '2019') {
      this.edition = '2019';
      this.protocolVersion = header.protocolVersion;
    }
    const terminal = terminalId(header.phone);
    // another terminal than before only while none is logged in here (receive refuses the rest)
    if (terminal === this.terminal) return;
    this.terminal = terminal;
    this.device = this.gateway.registry.lookup(terminal) ?? { terminal, category: 'unknown', org: '' };
  }

  /** Why reading is stopped: the sinks are full (pause/resume), the intake holds data (holdReading). */
  private stoppedFor = { sinks: false, intake: false };

  pause(): void {
    this.stopReading('sinks', true);
  }

  resume(): void {
    this.stopReading('sinks', false);
  }

  holdReading(held: boolean): void {
    this.stopReading('intake', held);
  }

  private stopReading(reason: 'sinks' | 'intake', stop: boolean): void {
    const before = this.stoppedFor.sinks || this.stoppedFor.intake;
    this.stoppedFor[reason] = stop;
    const after = this.stoppedFor.sinks || this.stoppedFor.intake;
    if (after && !before) this.connection.pause();
    else if (!after && before && !this.closed) this.connection.resume();
  }

  /** Idempotent: clears every timer, pending command and partial message, closes the transport. */
  close(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    clearTimeout(this.idleTimer);
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.reassemblyTimer);
    this.splitter.reset();
    this.reassembler.clear();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new OfflineError(`session closed (${reason})`));
    }
    this.pending.clear();
    this.connection.close(ABUSE.has(reason));
    this.gateway.detach(this, reason);
  }
}
