/**
 * JT/T 808 over UDP: one datagram may carry several frames (never half of one). A "session"
 * is the source address and port (gateway.datagram): what logged in from there, answered
 * there; a terminal whose address changes (NAT) is a new session and authenticates again.
 * Datagrams go through the same Session.feed as TCP reads (edition, junk and foreign-protocol
 * guards). UDP cannot be paused: the kernel's receive buffer drops what the gateway cannot
 * take, and the terminal's own retransmission covers it.
 */
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import type { Gateway } from '../gateway.js';
import type { Connection } from '../session/connection.js';

class UdpConnection implements Connection {
  readonly transport = 'udp' as const;
  readonly ip: string;
  /** "address:port", the gateway's key for this session. */
  readonly remote: string;
  private readonly port: number;
  constructor(
    private readonly socket: Socket,
    from: RemoteInfo,
  ) {
    this.ip = from.address;
    this.port = from.port;
    this.remote = `${from.address}:${from.port}`;
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
  socket.on(
    'message',
    gateway.guard.wrap('udp-message', (datagram: Buffer, info: RemoteInfo) => gateway.datagram(datagram, info, () => new UdpConnection(socket, info))),
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
