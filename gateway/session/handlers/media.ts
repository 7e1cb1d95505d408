/**
 * 0x0801 multimedia upload (2013 §8.49): mediaId DWORD, type BYTE (0 image, 1 audio, 2 video),
 * format BYTE (0 JPEG, 1 TIF, 2 MP3, 3 WAV, 4 WMV), event BYTE, channel BYTE, location
 * BYTE[28] (the 0x0200 basic block), data. Arrives subpackaged; the session reassembles it
 * and, on timeout, lists the missing packet IDs in 0x8800. Once whole: stored under the data
 * directory, announced as a Media event, answered 0x8800 without a list. The location block is
 * where the photo was taken and stays inside the Media event (`media.position`): it is not a
 * position report, so no Position event is published for it (the terminal's 0x0200 was; a second
 * one had the same dedup key and replaced the report's extras with none: issue 16).
 *
 * Past the media quota (media.policy "refuse-new", store.ts) it is answered 0x8001 result 1
 * (failure) for the 0x0801: 0x8800 has no result field, and one without a list would tell the
 * terminal the upload arrived whole, so it could delete its copy.
 */
import { RESULT, isMessage } from '../../../decoders/index.js';
import type { Message } from '../../../decoders/index.js';
import type { Media } from '../../../events/model.js';
import { positionOf } from '../../normalise/index.js';
import type { Session } from '../session.js';

export async function media(session: Session, message: Message): Promise<void> {
  if (!isMessage(message, 0x0801)) return;
  const upload = message.body;
  const { gateway } = session;
  const receivedAt = Date.now();
  const device = session.device!;
  const saved = await gateway.media.save(device.terminal, upload.mediaId, upload.format, upload.data, receivedAt);
  if ('refused' in saved) {
    gateway.metrics.media.inc({ outcome: 'refused' });
    session.ack(message, RESULT.fail, `media-${saved.refused}`);
    return;
  }
  const { path, sha256 } = saved;
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
    sha256,
    receivedAt: new Date(receivedAt).toISOString(),
    position,
  };
  gateway.metrics.media.inc({ outcome: 'stored' });
  await session.publish([{ kind: 'media', media: event }]);
  session.send(0x8800, { mediaId: upload.mediaId }, message);
}
