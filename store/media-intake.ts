/**
 * The sink that records media files: each Media event (an upload stored whole) is handed to the
 * media writer and the publish resolves at once, so the 0x8800 that tells the terminal it may
 * delete its copy never waits on the database. The bytes are already in the media store by then;
 * the record follows (retried while the database is away, or refused and counted at the bound).
 */
import type { GatewayEvent } from '../events/model.js';
import type { EventSink } from '../events/sink.js';
import type { MediaWriter } from './media-writer.js';

export class MediaIntake implements EventSink {
  readonly name = 'media-records';

  constructor(private readonly writer: MediaWriter) {}

  async publish(events: readonly GatewayEvent[]): Promise<void> {
    for (const e of events) {
      if (e.kind !== 'media') continue;
      const m = e.media;
      this.writer.record({
        terminal: m.terminal,
        org: m.org,
        mediaId: m.mediaId,
        type: m.type,
        format: m.format,
        event: m.event,
        channel: m.channel,
        position: m.position,
        bytes: m.bytes,
        sha256: m.sha256,
        receivedAt: new Date(m.receivedAt),
        path: m.path,
        ...(m.attachment ? { attachment: m.attachment } : {}),
      });
    }
  }

  async close(): Promise<void> {}
}
