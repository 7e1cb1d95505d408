/**
 * A terminal's side of a JT/T 1078 media connection: whole frames (an Annex-B access unit, or a
 * block of audio) cut into packets of at most 950-byte bodies with the subpackage marks (atomic
 * when it fits one, else first, middle ..., last), one sequence counter per connection, M set on
 * a frame's last packet, and the video intervals worked out from the timestamps. The bytes come
 * from the codec's encoder only; the relay's reassembly is the other side's business.
 */
import { MAX_MEDIA_BODY, MEDIA_DATA_TYPE, SUBPACKAGE_MARK, encodeMediaPacket } from '../decoders/index.js';
import type { MediaDataType, SimWidth, SubpackageMark } from '../decoders/index.js';

export interface PacketizerOptions {
  /** digits: 12 for a 2016 terminal, up to 20 for a 2019 one */
  sim: string;
  simWidth?: SimWidth;
  channel: number;
  /** body bytes per packet (default and at most 950) */
  maxBody?: number;
}

export class MediaPacketizer {
  private sequence = 0;
  private lastIFrameAt: number | null = null;
  private lastVideoAt: number | null = null;
  private readonly maxBody: number;

  constructor(private readonly options: PacketizerOptions) {
    this.maxBody = Math.min(options.maxBody ?? MAX_MEDIA_BODY, MAX_MEDIA_BODY);
  }

  /** The packets of one frame, in order. `timestamp` in ms. */
  packetize(frame: Buffer, dataType: MediaDataType, payloadType: number, timestamp: number): Buffer[] {
    const video = dataType <= MEDIA_DATA_TYPE.bFrame;
    let lastIFrameInterval = 0;
    let lastFrameInterval = 0;
    if (video) {
      const clamp = (ms: number): number => Math.max(0, Math.min(0xffff, ms));
      if (this.lastIFrameAt !== null) lastIFrameInterval = clamp(timestamp - this.lastIFrameAt);
      if (this.lastVideoAt !== null) lastFrameInterval = clamp(timestamp - this.lastVideoAt);
      if (dataType === MEDIA_DATA_TYPE.iFrame) this.lastIFrameAt = timestamp;
      this.lastVideoAt = timestamp;
    }
    const count = Math.max(1, Math.ceil(frame.length / this.maxBody));
    const packets: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const mark: SubpackageMark = count === 1 ? SUBPACKAGE_MARK.atomic : i === 0 ? SUBPACKAGE_MARK.first : i === count - 1 ? SUBPACKAGE_MARK.last : SUBPACKAGE_MARK.middle;
      packets.push(
        encodeMediaPacket({
          marker: i === count - 1,
          payloadType,
          sequence: this.sequence,
          sim: this.options.sim,
          ...(this.options.simWidth ? { simWidth: this.options.simWidth } : {}),
          channel: this.options.channel,
          dataType,
          mark,
          timestamp,
          lastIFrameInterval,
          lastFrameInterval,
          body: frame.subarray(i * this.maxBody, (i + 1) * this.maxBody),
        }),
      );
      this.sequence = (this.sequence + 1) & 0xffff;
    }
    return packets;
  }
}
