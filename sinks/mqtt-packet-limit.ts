/**
 * A size limit on the MQTT packets a client sends, enforced on the byte stream in front of
 * aedes. aedes' parser (mqtt-packet) buffers a packet until its Remaining Length has arrived,
 * whatever that length says (up to 256 MB), so a client announcing a 20 MB publish had it held
 * in memory before any authorisation ran. This reads only the fixed headers (MQTT 3.1.1
 * §2.2.3: one type byte, then a 1-4 byte variable-length integer) as the bytes pass, skips
 * bodies without copying, and fails the stream as soon as a header announces a packet larger
 * than the limit.
 */
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';

export class PacketTooLarge extends Error {
  override name = 'PacketTooLarge';
}

export class MqttPacketLimit extends Transform {
  /** bytes of the current packet's body still to pass; -1 = at a type byte */
  private body = -1;
  /** the Remaining Length being read (after the type byte) */
  private length = 0;
  private lengthBytes = 0;
  private readingLength = false;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.body > 0) {
        const skip = Math.min(this.body, chunk.length - i);
        this.body -= skip;
        i += skip;
        if (this.body === 0) this.body = -1;
        continue;
      }
      if (!this.readingLength) {
        // a type byte
        this.readingLength = true;
        this.length = 0;
        this.lengthBytes = 0;
        i++;
        continue;
      }
      const b = chunk[i++]!;
      this.length += (b & 0x7f) * 128 ** this.lengthBytes;
      this.lengthBytes++;
      if (b & 0x80) {
        if (this.lengthBytes === 4) return done(new PacketTooLarge('malformed remaining length'));
        continue;
      }
      this.readingLength = false;
      const size = 1 + this.lengthBytes + this.length;
      if (size > this.maxBytes) return done(new PacketTooLarge(`a ${size}-byte packet exceeds mqtt.maxPacketBytes (${this.maxBytes})`));
      this.body = this.length === 0 ? -1 : this.length;
    }
    done(null, chunk);
  }
}
