/**
 * A terminal's connection to the attachment port (T/JSATL12 §5.5-5.6) for tests: 808 frames made
 * with the codec's encoder (as a simulator would), file-data frames laid out here by hand from the
 * standard (magic 30 31 63 64, name BYTE[50] zero-padded, offset DWORD, length DWORD, data), so the
 * gateway's splitter is checked against the layout, not against itself. Downlinks are decoded and
 * awaited with `next`, as TestTerminal's.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { FrameSplitter, decodeFrame, encode } from '../../../decoders/index.js';
import type { Message } from '../../../decoders/index.js';

/** One file-data frame, by hand: `length` is what the header says (a lie when a test wants one). */
export function dataFrame(name: string, offset: number, data: Buffer, length = data.length): Buffer {
  const head = Buffer.alloc(62);
  head.write('01cd', 0, 'latin1'); // 30 31 63 64
  head.write(name, 4, 50, 'latin1'); // ASCII names in these tests; the rest stays 0x00
  head.writeUInt32BE(offset, 54);
  head.writeUInt32BE(length, 58);
  return Buffer.concat([head, data]);
}

export class AttachmentClient {
  private serial = 0;
  readonly received: Message[] = [];
  private waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void; fail: (e: Error) => void }[] = [];
  private readonly splitter = new FrameSplitter();
  closed = false;

  private constructor(
    private readonly socket: Socket,
    readonly phone: string,
  ) {
    socket.on('data', (chunk) =>
      this.splitter.push(
        chunk,
        (data) => {
          const r = decodeFrame(data);
          if (!r.ok || 'part' in r.message) throw new Error('the attachment server sent a bad frame');
          this.deliver(r.message);
        },
        (e) => {
          throw new Error(`the attachment server sent a bad frame: ${e.message}`);
        },
      ),
    );
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w.fail(new Error(`connection closed (received: ${this.received.map((m) => m.msgId.toString(16)).join(',')})`));
    });
    socket.on('error', () => undefined);
  }

  static open(port: number, phone: string): Promise<AttachmentClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(new AttachmentClient(socket, phone)));
      socket.once('error', reject);
    });
  }

  private deliver(m: Message): void {
    const i = this.waiters.findIndex((w) => w.match(m));
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
    else this.received.push(m);
  }

  /** The next downlink with this ID (or matching); fails once the connection is closed. */
  next(match: number | ((m: Message) => boolean)): Promise<Message> {
    const fn = typeof match === 'number' ? (m: Message) => m.msgId === match : match;
    const i = this.received.findIndex(fn);
    if (i >= 0) return Promise.resolve(this.received.splice(i, 1)[0]!);
    if (this.closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, fail) => this.waiters.push({ match: fn, resolve, fail }));
  }

  /** Resolves once the server has closed the connection. */
  gone(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  /** Sends an 808 message; returns its serial. */
  send(msgId: number, body: object): number {
    const serial = this.serial++;
    this.socket.write(encode({ msgId, version: '2013', phone: this.phone, serial, body }));
    return serial;
  }

  /** The 0x8001 answering `serial`: its result. */
  async ackOf(serial: number): Promise<number> {
    const m = (await this.next((d) => d.msgId === 0x8001 && (d.body as { ackSerial: number }).ackSerial === serial)) as Message<{ result: number }>;
    return m.body.result;
  }

  /** 0x1212 for a file, and the 0x9212 answering it. */
  async done(name: string, fileType: number, size: number): Promise<{ result: number; resend: { offset: number; length: number }[] }> {
    this.send(0x1212, { name, fileType, size });
    const m = (await this.next((d) => d.msgId === 0x9212 && (d.body as { name: string }).name === name)) as Message<{ result: number; resend: { offset: number; length: number }[] }>;
    return m.body;
  }

  /** `bytes` as data frames of `frameBytes`, skipping those starting at the offsets in `withhold`. */
  sendData(name: string, bytes: Buffer, frameBytes: number, withhold: number[] = []): void {
    for (let offset = 0; offset < bytes.length; offset += frameBytes) {
      if (withhold.includes(offset)) continue;
      this.socket.write(dataFrame(name, offset, bytes.subarray(offset, offset + frameBytes)));
    }
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }
}
