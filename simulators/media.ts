/**
 * Evidence photos: a 0x0800 media event, then the JPEG as 0x0801 subpackages; the last few
 * uploads are kept so that the platform can ask for parts again (0x8800 with retransmit IDs,
 * or 0x8003 by first serial). The picture's bytes come from a stream forked per media ID, so
 * an upload never moves the terminal's behaviour stream.
 */
import { fakeJpeg } from './photo.js';
import type { ProtocolClient } from './protocol.js';
import type { Rng } from './rng.js';

/** Uploads kept for retransmission. */
const KEPT = 8;
const CHANNEL = 1;

export interface PhotoSizes {
  minBytes: number;
  maxBytes: number;
}

export class MediaUploads {
  private mediaId = 0;
  /** By media ID, oldest first. */
  private readonly uploads = new Map<number, { firstSerial: number; frames: Buffer[] }>();

  constructor(
    private readonly client: ProtocolClient,
    /** The terminal's behaviour stream: only forked, never drawn from. */
    private readonly rng: Rng,
    /** The terminal's index in the fleet (names its photo streams). */
    private readonly index: number,
    private readonly sizes: PhotoSizes,
  ) {}

  /** A new media ID (0x0805 lists them before the uploads start). */
  nextId(): number {
    return ++this.mediaId;
  }

  /** 0x0800 (media event), then the JPEG as 0x0801 subpackages. */
  upload(event: number, location: object, id = this.nextId()): void {
    const rng = this.rng.fork('photo', this.index, id);
    const data = fakeJpeg(rng, rng.int(this.sizes.minBytes, this.sizes.maxBytes));
    this.client.send(0x0800, { mediaId: id, type: 0, format: 0, event, channel: CHANNEL }, true);
    // 0x0801 carries the basic location only
    const { alarms: _a, flags: _f, extras: _e, ...basic } = location as Record<string, unknown>;
    const sent = this.client.sendParts(0x0801, { mediaId: id, type: 0, format: 0, event, channel: CHANNEL, location: { ...basic, alarms: [], flags: [] }, data });
    this.uploads.set(id, sent);
    if (this.uploads.size > KEPT) this.uploads.delete(this.uploads.keys().next().value!);
  }

  /** 0x8800: no IDs = stored, forget it; else the listed parts again. */
  answered(mediaId: number, retransmitIds: number[] | undefined): void {
    const upload = this.uploads.get(mediaId);
    if (!retransmitIds || retransmitIds.length === 0) this.uploads.delete(mediaId);
    else if (upload) this.resend(upload.frames, retransmitIds);
  }

  /** 0x8003: the listed parts of the upload that began at `firstSerial`. */
  resendBySerial(firstSerial: number, ids: number[]): void {
    const upload = [...this.uploads.values()].find((u) => u.firstSerial === firstSerial);
    if (upload) this.resend(upload.frames, ids);
  }

  private resend(frames: Buffer[], ids: number[]): void {
    for (const id of ids) {
      const frame = frames[id - 1];
      if (frame) this.client.write(0x0801, frame);
    }
  }
}
