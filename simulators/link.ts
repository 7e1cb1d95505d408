/**
 * The wire under a simulated terminal: a TCP connection or a UDP socket aimed at the gateway,
 * optionally from a chosen loopback source address (each 127.0.0.x has its own ephemeral
 * port range, and the gateway's per-IP cap counts per address).
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';

export interface LinkTarget {
  transport: 'tcp' | 'udp';
  host: string;
  port: number;
  localAddress?: string;
}

export interface Link {
  write(frame: Buffer): void;
  close(): void;
}

export interface LinkEvents {
  data(chunk: Buffer): void;
  /** Once, however the link ended (error, peer close, our close). */
  closed(error?: Error): void;
}

export function openLink(target: LinkTarget, events: LinkEvents): Promise<Link> {
  return target.transport === 'tcp' ? openTcp(target, events) : openUdp(target, events);
}

function openTcp(target: LinkTarget, events: LinkEvents): Promise<Link> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port, ...(target.localAddress ? { localAddress: target.localAddress } : {}) });
    socket.setNoDelay(true);
    let connected = false;
    let lastError: Error | undefined;
    socket.on('data', events.data);
    socket.on('error', (e) => (lastError = e));
    socket.on('close', () => {
      if (connected) events.closed(lastError);
      else reject(lastError ?? new Error('connection closed before it opened'));
    });
    socket.once('connect', () => {
      connected = true;
      resolve({
        // frames written in one turn (a burst, a report and its heartbeat) leave in one writev
        write: (frame) => {
          if (!socket.writableCorked) {
            socket.cork();
            setImmediate(() => socket.uncork());
          }
          socket.write(frame);
        },
        // end, not destroy: frames already written still reach the gateway (they are counted as sent)
        close: () => {
          socket.end();
          setTimeout(() => socket.destroy(), 2000).unref();
        },
      });
    });
  });
}

function openUdp(target: LinkTarget, events: LinkEvents): Promise<Link> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    let open = true;
    socket.on('message', events.data);
    socket.on('error', (e) => {
      if (!open) return;
      open = false;
      socket.close();
      events.closed(e);
    });
    socket.once('error', reject);
    socket.bind(0, target.localAddress, () => {
      socket.connect(target.port, target.host, () =>
        resolve({
          write: (frame) => {
            if (open) socket.send(frame);
          },
          close: () => {
            if (!open) return;
            open = false;
            socket.close();
            events.closed();
          },
        }),
      );
    });
  });
}
