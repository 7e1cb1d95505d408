/**
 * JT/T 808 over TCP: a node `net` server whose only job is to hand each socket to
 * `gateway.accept` (which reads its PROXY header first, with jt808.proxyProtocol). Keepalive finds dead peers; no-delay because replies are small and
 * latency-sensitive (terminals wait for 0x8001 before sending the next report).
 */
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import type { Gateway } from '../gateway.js';

export interface TcpListener {
  readonly port: number;
  /** Stops accepting; existing sockets are the gateway's to close. */
  close(): Promise<void>;
}

export function listenTcp(gateway: Gateway, port: number, host: string): Promise<TcpListener> {
  const server: Server = createServer(
    { noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000 },
    gateway.guard.wrap('tcp-accept', (socket) => {
      gateway.accept(socket, { address: socket.remoteAddress, port: socket.remotePort });
    }),
  );
  server.on('error', (err) => gateway.log.error({ err }, 'JT/T 808 TCP server error'));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}
