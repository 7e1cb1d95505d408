/**
 * The Case record (警情/案件) as it is published to the sinks and served by the API: the
 * shared model's part of cases (map/cases.ts keeps them, api/ creates and changes them).
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';

export const CASE_STATUSES = ['open', 'dispatched', 'onscene', 'closed', 'cancelled'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/**
 * The lifecycle: where a case may go from each status. A unit may reach a scene it was not sent
 * to (open -> onscene), and be called back (dispatched -> open); closed and cancelled are final
 * (one case, one file: a case that must be looked at again is a new case that names it).
 */
export const CASE_TRANSITIONS: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = {
  open: ['dispatched', 'onscene', 'closed', 'cancelled'],
  dispatched: ['open', 'onscene', 'closed', 'cancelled'],
  onscene: ['closed', 'cancelled'],
  closed: [],
  cancelled: [],
};

/** What a line of a case's history records: its creation, a change, a dispatch order's steps, evidence attached. */
export const CASE_EVENT_ACTIONS = ['created', 'changed', 'dispatched', 'terminal-answer', 'arrived', 'media-attached'] as const;
export type CaseEventAction = (typeof CASE_EVENT_ACTIONS)[number];

const Location = Type.Object(
  {
    lat: Type.Number({ minimum: -90, maximum: 90, description: 'WGS-84 degrees' }),
    lng: Type.Number({ minimum: -180, maximum: 180, description: 'WGS-84 degrees' }),
  },
  { additionalProperties: false },
);

export const CaseSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9._:-]{1,64}$' }),
    type: Type.String({ minLength: 1, maxLength: 64, description: 'case type, e.g. traffic, theft, dispute' }),
    status: Type.Union(CASE_STATUSES.map((s) => Type.Literal(s))),
    location: Location,
    time: Type.String({ format: 'date-time', description: 'when it happened (reported)' }),
    org: Type.String({ maxLength: 200, description: 'org unit in charge; defaults to the token scope' }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'https://dipper.dev/schemas/case.json', title: 'Case', additionalProperties: false },
);
export type Case = Static<typeof CaseSchema>;
