/**
 * A test terminal built on the codec (encode + FrameSplitter + decodeFrame), over TCP or UDP:
 * sends uplinks with its own serial counter and collects the platform's downlinks, which a
 * test awaits with `next(msgId)`.
 */
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { FrameSplitter, decodeFrame, encode, encodeParts } from '../../../decoders/index.js';
import type { Edition, Message, MessagePart } from '../../../decoders/index.js';

export type Downlink = Message | MessagePart;

export interface TerminalOptions {
  phone?: string;
  version?: Edition;
  /**
   * TCP: bytes written first, before any frame, made from the connection's own addresses (a
   * PROXY protocol header, as a balancer in front would send it: test/helpers/proxy-header.ts).
   */
  header?: (local: { address: string; port: number }, remote: { address: string; port: number }) => Buffer;
}

export class TestTerminal {
  readonly phone: string;
  readonly version: Edition;
  serial = 0;
  readonly received: Downlink[] = [];
  /** Every downlink as framed (unescaped, flags and check byte removed: header and body), for tests that read its bytes. */
  readonly raw: Buffer[] = [];
  private waiters: { match: (m: Downlink) => boolean; resolve: (m: Downlink) => void; fail: () => void }[] = [];
  private readonly splitter = new FrameSplitter();
  closed = false;
  /** TCP: the connection's local port (what a balancer in front would see as the terminal's). */
  localPort: number | undefined;

  private constructor(
    private readonly write: (frame: Buffer) => void,
    private readonly end: () => void,
    options: TerminalOptions,
  ) {
    this.phone = options.phone ?? '013912345678';
    this.version = options.version ?? '2013';
  }

  static tcp(port: number, options: TerminalOptions = {}): Promise<TestTerminal> {
    return new Promise((resolve, reject) => {
      const socket: Socket = connect(port, '127.0.0.1');
      const term = new TestTerminal(
        (f) => socket.write(f),
        () => socket.destroy(),
        options,
      );
      socket.on('data', (chunk) => term.onBytes(chunk));
      socket.on('close', () => term.gone());
      socket.on('error', () => undefined);
      socket.once('connect', () => {
        term.localPort = socket.localPort;
        if (options.header) socket.write(options.header({ address: socket.localAddress!, port: socket.localPort! }, { address: socket.remoteAddress!, port: socket.remotePort! }));
        resolve(term);
      });
      socket.once('error', reject);
    });
  }

  static udp(port: number, options: TerminalOptions = {}): Promise<TestTerminal> {
    const socket: UdpSocket = createSocket('udp4');
    const term = new TestTerminal(
      (f) => socket.send(f, port, '127.0.0.1'),
      () => socket.close(),
      options,
    );
    socket.on('message', (d) => term.onBytes(d));
    return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve(term)));
  }

  private onBytes(chunk: Buffer): void {
    this.splitter.push(
      chunk,
      (data) => {
        this.raw.push(Buffer.from(data));
        const r = decodeFrame(data, { edition: this.version === '2019' ? undefined : this.version } as never);
        if (!r.ok) throw new Error(`platform sent a bad frame: ${r.error.message}`);
        this.deliver(r.message);
      },
      (e) => {
        throw new Error(`platform sent a bad frame: ${e.message}`);
      },
    );
  }

  private deliver(m: Downlink): void {
    const i = this.waiters.findIndex((w) => w.match(m));
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
    else this.received.push(m);
  }

  /**
   * The next downlink with this ID (or matching), already received or still to come. No deadline
   * (a busy machine answers late; tap's timeout bounds the file): it fails only once the
   * connection is closed, when nothing more can come.
   */
  next(match: number | ((m: Downlink) => boolean)): Promise<Downlink> {
    const fn = typeof match === 'number' ? (m: Downlink) => m.msgId === match : match;
    const i = this.received.findIndex(fn);
    if (i >= 0) return Promise.resolve(this.received.splice(i, 1)[0]!);
    const closed = () => new Error(`connection closed before a downlink matching ${String(match)} (received: ${this.received.map((m) => m.msgId.toString(16)).join(',')})`);
    if (this.closed) return Promise.reject(closed());
    return new Promise((resolve, reject) => this.waiters.push({ match: fn, resolve, fail: () => reject(closed()) }));
  }

  private gone(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.fail();
  }

  /** The 0x8001 answering `serial`. */
  async ackOf(serial: number): Promise<{ ackSerial: number; ackMsgId: number; result: number }> {
    const m = (await this.next((d) => d.msgId === 0x8001 && (d as Message<{ ackSerial: number }>).body.ackSerial === serial)) as Message<{ ackSerial: number; ackMsgId: number; result: number }>;
    return m.body;
  }

  frame(msgId: number, body: object, serial = this.nextSerial()): Buffer {
    return encode({ msgId, version: this.version, phone: this.phone, serial, ...(this.version === '2019' ? { protocolVersion: 1 } : {}), body });
  }

  nextSerial(): number {
    const s = this.serial;
    this.serial = (this.serial + 1) & 0xffff;
    return s;
  }

  /** Sends a message; returns its serial. */
  send(msgId: number, body: object): number {
    const serial = this.nextSerial();
    this.write(this.frame(msgId, body, serial));
    return serial;
  }

  /** Sends a message as subpackages of `maxBody` bytes, skipping the packet indexes in `lose`. */
  sendParts(msgId: number, body: object, maxBody: number, lose: number[] = []): { serial: number; frames: Buffer[] } {
    const serial = this.serial;
    const frames = encodeParts({ msgId, version: this.version, phone: this.phone, serial, body }, maxBody);
    this.serial = (this.serial + frames.length) & 0xffff;
    frames.forEach((f, i) => lose.includes(i + 1) || this.write(f));
    return { serial, frames };
  }

  writeRaw(bytes: Buffer): void {
    this.write(bytes);
  }

  /** 0x0100 (fields over `registrationBody()`) -> 0x8100: returns result and auth code. */
  async register(over: object = {}): Promise<{ serial: number; result: number; authCode: string }> {
    this.send(0x0100, { ...registrationBody(), ...over });
    const { body } = (await this.next(0x8100)) as Message<{ ackSerial: number; result: number; authCode?: string }>;
    return { serial: body.ackSerial, result: body.result, authCode: body.authCode ?? '' };
  }

  /** 0x0102 -> 0x8001 result. */
  async authenticate(code: string): Promise<number> {
    const serial = this.send(0x0102, authBody(this.version, code));
    return (await this.ackOf(serial)).result;
  }

  async login(over: object = {}): Promise<void> {
    const { result: registered, authCode } = await this.register(over);
    if (registered !== 0) throw new Error(`registration refused: ${registered}`);
    const result = await this.authenticate(authCode);
    if (result !== 0) throw new Error(`authentication refused: ${result}`);
  }

  close(): void {
    if (!this.closed) this.end();
    this.gone();
  }
}

/** 0x0100 (2013 §8.5): the registration codec picks the field widths of the edition. */
export function registrationBody(): object {
  return { provinceId: 42, cityId: 100, makerId: 'DPR01', model: 'TEST-1', terminalId: 'T000001', plateColor: 1, plate: 'E-A12345' };
}

/** 0x0102 (2013 §8.8; 2019 adds IMEI and software version). */
export function authBody(version: Edition, code: string): object {
  return version === '2019' ? { authCode: code, imei: '860000000000001', softwareVersion: '1.0' } : { authCode: code };
}

/** A 0x0200 body: fixed in Wuhan at the given time, alarm/status as given. */
export function locationBody(over: Partial<{ alarm: number; status: number; lat: number; lng: number; time: string; speed: number }> = {}): object {
  return {
    alarm: over.alarm ?? 0,
    status: over.status ?? 0x3, // ACC on, fixed
    lat: over.lat ?? 30.583,
    lng: over.lng ?? 114.271,
    altitude: 23,
    speed: over.speed ?? 36.5,
    heading: 90,
    time: over.time ?? new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(),
    alarms: [],
    flags: [],
    extras: {},
  };
}
