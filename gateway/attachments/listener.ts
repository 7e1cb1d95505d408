/**
 * The attachment port (attachments.port, on jt808.host): a node `net` server whose only job is to
 * hand each socket to the attachment service, and to tell it the port it listens on (the one
 * 0x9208 names when attachments.advertise does not).
 */
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import type { AttachmentService } from './service.js';

export interface AttachmentListener {
  readonly port: number;
  /** Stops accepting; open connections are the service's to close. */
  close(): Promise<void>;
}

export function listenAttachments(service: AttachmentService, port: number, host: string): Promise<AttachmentListener> {
  service.prepare();
  const server: Server = createServer(
    { noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000 },
    service.guard.wrap('attachment-accept', (socket) => service.accept(socket, socket.remoteAddress ?? 'local')),
  );
  server.on('error', (err) => service.log.error({ err }, 'attachment server error'));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const bound = (server.address() as AddressInfo).port;
      service.port = bound;
      resolve({
        port: bound,
        close: () =>
          new Promise<void>((r) => {
            service.port = undefined;
            server.close(() => r());
          }),
      });
    });
  });
}
