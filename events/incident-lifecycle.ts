/**
 * The incident's lifecycle and the alarms the platform confirms, as plain values: the page
 * bundles these (events/incident.ts holds the schemas, which would bring TypeBox along).
 */
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

/**
 * Alarm-word alarms that a terminal clears only once the platform confirms them by hand: JT/T
 * 808-2013 table 24 marks them "cleared after the ack", and 0x8203 (manual alarm confirmation)
 * names them by these bits in its alarm type. Acknowledging such an incident sends 0x8203.
 * Keys are the alarm names of decoders/bodies/location-bits.ts.
 */
export const CONFIRMED_ALARM_BITS: Readonly<Record<string, number>> = {
  sos: 0,
  danger: 3,
  areaInOut: 20,
  routeInOut: 21,
  routeTime: 22,
  illegalIgnition: 27,
  illegalDisplacement: 28,
};

