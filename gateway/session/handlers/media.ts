/**
 * 0x0801 multimedia upload (2013 §8.49): mediaId DWORD, type BYTE (0 image, 1 audio, 2 video),
 * format BYTE (0 JPEG, 1 TIF, 2 MP3, 3 WAV, 4 WMV), event BYTE, channel BYTE, location
 * BYTE[28] (the 0x0200 basic block), data. Arrives subpackaged; the session reassembles it
 * and, on timeout, lists the missing packet IDs in 0x8800. Once whole: stored under the data
 * directory, announced as a Media event (with its Position), answered 0x8800 without a list.
 */
import { RESULT, decodeBody } from '../../../decoders/index.js';
import type { Message } from '../../../decoders/index.js';
import type { GatewayEvent, Media } from '../../normalise/events.js';
import { positionOf } from '../../normalise/index.js';
import type { LocationLike } from '../../normalise/position.js';
import { mediaAnswer } from '../downlink.js';
import type { Session } from '../session.js';

export interface MediaUpload {
  mediaId: number;
  type: number;
  format: number;
  event: number;
  channel: number;
  location: LocationLike | null;
  data: Buffer;
}

/** The typed body once the multimedia codec is registered, else read from the raw bytes. */
export function mediaOf(message: Message): MediaUpload | undefined {
  const body = message.body as Partial<MediaUpload> & { raw?: unknown };
  if (typeof body.mediaId === 'number' && Buffer.isBuffer(body.data)) {
    return { mediaId: body.mediaId, type: body.type ?? 0, format: body.format ?? 0, event: body.event ?? 0, channel: body.channel ?? 0, location: body.location ?? null, data: body.data };
  }
  if (!Buffer.isBuffer(body.raw) || body.raw.length < 8) return undefined;
  const raw = body.raw;
  let location: LocationLike | null = null;
  if (raw.length >= 36) {
    // the basic block is a 0x0200 body without items: let the codec read it as one
    const r = decodeBody({ ...message, msgId: 0x0200 }, raw, 8, 36);
    if (r.ok && !('part' in r.message)) location = r.message.body as LocationLike;
  }
  return { mediaId: raw.readUInt32BE(0), type: raw[4]!, format: raw[5]!, event: raw[6]!, channel: raw[7]!, location, data: raw.subarray(raw.length >= 36 ? 36 : 8) };
}

export async function media(session: Session, message: Message): Promise<void> {
  const upload = mediaOf(message);
  if (!upload) {
    session.ack(message, RESULT.malformed, 'malformed');
    return;
  }
  const { gateway } = session;
  const receivedAt = Date.now();
  const device = session.device!;
  const path = await gateway.media.save(device.terminal, upload.mediaId, upload.format, upload.data, receivedAt);
  const position = upload.location ? positionOf(upload.location, device, receivedAt, false, gateway.normalise) : null;
  const event: Media = {
    terminal: device.terminal,
    category: device.category,
    org: device.org,
    mediaId: upload.mediaId,
    type: upload.type,
    format: upload.format,
    event: upload.event,
    channel: upload.channel,
    path,
    bytes: upload.data.length,
    receivedAt: new Date(receivedAt).toISOString(),
    position,
  };
  const events: GatewayEvent[] = [{ kind: 'media', media: event }];
  if (position) events.push({ kind: 'position', position });
  gateway.metrics.media.inc({ outcome: 'stored' });
  await session.publish(events);
  session.send(0x8800, mediaAnswer(upload.mediaId, []), message);
}
