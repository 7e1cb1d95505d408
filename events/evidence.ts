/**
 * Evidence: a media record as an incident or a case lists it (GET /api/incidents/{id}/media,
 * GET /api/cases/{id}/media), saying why it is there. store/evidence.ts finds them.
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { MediaRecordSchema } from './media-record.js';

/**
 * Why a record is an incident's or a case's evidence:
 * - while-open: the incident's terminal uploaded it while the incident was open (found from times, never stored);
 * - attached: a person linked an existing record to it;
 * - uploaded: a person uploaded the file for it (POST /api/cases/{id}/media).
 */
export const EVIDENCE_LINKS = ['while-open', 'attached', 'uploaded'] as const;
export type EvidenceLink = (typeof EVIDENCE_LINKS)[number];

/** What a person's link is stored as (media_links.how). */
export type StoredLink = Exclude<EvidenceLink, 'while-open'>;

export const EvidenceSchema = Type.Object(
  {
    ...MediaRecordSchema.properties,
    link: Type.Union(EVIDENCE_LINKS.map((l) => Type.Literal(l)), { description: 'while-open: its terminal uploaded it while the incident was open; attached: linked by a person; uploaded: uploaded for it by a person' }),
    linkedBy: Type.Union([Type.String(), Type.Null()], { description: "who attached or uploaded it (the token's name); null for while-open" }),
    linkedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'https://dipper.dev/schemas/evidence.json', title: 'Evidence', additionalProperties: false },
);
export type Evidence = Static<typeof EvidenceSchema>;

/** POST /api/{incidents,cases}/{id}/media with JSON: attach a record the caller may see. */
export const AttachSchema = Type.Object(
  {
    mediaId: Type.String({ format: 'uuid', description: "the record's id (MediaRecord.id), not the terminal's media ID" }),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type Attach = Static<typeof AttachSchema>;
