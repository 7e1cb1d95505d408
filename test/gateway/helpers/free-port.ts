/**
 * A TCP port free on loopback a moment ago, for settings where 0 means "off" rather than "pick
 * one" (attachments.port): the system picks it, and the listener is closed before it is used.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
