/**
 * A bare TCP connection to the gateway, for tests that write bytes no terminal would (junk,
 * PROXY headers, half frames): `closedP` settles when the gateway (or the test) closes it,
 * `firstData` with the first bytes it answers. Errors after the connect are the test's to see
 * through `closedP`; one before it (refused) rejects.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';

export type RawSocket = Socket & { closedP: Promise<void>; firstData: Promise<Buffer> };

export function rawSocket(port: number, localAddress = '127.0.0.1'): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', localAddress, noDelay: true }) as RawSocket;
    s.closedP = new Promise((r) => s.on('close', () => r()));
    s.firstData = new Promise((r) => s.once('data', r));
    s.on('error', () => undefined);
    s.on('data', () => undefined);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}
