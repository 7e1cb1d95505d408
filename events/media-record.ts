/**
 * A media file's record (issue 19, evidence): what the terminal said about it in its 0x0801, where
 * it was taken, its SHA-256, and where the media store keeps its bytes. store/media.ts keeps
 * them; api/routes/media.ts lists them and serves the bytes.
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { AttachmentSchema, PositionSchema } from './model.js';

export const MediaRecordSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'the record\'s own id (a terminal reuses its media IDs)' }),
    terminal: Type.String({ description: "the terminal that sent it; for a file a person uploaded for a case, the case's pseudo-terminal case-{20 hex} (its quota is the case's: events/evidence-upload.ts)" }),
    org: Type.String({ description: "the terminal's org unit when it uploaded (the registry's)" }),
    mediaId: Type.Integer({ minimum: 0, maximum: 0xffffffff, description: "the terminal's media ID (attachments: the file's index in its 0x1210 list)" }),
    type: Type.Integer({ description: '0 image, 1 audio, 2 video (attachments: 3 text, 4 other)' }),
    format: Type.Integer({ description: '0 JPEG, 1 TIF, 2 MP3, 3 WAV, 4 WMV (0x0801); 256 PNG, 257 MP4 (no 0x0801 code: a person\'s upload, an attachment); 255 none of these (events/media-formats.ts)' }),
    contentType: Type.String({ description: "what GET /api/media/{id} answers with, from the format (attachments: from the file name's extension)" }),
    event: Type.Integer({ description: '0 platform order, 1 timer, 2 robbery alarm, 3 collision, ...' }),
    channel: Type.Integer(),
    position: Type.Union([PositionSchema, Type.Null()], { description: 'the 0x0200 block the upload carried: where it was taken (WGS-84, or the datum asked for with ?crs=)' }),
    bytes: Type.Integer({ minimum: 0 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'of the bytes as received; the ETag of GET /api/media/{id}' }),
    receivedAt: Type.String({ format: 'date-time' }),
    path: Type.String({ description: "the bytes' key in the media store (dataDir/media/...)" }),
    removedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'when the bytes were deleted (media.policy drop-oldest) or found gone; the bytes route then answers 410' }),
    alarmNo: Type.Union([Type.String(), Type.Null()], { description: 'a T/JSATL12 attachment: the alarm number the gateway issued in 0x9208; null for 0x0801 uploads' }),
    alarmIdentifier: Type.Union([AttachmentSchema.properties.identifier, Type.Null()], { description: 'a T/JSATL12 attachment: the alarm identifier as its alarm carried it' }),
    alarmKind: Type.Union([Type.String(), Type.Null()], { description: "a T/JSATL12 attachment: its alarm's name (adas.forwardCollision, ...), its incident's kind" }),
    fileName: Type.Union([Type.String(), Type.Null()], { description: "a T/JSATL12 attachment: the file's name as the terminal sent it" }),
    incident: Type.Union([Type.String(), Type.Null()], { description: 'a T/JSATL12 attachment: the incident its alarm opened (or joined), when it was open as the record was written' }),
  },
  { $id: 'https://dipper.dev/schemas/media-record.json', title: 'MediaRecord', additionalProperties: false },
);
export type MediaRecord = Static<typeof MediaRecordSchema>;
