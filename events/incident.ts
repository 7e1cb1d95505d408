/**
 * The Incident (警情处置): an alarm episode of one terminal, handled by the command centre from
 * open to closed. One per terminal and alarm kind while it is not closed: an SOS held for five
 * minutes is one incident. store/incidents.ts keeps them, api/ moves them along.
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { INCIDENT_STATUSES } from './incident-lifecycle.js';

export const IncidentSchema = Type.Object(
  {
    id: Type.String(),
    terminal: Type.String({ description: 'the terminal whose alarm opened it' }),
    kind: Type.String({ description: "the alarm's name (Alarm.alarm): emergency, overspeed, adas.forwardCollision, ..." }),
    status: Type.Union(INCIDENT_STATUSES.map((s) => Type.Literal(s))),
    org: Type.String({ description: "the terminal's org unit when it opened" }),
    location: Type.Union([Type.Object({ lat: Type.Number(), lng: Type.Number() }, { additionalProperties: false }), Type.Null()], { description: 'where the last alarm was raised (WGS-84, or the datum asked for with ?crs=); null without a fix' }),
    openedAt: Type.String({ format: 'date-time' }),
    lastAlarmAt: Type.String({ format: 'date-time' }),
    alarmCount: Type.Integer({ minimum: 1, description: 'alarms of the episode so far' }),
    assignee: Type.Union([Type.String(), Type.Null()], { description: 'person or unit it is assigned to' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'https://dipper.dev/schemas/incident.json', title: 'Incident', additionalProperties: false },
);
export type Incident = Static<typeof IncidentSchema>;

/** The body of a step: a note for the record; `assignee` (a person or unit) with assign. */
export const IncidentStepSchema = Type.Object(
  {
    note: Type.Optional(Type.String({ maxLength: 2000 })),
    assignee: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'required with assign: the person or unit it is assigned to' })),
  },
  { additionalProperties: false },
);
export type IncidentStep = Static<typeof IncidentStepSchema>;
