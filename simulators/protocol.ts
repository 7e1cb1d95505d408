/**
 * The JT/T 808 client of one terminal, over whichever link is current: numbers and encodes
 * frames, decodes what comes back, times the frames the platform acknowledges (0x8001 ->
 * latency), lets a caller wait for one answer, and runs the login (0x0100 registration when
 * it has no auth code, 0x0102 authentication) and the logout (0x0003). The serial number and
 * the auth code outlive a link, as on a real terminal; what to do about a lost link is the
 * caller's.
 */
import { performance } from 'node:perf_hooks';
import { FrameSplitter, decodeFrame, encode, encodeParts } from '../decoders/index.js';
import type { Message, OutgoingMessage } from '../decoders/index.js';
import type { Link } from './link.js';
import type { TerminalSpec } from './spec.js';
import type { Stats } from './stats.js';

interface Waiter {
  match: (m: Message) => boolean;
  resolve: (m: Message | undefined) => void;
  timer: NodeJS.Timeout;
}

export interface ProtocolOptions {
  stats: Stats;
  /** How long to wait for an answer (registration, authentication, logout). */
  replyTimeoutMs: number;
  /** Every uplink frame as written (for --record). */
  record?: (phone: string, frame: Buffer) => void;
  /** A downlink no waiter took: platform commands and upload answers. */
  downlink(m: Message): void;
}

export class ProtocolClient {
  private link: Link | undefined;
  private serial = 0;
  private authCode = '';
  private readonly splitter = new FrameSplitter();
  private waiters: Waiter[] = [];
  /** serial -> send time (performance.now), for frames the platform answers with 0x8001. */
  private readonly inflight = new Map<number, number>();
  private readonly version2019: { protocolVersion: number } | object;

  constructor(
    private readonly spec: TerminalSpec,
    private readonly options: ProtocolOptions,
  ) {
    this.version2019 = spec.edition === '2019' ? { protocolVersion: 1 } : {};
  }

  get linked(): boolean {
    return this.link !== undefined;
  }

  /** Timed frames not yet acknowledged. */
  get unanswered(): number {
    return this.inflight.size;
  }

  attach(link: Link): void {
    this.link = link;
  }

  /** The link is gone (closed by us or the peer): whoever waits for an answer gets none. */
  detach(): void {
    this.link = undefined;
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) {
      clearTimeout(w.timer);
      w.resolve(undefined);
    }
  }

  /** We close the link ourselves (its close event is the caller's to ignore). */
  close(): void {
    this.link?.close();
    this.detach();
  }

  /** Answers to frames of a lost link will not come: they are not waited for. */
  forgetInflight(): void {
    this.inflight.clear();
  }

  // ---------------------------------------------------------------- login and logout

  /** Registers if needed and authenticates; registers again once if the code is refused. Throws with the reason. */
  async login(): Promise<void> {
    if (!this.authCode) await this.register();
    let result = await this.authenticate();
    if (result !== 0) {
      await this.register();
      result = await this.authenticate();
    }
    if (result !== 0) throw new Error(`auth-refused:${result}`);
  }

  /** 0x0003, untimed: every terminal logs out at the same moment, and that storm's answers
   * (measured: up to 650 ms for 10,000 at once) were 29% of the latency samples of a 20 s
   * nominal run. Resolves when answered; throws 'logout-timeout'. */
  async logout(): Promise<void> {
    const serial = this.send(0x0003, {}, false);
    await this.expect((d) => isAckOf(d, serial), 'logout-timeout');
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

  /** The next downlink `match` takes (before the general handler sees it); rejects with `timeoutReason` when none comes in time or the link goes. */
  expect(match: (m: Message) => boolean, timeoutReason: string): Promise<Message> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (m) => (m ? resolve(m) : reject(new Error(timeoutReason))),
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(timeoutReason));
        }, this.options.replyTimeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  // ---------------------------------------------------------------- frames out

  /** Encodes and writes one frame; `timed` ones are waited for and measured. Returns its serial. */
  send(msgId: number, body: object, timed: boolean): number {
    const serial = this.serial;
    this.serial = (this.serial + 1) & 0xffff;
    this.write(msgId, encode(this.message(msgId, serial, body)));
    if (timed) this.inflight.set(serial, performance.now());
    return serial;
  }

  /** A body split into subpackages (a serial each), written in order. */
  sendParts(msgId: number, body: object): { firstSerial: number; frames: Buffer[] } {
    const firstSerial = this.serial;
    const frames = encodeParts(this.message(msgId, firstSerial, body));
    this.serial = (this.serial + frames.length) & 0xffff;
    for (const f of frames) this.write(msgId, f);
    return { firstSerial, frames };
  }

  /** A frame written before, again as it was (a retransmitted subpackage). */
  write(msgId: number, frame: Buffer): void {
    if (!this.link) return;
    this.link.write(frame);
    this.options.stats.sent(msgId, frame.length);
    this.options.record?.(this.spec.phone, frame);
  }

  private message(msgId: number, serial: number, body: object): OutgoingMessage {
    return { msgId, version: this.spec.edition, phone: this.spec.phone, serial, ...this.version2019, body };
  }

  // ---------------------------------------------------------------- frames in

  /** Bytes from the link (any link of this terminal: the splitter keeps a frame cut across chunks). */
  onBytes(chunk: Buffer): void {
    const { stats } = this.options;
    stats.bytesIn += chunk.length;
    this.splitter.push(
      chunk,
      (frame) => {
        const r = decodeFrame(frame, this.spec.edition === '2019' ? {} : { edition: this.spec.edition });
        if (!r.ok) return stats.error(`downlink-${r.error.code}`);
        if ('part' in r.message) return stats.error('downlink-subpackaged');
        // a command the answering code did not expect must not throw out of the socket's handler:
        // one process runs thousands of terminals, and an uncaught throw ends them all
        try {
          this.onDownlink(r.message);
        } catch {
          stats.error(`downlink-0x${r.message.msgId.toString(16).padStart(4, '0')}-unreadable`);
        }
      },
      (e) => stats.error(`downlink-${e.code}`),
    );
  }

  private onDownlink(m: Message): void {
    const { stats } = this.options;
    stats.reply(m.msgId);
    if (m.msgId === 0x8001) {
      const { ackSerial, ackMsgId, result } = m.body as { ackSerial: number; ackMsgId: number; result: number };
      const sentAt = this.inflight.get(ackSerial);
      if (sentAt !== undefined) {
        this.inflight.delete(ackSerial);
        stats.latency.record((performance.now() - sentAt) * 1000);
      }
      // 0 accepted, 4 alarm confirmed (an acceptance too); anything else refused
      if (result === 0 || result === 4) stats.acked(ackMsgId);
      else stats.error(`nack:${result}`);
    }
    const i = this.waiters.findIndex((w) => w.match(m));
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      clearTimeout(w!.timer);
      w!.resolve(m);
      return;
    }
    this.options.downlink(m);
  }
}

function isAckOf(m: Message, serial: number): boolean {
  return m.msgId === 0x8001 && (m.body as { ackSerial: number }).ackSerial === serial;
}

/** The terminal ID it registers with (7 characters: also the one its Su-biao alarm identifiers carry). */
export function terminalIdOf(spec: TerminalSpec): string {
  return `S${spec.phone.slice(-6)}`;
}

/** 0x0100: the registration codec sizes the fields for the edition. */
function registrationBody(spec: TerminalSpec): object {
  const id = spec.phone.slice(-7);
  return { provinceId: 42, cityId: 100, makerId: 'DIPSM', model: spec.kind === 'vehicle' ? 'SIM-V808' : 'SIM-BWC', terminalId: terminalIdOf(spec), plateColor: spec.plate ? 1 : 0, plate: spec.plate ?? `BWC${id}` };
}
