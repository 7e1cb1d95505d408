/**
 * What a session needs from its transport, and nothing more: write a frame, pause and resume
 * reading, close. TCP wraps a socket (or any Duplex: tests use duplexPair); UDP writes
 * datagrams to the address the terminal last sent from.
 */
import type { Duplex } from 'node:stream';

export interface Connection {
  readonly transport: 'tcp' | 'udp';
  /** "ip:port" for logs. */
  readonly remote: string;
  readonly ip: string;
  /** The address the terminal reached us on (TCP: the socket's local address), when known: where 0x9208 sends it by default. */
  readonly localAddress?: string | undefined;
  write(frame: Buffer): void;
  pause(): void;
  resume(): void;
  /** `abort`: drop the connection at once, unread input and unsent replies with it (abuse). */
  close(abort?: boolean): void;
}

/** Unread bytes a terminal may leave in our send buffer before it is judged dead. */
const MAX_UNSENT = 256 * 1024;

export class StreamConnection implements Connection {
  readonly transport = 'tcp' as const;
  readonly remote: string;
  readonly localAddress: string | undefined;
  constructor(
    private readonly stream: Duplex,
    readonly ip: string,
    port: number | undefined,
  ) {
    this.remote = port === undefined ? ip : `${ip}:${port}`;
    // a net.Socket has one; a duplexPair end (tests) has none
    this.localAddress = (stream as Duplex & { localAddress?: string }).localAddress;
  }

  write(frame: Buffer): void {
    if (this.stream.destroyed || !this.stream.writable) return;
    // a terminal that stops reading must not make the gateway hold its replies forever
    if (this.stream.writableLength > MAX_UNSENT) {
      this.stream.destroy();
      return;
    }
    // replies produced while one read is handled (a window of reports -> a window of 0x8001s)
    // leave in one writev at the end of the turn instead of one syscall each
    if (this.stream.writableCorked === 0) {
      this.stream.cork();
      setImmediate(this.uncork);
    }
    this.stream.write(frame);
  }

  private readonly uncork = (): void => void this.stream.uncork();

  pause(): void {
    this.stream.pause();
  }

  resume(): void {
    this.stream.resume();
  }

  close(abort = false): void {
    if (this.stream.destroyed) return;
    // an abusive peer keeps writing until it sees our FIN: reading it all only to drop it
    // costs more than the reset
    if (abort) {
      // replies already written this turn (answers to its good frames) still go: the kernel
      // takes them at once, before the reset
      this.stream.uncork();
      this.stream.destroy();
      return;
    }
    this.stream.end();
    // give the last reply a moment to leave, then make sure the socket is gone
    setTimeout(() => this.stream.destroy(), 1000).unref();
  }
}
