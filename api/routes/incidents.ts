/**
 * Alarms handled as incidents (issue 17):
 *   GET  /api/incidents                 filters status, kind, terminal, from/to (opened), paged by `after`
 *   GET  /api/incidents/counts          not-closed incidents by kind (the panel's counts)
 *   GET  /api/incidents/{id}            one incident
 *   GET  /api/incidents/{id}/history    every step: who, when, what changed, the note
 *   POST /api/incidents/{id}/ack|assign|resolve|close   { note?, assignee? (assign) }
 * Reading needs "read"; a step needs "command" (a duty officer's act, and ack may send a
 * downlink). Everything is within the token's scope: another org's incident is a 404, never a
 * 409. Acknowledging an alarm the terminal clears only on the platform's confirmation
 * (events/incident.ts CONFIRMED_ALARM_BITS) sends 0x8203 and records the terminal's answer,
 * when the terminal is still in the caller's scope (it may have moved to another org unit).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { IncidentSchema, IncidentStepSchema } from '../../events/incident.js';
import type { Incident, IncidentStep } from '../../events/incident.js';
import { CONFIRMED_ALARM_BITS, INCIDENT_ACTIONS, INCIDENT_STATUSES } from '../../events/incident-lifecycle.js';
import type { IncidentAction, IncidentStatus } from '../../events/incident-lifecycle.js';
import { BusyError, OfflineError } from '../../events/commands.js';
import type { CommandPort } from '../../events/commands.js';
import { crsQuery, errorSchema, tokenQuery } from '../../map/api-schemas.js';
import { shifter } from '../../map/crs.js';
import type { Crs } from '../../map/crs.js';
import { within } from '../../events/scope.js';
import type { Store } from '../../store/store.js';
import { actorOf } from '../actor.js';
import type { AppDeps } from '../deps.js';
import { storeErrors } from '../store-errors.js';

const statuses = INCIDENT_STATUSES.join('|');
const KIND = '[A-Za-z][A-Za-z0-9_.-]{0,63}';

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', pattern: `^(?:${statuses})(?:,(?:${statuses}))*$`, description: `comma-separated: ${INCIDENT_STATUSES.join(', ')}` },
    kind: { type: 'string', pattern: `^${KIND}(?:,${KIND})*$`, description: 'comma-separated alarm names (sos, overspeed, adas.forwardCollision, ...) or duty kinds (off-post, no-signal)' },
    terminal: { type: 'string', pattern: '^[0-9]{1,20}$' },
    from: { type: 'string', format: 'date-time', description: 'opened at or after' },
    to: { type: 'string', format: 'date-time', description: 'opened before' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
    after: { type: 'string', maxLength: 200, description: 'the `next` of the previous page' },
    ...crsQuery,
    ...tokenQuery,
  },
} as const;

/** The other routes' query: the token, and the datum of the locations answered (as on every geographic route). */
const plainQuery = { type: 'object', additionalProperties: false, properties: { ...crsQuery, ...tokenQuery } } as const;

/** An incident's location in the requested datum (stored in WGS-84). */
function shiftIncident(i: Incident, crs: Crs | undefined): Incident {
  if (!crs || crs === 'wgs84' || !i.location) return i;
  const [lng, lat] = shifter(crs)(i.location.lng, i.location.lat);
  return { ...i, location: { lat, lng } };
}

const idParams = { type: 'object', properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'] } as const;

/** what acknowledging did at the terminal, when its alarm needs the platform's confirmation */
const ConfirmationSchema = Type.Object({
  sent: Type.Boolean({ description: 'whether 0x8203 was sent' }),
  result: Type.Optional(Type.Integer({ description: "the terminal's 0x0001 answer: 0 success, 1 failure, 2 bad message, 3 unsupported" })),
  reason: Type.Optional(Type.String({ description: "why it was not sent or not answered: offline, timeout, out-of-scope (the terminal is no longer in this token's org units)" })),
});

interface ListQuery {
  status?: string;
  kind?: string;
  terminal?: string;
  from?: string;
  to?: string;
  limit: number;
  after?: string;
  crs?: Crs;
}

export const incidentRoutes: FastifyPluginAsync<AppDeps & { store: Store }> = async (app, { store, commands, dispatch, map, registry }) => {
  app.setErrorHandler(storeErrors);
  const notFound = (id: string) => ({ error: 'Not Found', message: `no incident ${id} in this token's scope` });

  app.get<{ Querystring: ListQuery }>(
    '/api/incidents',
    { schema: { summary: 'Incidents, newest opened first', tags: ['incidents'], querystring: listQuery, response: { 200: Type.Object({ items: Type.Array(IncidentSchema), next: Type.Optional(Type.String()) }), 400: errorSchema, 503: errorSchema } } },
    async (req) => {
      const q = req.query;
      const page = await store.run(() =>
        store.incidents.list({
          scope: req.scope,
          status: q.status?.split(',') as IncidentStatus[] | undefined,
          kind: q.kind?.split(','),
          terminal: q.terminal,
          from: q.from,
          to: q.to,
          limit: q.limit,
          after: q.after,
        }),
      );
      return { ...page, items: page.items.map((i) => shiftIncident(i, q.crs)) };
    },
  );

  app.get('/api/incidents/counts', { schema: { summary: 'Incidents not closed, by alarm kind', tags: ['incidents'], querystring: plainQuery, response: { 200: Type.Record(Type.String(), Type.Integer()), 503: errorSchema } } }, async (req) =>
    store.run(() => store.incidents.openCounts(req.scope)),
  );

  app.get<{ Params: { id: string }; Querystring: { crs?: Crs } }>('/api/incidents/:id', { schema: { summary: 'One incident', tags: ['incidents'], params: idParams, querystring: plainQuery, response: { 200: IncidentSchema, 404: errorSchema, 503: errorSchema } } }, async (req, reply) => {
    const incident = await store.run(() => store.incidents.get(req.scope, req.params.id));
    return incident ? shiftIncident(incident, req.query.crs) : reply.code(404).send(notFound(req.params.id));
  });

  app.get<{ Params: { id: string } }>('/api/incidents/:id/history', { schema: { summary: "An incident's every step, oldest first", tags: ['incidents'], params: idParams, querystring: plainQuery } }, async (req, reply) => {
    const history = await store.run(() => store.incidents.history(req.scope, req.params.id));
    return history ?? reply.code(404).send(notFound(req.params.id));
  });

  for (const action of Object.keys(INCIDENT_ACTIONS) as IncidentAction[]) {
    const to = INCIDENT_ACTIONS[action];
    app.post<{ Params: { id: string }; Body: IncidentStep; Querystring: { crs?: Crs } }>(
      `/api/incidents/:id/${action}`,
      {
        config: { right: 'command' },
        schema: {
          summary: `${action}: the incident becomes ${to}`,
          tags: ['incidents'],
          params: idParams,
          body: action === 'assign' ? { ...IncidentStepSchema, required: ['assignee'] } : IncidentStepSchema,
          querystring: plainQuery,
          response: { 200: Type.Object({ incident: IncidentSchema, confirmation: Type.Optional(ConfirmationSchema) }), 400: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 503: errorSchema },
        },
      },
      async (req, reply) => {
        const actor = actorOf(req);
        const body = req.body ?? {};
        const incident = await store.run(() => store.incidents.step(req.scope, req.params.id, to, actor, body.note, body.assignee));
        if (!incident) return reply.code(404).send(notFound(req.params.id));
        store.changed(incident);
        // resolved or closed: its units are candidates again at once
        if (to === 'resolved' || to === 'closed') await dispatch?.reload().catch(() => undefined);
        const shown = shiftIncident(incident, req.query.crs);
        if (action !== 'ack') return { incident: shown };
        // a downlink only to a terminal in the caller's scope now: an incident stays in the org
        // unit it opened in, its terminal may have moved to another since
        const org = map.index.get(incident.terminal)?.org ?? registry.lookup(incident.terminal)?.org;
        const confirmation = await confirm(store, commands, incident, actor, org !== undefined && within(req.scope, org), req.grant);
        return confirmation ? { incident: shown, confirmation } : { incident: shown };
      },
    );
  }
};

/**
 * 0x8203 for an acknowledged alarm that the terminal clears only when the platform confirms it:
 * alarm serial 0 (every such alarm message of that type, the standard's "0" form) and the bit of
 * the incident's kind. The answer, or why there was none, goes on the incident's record.
 */
async function confirm(store: Store, commands: CommandPort | undefined, incident: Incident, actor: string, inScope: boolean, caller?: object): Promise<{ sent: boolean; result?: number; reason?: string } | undefined> {
  const bit = CONFIRMED_ALARM_BITS[incident.kind];
  if (bit === undefined || !commands) return undefined;
  let outcome: { sent: boolean; result?: number; reason?: string } = { sent: false, reason: 'out-of-scope' };
  if (inScope) {
    try {
      const answer = await commands.command(incident.terminal, 0x8203, { alarmSerial: 0, alarmType: 2 ** bit }, undefined, caller);
      const result = (answer.body as { result?: unknown }).result;
      outcome = typeof result === 'number' ? { sent: true, result } : { sent: true, reason: `answered with 0x${answer.msgId.toString(16).padStart(4, '0')}` };
    } catch (e) {
      // offline, or the relay could not pass it on (unsent); else sent and not answered in time
      const unsent = e instanceof OfflineError || e instanceof BusyError;
      outcome = { sent: !unsent, reason: e instanceof OfflineError ? 'offline' : e instanceof BusyError ? 'relay-busy' : 'timeout' };
    }
  }
  // the record is best effort here: the step itself is already stored
  await store.run(() => store.incidents.annotate(incident.id, actor, 'terminal-confirmation', { msgId: '0x8203', alarmBit: bit, ...outcome })).catch(() => undefined);
  return outcome;
}
