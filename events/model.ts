/**
 * What the gateway publishes: Position, Alarm and Media events. Described once in TypeBox,
 * from which the TypeScript types and the published JSON Schemas (events/schemas/*.json,
 * kept in step by a test) both come.
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import type { Case } from './case.js';
import type { DutyChange } from './duty.js';
import type { Incident } from './incident.js';
import type { Presence } from './presence.js';
import { CATEGORIES } from './categories.js';
import type { Category } from './categories.js';

const CategorySchema = Type.Union(CATEGORIES.map((c) => Type.Literal(c)), {
  description: 'from the device registry; `unknown` for terminals it does not list',
});

const Identity = {
  terminal: Type.String({ description: 'terminal phone number, leading zeros removed' }),
  category: CategorySchema,
  org: Type.String({ description: 'org unit path, e.g. wuhan/jianghan/squad-3; empty when unknown' }),
};

export const PositionSchema = Type.Object(
  {
    ...Identity,
    time: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'device time, UTC; null when the terminal sent zeros' }),
    receivedAt: Type.String({ format: 'date-time' }),
    lat: Type.Number({ description: 'WGS-84 degrees, south negative' }),
    lng: Type.Number({ description: 'WGS-84 degrees, west negative' }),
    speed: Type.Number({ description: 'km/h' }),
    heading: Type.Integer({ description: 'degrees from north, 0-359' }),
    altitude: Type.Integer({ description: 'metres' }),
    alarm: Type.Integer({ minimum: 0, maximum: 0xffffffff, description: 'alarm DWORD as sent' }),
    status: Type.Integer({ minimum: 0, maximum: 0xffffffff, description: 'status DWORD as sent' }),
    alarms: Type.Array(Type.String(), { description: 'names of the set alarm bits' }),
    flags: Type.Array(Type.String(), { description: 'names of the set status bits' }),
    extras: Type.Record(Type.String(), Type.Unknown(), { description: 'additional information items (0x01 mileage, ...); bytes as hex' }),
    h3: Type.Union([Type.String(), Type.Null()], { description: 'H3 cell at the configured resolution; null for an invalid fix' }),
    h3Parents: Type.Record(Type.String(), Type.String(), { description: 'resolution -> parent cell, at the configured coarser resolutions' }),
    valid: Type.Boolean({ description: 'false: no fix bit, out-of-range or 0,0 coordinates, or a time far in the future' }),
    backfill: Type.Boolean({ description: 'blind-area data uploaded later (0x0704 type 1)' }),
  },
  { $id: 'https://dipper.dev/schemas/position.json', title: 'Position', additionalProperties: false },
);

export const AlarmSchema = Type.Object(
  {
    ...Identity,
    source: Type.Union(['alarmWord', 'adas', 'dsm', 'tpms', 'bsd'].map((s) => Type.Literal(s)), {
      description: 'alarmWord: a bit of the 0x0200 alarm DWORD; adas/dsm/tpms/bsd: a T/JSATL12 active-safety item',
    }),
    alarm: Type.String({ description: 'alarm name: the bit name (bitN for a reserved bit), or source.typeName for T/JSATL12' }),
    bit: Type.Union([Type.Integer({ minimum: 0, maximum: 31 }), Type.Null()], { description: 'alarm DWORD bit; null for T/JSATL12' }),
    type: Type.Union([Type.Integer(), Type.Null()], { description: 'T/JSATL12 alarm type code; null for alarm-word bits' }),
    state: Type.Union([Type.Literal('start'), Type.Literal('end'), Type.Literal('event')], { description: 'event: an instantaneous T/JSATL12 alarm (flag 0)' }),
    time: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    position: PositionSchema,
  },
  { $id: 'https://dipper.dev/schemas/alarm.json', title: 'Alarm', additionalProperties: false },
);

/** What ties a T/JSATL12 attachment file to its alarm (absent for 0x0801 uploads). */
export const AttachmentSchema = Type.Object(
  {
    alarmNo: Type.String({ description: 'the alarm number the gateway issued in 0x9208 (32 characters): the upload\'s key' }),
    identifier: Type.Object(
      {
        terminalId: Type.String(),
        time: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
        seq: Type.Integer({ minimum: 0, maximum: 255 }),
        attachments: Type.Integer({ minimum: 0, maximum: 255 }),
        reserved: Type.Optional(Type.Integer({ minimum: 0 })),
        region: Type.Optional(Type.Union([Type.Literal('guangdong'), Type.Literal('heilongjiang')])),
      },
      { additionalProperties: false, description: 'the alarm identifier as the alarm carried it (region absent: T/JSATL12\'s 16-byte layout)' },
    ),
    alarm: Type.String({ description: 'the alarm\'s name, as its Alarm event and incident kind have it (adas.forwardCollision, ...)' }),
    fileName: Type.String({ description: 'the file\'s name as the terminal sent it' }),
    fileType: Type.Integer({ minimum: 0, maximum: 255, description: '0x1211 file type: 0 picture, 1 audio, 2 video, 3 text, 4 other' }),
    contentType: Type.String({ description: 'from the file name\'s extension (events/attachment-files.ts)' }),
  },
  { additionalProperties: false },
);

export const MediaSchema = Type.Object(
  {
    ...Identity,
    mediaId: Type.Integer({ minimum: 0, maximum: 0xffffffff, description: "the terminal's media ID (0x0801); an attachment's index in its 0x1210 list" }),
    type: Type.Integer({ description: '0 image, 1 audio, 2 video (attachments: 3 text, 4 other)' }),
    format: Type.Integer({ description: '0 JPEG, 1 TIF, 2 MP3, 3 WAV, 4 WMV' }),
    event: Type.Integer({ description: '0 platform order, 1 timer, 2 robbery alarm, 3 collision, ...' }),
    channel: Type.Integer(),
    path: Type.String({ description: "the bytes' key in the media store: a file under the data directory" }),
    bytes: Type.Integer({ minimum: 0 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the bytes as received, hex: what the evidence record and the API\'s ETag carry' }),
    receivedAt: Type.String({ format: 'date-time' }),
    position: Type.Union([PositionSchema, Type.Null()]),
    attachment: Type.Optional(AttachmentSchema),
  },
  { $id: 'https://dipper.dev/schemas/media.json', title: 'Media', additionalProperties: false },
);

export type { Category };
export type Position = Static<typeof PositionSchema>;
export type Alarm = Static<typeof AlarmSchema>;
export type Media = Static<typeof MediaSchema>;
export type Attachment = Static<typeof AttachmentSchema>;

/**
 * `case`: an enforcement case created or changed through the map API (map/cases.ts), for dipper.cases;
 * `incident`: an incident opened, joined or stepped; `duty`: a device entered or left its duty area;
 * `presence`: a terminal's session began or ended
 */
export type GatewayEvent =
  | { kind: 'position'; position: Position }
  | { kind: 'alarm'; alarm: Alarm }
  | { kind: 'media'; media: Media }
  | { kind: 'case'; case: Case }
  | { kind: 'incident'; incident: Incident }
  | { kind: 'duty'; duty: DutyChange }
  | { kind: 'presence'; presence: Presence };
