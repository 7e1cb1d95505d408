/**
 * JT/T 808 over UDP: one datagram may carry several frames (never half of one); a "session"
 * is keyed by the terminal's phone, and replies go to the address its last datagram came
 * from (NAT may move it). UDP cannot be paused: under backpressure datagrams keep being
 * handled (the queue grows past its high-water mark rather than dropping anything), and the
 * terminal's own retransmission covers what the network loses.
 */
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { FrameSplitter, decodeFrame } from '../../decoders/index.js';
import type { Gateway } from '../gateway.js';
import type { Connection } from '../session/connection.js';

class UdpConnection implements Connection {
  readonly transport = 'udp' as const;
  ip: string;
  remote: string;
  private port: number;
  constructor(
    private readonly socket: Socket,
    from: RemoteInfo,
  ) {
    this.ip = from.address;
    this.port = from.port;
    this.remote = `${from.address}:${from.port}`;
  }

  /** The terminal's latest address. */
  from(info: RemoteInfo): void {
    if (info.address === this.ip && info.port === this.port) return;
    this.ip = info.address;
    this.port = info.port;
    this.remote = `${info.address}:${info.port}`;
  }

  write(frame: Buffer): void {
    try {
      this.socket.send(frame, this.port, this.ip, () => undefined);
    } catch {
      // socket closed during shutdown: the terminal will ask again
    }
  }

  pause(): void {}
  resume(): void {}
  close(): void {}
}

export interface UdpListener {
  readonly port: number;
  close(): Promise<void>;
}

export function listenUdp(gateway: Gateway, port: number, host: string): Promise<UdpListener> {
  const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });
  const { metrics, config } = gateway;
  socket.on(
    'message',
    gateway.guard.wrap('udp-message', (datagram: Buffer, info: RemoteInfo) => {
      metrics.received('udp', datagram.length);
      const splitter = new FrameSplitter({ maxEscaped: config.jt808.maxFrameBytes });
      splitter.push(
        datagram,
        (data) => {
          const result = decodeFrame(data);
          const phone = result.ok ? result.message.phone : result.header?.phone;
          if (phone === undefined) {
            metrics.decodeErrors.inc({ reason: result.ok ? 'unknown' : result.error.code });
            return;
          }
          const session = gateway.udpSession(phone, () => new UdpConnection(socket, info));
          if (!session) return;
          (session.connection as UdpConnection).from(info);
          session.receive(result, data);
        },
        (error) => metrics.decodeErrors.inc({ reason: error.code }),
      );
      if (splitter.junkBytes > 0) metrics.junkBytes.inc(splitter.junkBytes);
    }),
  );
  socket.on('error', (err) => gateway.log.error({ err }, 'JT/T 808 UDP socket error'));
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve({
        port: socket.address().port,
        close: () => new Promise<void>((r) => socket.close(() => r())),
      });
    });
  });
}
