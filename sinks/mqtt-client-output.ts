/**
 * The broker's writes to one client, bounded. aedes waits for a client's socket to drain before
 * it completes a delivery, and its message emitter runs at most 100 deliveries at once: one
 * subscriber that stopped reading (a read token is enough) held every later publish in an
 * unbounded in-memory queue, so every other client stopped receiving and memory grew until
 * the stalled one left, when draining that queue overflowed the stack. Here every write is
 * handed to the socket at once and reported done, so aedes never waits on one client; what the
 * socket has not yet taken is that client's backlog, and past `maxBytes` the client is
 * disconnected (mqtt.maxClientBufferBytes, dipper_mqtt_refused_total{reason="slow-client"}).
 */
import { Writable } from 'node:stream';
import type { Duplex } from 'node:stream';

export class ClientOutput extends Writable {
  private overflowed = false;

  constructor(
    private readonly target: Duplex,
    private readonly maxBytes: number,
    /** the backlog passed maxBytes: count it and close the connection */
    private readonly overflow: () => void,
  ) {
    super();
    // the connection's end is this stream's end: aedes learns of it through the writable side too
    target.once('close', () => this.destroy());
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.overflowed || this.target.destroyed) return done();
    if (this.target.writableLength + chunk.length > this.maxBytes) {
      this.overflowed = true;
      this.overflow();
      return done();
    }
    this.target.write(chunk);
    done();
  }

  override _final(done: (error?: Error | null) => void): void {
    this.target.end();
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.target.destroy();
    done(error);
  }
}
