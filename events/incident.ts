/**
 * The Incident (警情处置): an alarm episode of one terminal, handled by the command centre from
 * open to closed. One per terminal and alarm kind while it is not closed: an SOS held for five
 * minutes is one incident. store/incidents.ts keeps them, api/ moves them along.
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';

export const INCIDENT_STATUSES = ['open', 'acknowledged', 'assigned', 'resolved', 'closed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** The steps a duty officer takes, each naming the status it leads to. */
export const INCIDENT_ACTIONS = { ack: 'acknowledged', assign: 'assigned', resolve: 'resolved', close: 'closed' } as const satisfies Record<string, IncidentStatus>;
export type IncidentAction = keyof typeof INCIDENT_ACTIONS;

/**
 * Where an incident may go from each status. It is acknowledged before anything else (someone
 * has seen it); it may be resolved without an assignment (a false alarm) and reassigned; a
 * resolved one is closed, or assigned again when the fix did not hold. Closed is final: the
 * terminal's next alarm of that kind opens a new incident.
 */
export const INCIDENT_TRANSITIONS: Readonly<Record<IncidentStatus, readonly IncidentStatus[]>> = {
  open: ['acknowledged'],
  acknowledged: ['assigned', 'resolved', 'closed'],
  assigned: ['assigned', 'resolved', 'closed'],
  resolved: ['assigned', 'closed'],
  closed: [],
};

export const IncidentSchema = Type.Object(
  {
    id: Type.String(),
    terminal: Type.String({ description: 'the terminal whose alarm opened it' }),
    kind: Type.String({ description: "the alarm's name (Alarm.alarm): emergency, overspeed, adas.forwardCollision, ..." }),
    status: Type.Union(INCIDENT_STATUSES.map((s) => Type.Literal(s))),
    org: Type.String({ description: "the terminal's org unit when it opened" }),
    location: Type.Union([Type.Object({ lat: Type.Number(), lng: Type.Number() }, { additionalProperties: false }), Type.Null()], { description: 'where the last alarm was raised (WGS-84); null without a fix' }),
    openedAt: Type.String({ format: 'date-time' }),
    lastAlarmAt: Type.String({ format: 'date-time' }),
    alarmCount: Type.Integer({ minimum: 1, description: 'alarms of the episode so far' }),
    assignee: Type.Union([Type.String(), Type.Null()], { description: 'person or unit it is assigned to' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'https://dipper.dev/schemas/incident.json', title: 'Incident', additionalProperties: false },
);
export type Incident = Static<typeof IncidentSchema>;
