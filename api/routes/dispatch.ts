/**
 * Command and dispatch (指挥调度, issue 18): the nearest free units for a place, a case or an
 * incident; a dispatch order that reaches each unit's terminal as an urgent text (0x8300) and
 * records its answer; response times per org unit and day.
 *
 *   GET  /api/dispatch/candidates?lat=&lng=|case=(&org=)|incident=  &category=&limit=&maxDistanceM=
 *   POST /api/cases/{id}/dispatch, /api/incidents/{id}/dispatch     {terminals: [...], note?}
 *   GET  /api/cases/{id}/dispatches, /api/incidents/{id}/dispatches
 *   GET  /api/stats/response-times?from=&to=
 *
 * Candidates come from the live index (map/nearest.ts: no scan), online, of the wanted
 * categories, within the token's scope, not engaged on another order; distance is a straight
 * line on the sphere and the ETA that distance at `dispatch.speedKmh` of the unit's category:
 * not road distance. A routing engine would rank the k nearest again by drive time here.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { CATEGORIES } from '../../events/categories.js';
import type { Category } from '../../events/categories.js';
import type { Case } from '../../events/case.js';
import { BusyError, OfflineError, terminalId } from '../../events/commands.js';
import type { CommandPort } from '../../events/commands.js';
import type { Dispatch } from '../../events/dispatch.js';
import { DispatchSchema, dispatchTextBody } from '../../events/dispatch.js';
import type { Incident } from '../../events/incident.js';
import { within } from '../../events/scope.js';
import { nearest } from '../../map/nearest.js';
import { crsQuery, errorSchema, tokenQuery } from '../../map/api-schemas.js';
import { shifter } from '../../map/crs.js';
import type { Crs } from '../../map/crs.js';
import type { DispatchBoard } from '../../store/dispatch-board.js';
import type { TargetRef } from '../../store/dispatches.js';
import type { DispatchSettings } from '../../store/settings.js';
import type { Store } from '../../store/store.js';
import { actorOf } from '../actor.js';
import type { AppDeps } from '../deps.js';
import { storeErrors } from '../store-errors.js';

/**
 * Response times over at most this many days per request. The query aggregates every order in
 * the range (on the embedded database that is the gateway's own thread: 200,000 orders over five
 * years took 1.5 s) and answers a row per org unit and day; any read token may ask, again and again.
 */
const MAX_STATS_DAYS = 366;

const CATEGORY_LIST = `^(?:${CATEGORIES.join('|')})(?:,(?:${CATEGORIES.join('|')}))*$`;

const CandidateSchema = Type.Object({
  terminal: Type.String(),
  category: Type.String(),
  org: Type.String(),
  lat: Type.Number(),
  lng: Type.Number(),
  distanceM: Type.Integer({ description: 'straight line on the sphere, metres (not road distance)' }),
  etaS: Type.Integer({ description: 'distanceM at dispatch.speedKmh of the category, seconds' }),
  speed: Type.Number({ description: 'km/h, as last reported' }),
  lastSeen: Type.String({ format: 'date-time' }),
  plate: Type.Optional(Type.String()),
  officer: Type.Optional(Type.String()),
});

interface CandidateQuery {
  lat?: number;
  lng?: number;
  case?: string;
  org?: string;
  incident?: string;
  category?: string;
  limit: number;
  maxDistanceM?: number;
  crs?: Crs;
}

interface OrderBody {
  terminals: string[];
  note?: string;
}

export const dispatchRoutes: FastifyPluginAsync<AppDeps & { store: Store; board: DispatchBoard; settings: DispatchSettings; timeZone: string }> = async (app, deps) => {
  const { store, board, settings, map, commands, registry } = deps;
  app.setErrorHandler(storeErrors);

  /** the case (by id, and org when several share it) or incident in the scope; the answer sent when there is none */
  async function findTarget(req: FastifyRequest, reply: FastifyReply, kind: 'case' | 'incident', id: string, org?: string): Promise<{ ref: TargetRef; location: { lat: number; lng: number } | null; target: Case | Incident } | undefined> {
    if (kind === 'incident') {
      const incident = await store.run(() => store.incidents.get(req.scope, id));
      if (!incident) return void reply.code(404).send({ error: 'Not Found', message: `no incident ${id} in this token's scope` });
      return { ref: { type: 'incident', org: incident.org, id: incident.id }, location: incident.location ?? null, target: incident };
    }
    const found = await store.run(() => store.cases.find(req.scope, id, org));
    if (found.length === 0) return void reply.code(404).send({ error: 'Not Found', message: `case ${id} is unknown` });
    if (found.length > 1) return void reply.code(409).send({ error: 'Conflict', message: `case ${id} exists in several org units of this scope (${found.map((c) => c.org).join(', ')}): choose one with ?org=` });
    const c = found[0]!;
    return { ref: { type: 'case', org: c.org, id: c.id }, location: c.location, target: c };
  }

  app.get<{ Querystring: CandidateQuery }>(
    '/api/dispatch/candidates',
    {
      schema: {
        summary: 'The nearest free units: online, of the wanted categories, in scope, not engaged on another order; nearest first',
        tags: ['dispatch'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            lat: { type: 'number', minimum: -85, maximum: 85 },
            lng: { type: 'number', minimum: -180, maximum: 180 },
            case: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,64}$', description: 'from the case: its location' },
            org: { type: 'string', maxLength: 200, description: "the case's org unit, when its id is used by several" },
            incident: { type: 'string', format: 'uuid', description: 'from the incident: its location' },
            category: { type: 'string', pattern: CATEGORY_LIST, description: `comma-separated; default dispatch.candidates (${settings.candidates.join(',')})` },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
            maxDistanceM: { type: 'integer', minimum: 1, maximum: 20_000_000 },
            ...crsQuery,
            ...tokenQuery,
          },
        },
        response: { 200: Type.Object({ items: Type.Array(CandidateSchema) }), 400: errorSchema, 404: errorSchema, 409: errorSchema, 503: errorSchema },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const given = [q.lat !== undefined && q.lng !== undefined, q.case !== undefined, q.incident !== undefined].filter(Boolean).length;
      if (given !== 1 || (q.lat === undefined) !== (q.lng === undefined)) return reply.code(400).send({ error: 'Bad Request', message: 'querystring: give lat and lng, or case, or incident (one of them)' });
      let at: { lat: number; lng: number };
      if (q.lat !== undefined && q.lng !== undefined) at = { lat: q.lat, lng: q.lng };
      else {
        const found = await findTarget(req, reply, q.case !== undefined ? 'case' : 'incident', (q.case ?? q.incident)!, q.org);
        if (!found) return reply;
        if (!found.location) return reply.code(409).send({ error: 'Conflict', message: 'the incident has no location (its alarm came without a fix): give lat and lng' });
        at = found.location;
      }
      const categories = (q.category ? q.category.split(',') : settings.candidates) as Category[];
      const sel = map.selection(req.scope, { category: categories, online: true });
      const found = nearest(map.index, at.lng, at.lat, q.limit, sel, (slot) => !board.isEngaged(map.index.idOf(slot)), q.maxDistanceM);
      // lat and lng in and the search are WGS-84; positions out in the base map's datum when asked
      const shift = q.crs && q.crs !== 'wgs84' ? shifter(q.crs) : undefined;
      const items = found.map(({ slot, distanceM }) => {
        const v = map.index.view(slot);
        const [lng, lat] = shift ? shift(v.lng, v.lat) : [v.lng, v.lat];
        const device = registry.lookup(v.id);
        const kmh = settings.speedKmh[v.category] ?? settings.speedKmh.unknown;
        return {
          terminal: v.id,
          category: v.category,
          org: v.org,
          lat,
          lng,
          distanceM: Math.round(distanceM),
          etaS: Math.round(distanceM / ((kmh * 1000) / 3600)),
          speed: v.speed,
          lastSeen: new Date(v.lastSeen).toISOString(),
          ...(device?.plate ? { plate: device.plate } : {}),
          ...(device?.officer ? { officer: device.officer } : {}),
        };
      });
      return { items };
    },
  );

  const OrderResult = Type.Object({
    target: Type.Object({ type: Type.String(), org: Type.String(), id: Type.String(), status: Type.String() }),
    orders: Type.Array(DispatchSchema),
  });

  for (const kind of ['case', 'incident'] as const) {
    const path = kind === 'case' ? '/api/cases/:id/dispatch' : '/api/incidents/:id/dispatch';
    app.post<{ Params: { id: string }; Querystring: { org?: string; crs?: Crs }; Body: OrderBody }>(
      path,
      {
        config: { right: 'command' },
        schema: {
          summary: `Send units to the ${kind}: each terminal gets an urgent text (0x8300) with the ${kind}, the place and a short code; its answer goes on the ${kind}'s history`,
          tags: ['dispatch'],
          params: { type: 'object', properties: { id: kind === 'case' ? { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,64}$' } : { type: 'string', format: 'uuid' } }, required: ['id'] },
          querystring: { type: 'object', additionalProperties: false, properties: { ...(kind === 'case' ? { org: { type: 'string', maxLength: 200 } } : {}), ...crsQuery, ...tokenQuery } },
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['terminals'],
            properties: {
              terminals: { type: 'array', minItems: 1, maxItems: settings.maxUnits, uniqueItems: true, items: { type: 'string', pattern: '^[0-9a-fA-F]{1,20}$' }, description: `the units' terminals, at most dispatch.maxUnits (${settings.maxUnits})` },
              note: { type: 'string', maxLength: 2000 },
            },
          },
          response: { 200: OrderResult, 400: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 503: errorSchema },
        },
      },
      async (req, reply) => {
        const found = await findTarget(req, reply, kind, req.params.id, req.query.org);
        if (!found) return reply;
        const { ref, location, target } = found;
        if (!location) return reply.code(409).send({ error: 'Conflict', message: 'the incident has no location to send units to' });
        if (kind === 'case' && ['closed', 'cancelled'].includes(target.status)) return reply.code(409).send({ error: 'Conflict', message: `the case is ${target.status}` });
        if (kind === 'incident' && target.status !== 'acknowledged' && target.status !== 'assigned' && target.status !== 'resolved') {
          return reply.code(409).send({ error: 'Conflict', message: target.status === 'open' ? 'acknowledge the incident before sending units' : `the incident is ${target.status}` });
        }
        // each unit in scope (else unknown, as everywhere), and online: an order must reach it
        const units: { terminal: string; org: string }[] = [];
        for (const raw of req.body.terminals) {
          const t = terminalId(raw);
          const org = map.index.get(t)?.org ?? registry.lookup(t)?.org;
          if (org === undefined || !within(req.scope, org)) return reply.code(404).send({ error: 'Not Found', message: `terminal ${raw} is unknown` });
          units.push({ terminal: t, org });
        }
        // online here or, through the relay, on another gateway (asked all at once: an offline unit costs commands.relayAcceptMs)
        let reached: boolean[];
        try {
          reached = await Promise.all(units.map((u) => commands?.online(u.terminal) ?? false));
        } catch (e) {
          if (e instanceof BusyError) return reply.code(503).send({ error: 'Service Unavailable', message: e.message });
          throw e;
        }
        const offline = units.filter((_, i) => !reached[i]).map((u) => u.terminal);
        if (offline.length > 0) return reply.code(409).send({ error: 'Conflict', message: `not online, no order can reach them: ${offline.join(', ')}` });
        const actor = actorOf(req);
        const orders = await store.run(() => store.dispatches.create(ref, location, units, actor, req.body.note));
        await board.reload().catch(() => undefined);
        // the target follows: a case is dispatched, an incident assigned to the units
        let status = target.status;
        if (kind === 'case' && target.status === 'open') {
          const c = await store.run(() => store.cases.update(ref.org, ref.id, { status: 'dispatched' }, actor));
          if (c) {
            status = c.status;
            map.cases.put(c);
            await map.caseChanged(c, false);
          }
        } else if (kind === 'incident') {
          const i = await store.run(() => store.incidents.step(req.scope, ref.id, 'assigned', actor, undefined, units.map((u) => u.terminal).join(',')));
          if (i) {
            status = i.status;
            store.changed(i);
          }
        }
        const what = kind === 'case' ? (target as Case).type : (target as Incident).kind;
        const answered = await Promise.all(orders.map((o) => send(commands, store, o, what, (target as Case).description, req.grant)));
        return { target: { ...ref, status }, orders: answered.map((o) => shiftOrder(o, req.query.crs)) };
      },
    );

    app.get<{ Params: { id: string }; Querystring: { org?: string; crs?: Crs } }>(
      kind === 'case' ? '/api/cases/:id/dispatches' : '/api/incidents/:id/dispatches',
      {
        schema: {
          summary: `The ${kind}'s dispatch orders, oldest first: answer, arrival, release`,
          tags: ['dispatch'],
          params: { type: 'object', properties: { id: kind === 'case' ? { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,64}$' } : { type: 'string', format: 'uuid' } }, required: ['id'] },
          querystring: { type: 'object', additionalProperties: false, properties: { ...(kind === 'case' ? { org: { type: 'string', maxLength: 200 } } : {}), ...crsQuery, ...tokenQuery } },
          response: { 200: Type.Array(DispatchSchema), 404: errorSchema, 409: errorSchema, 503: errorSchema },
        },
      },
      async (req, reply) => {
        const found = await findTarget(req, reply, kind, req.params.id, req.query.org);
        if (!found) return reply;
        return (await store.run(() => store.dispatches.forTarget(found.ref))).map((o) => shiftOrder(o, req.query.crs));
      },
    );
  }

  app.get<{ Querystring: { from?: string; to?: string } }>(
    '/api/stats/response-times',
    {
      schema: {
        summary: `Response times (dispatch to arrival) per org unit of the target and day (${deps.timeZone}), within the scope`,
        tags: ['dispatch'],
        querystring: { type: 'object', additionalProperties: false, properties: { from: { type: 'string', format: 'date-time', description: `default: 7 days before to; at most ${MAX_STATS_DAYS} days before it` }, to: { type: 'string', format: 'date-time', description: 'default: now' }, ...tokenQuery } },
        response: {
          200: Type.Object({
            timeZone: Type.String(),
            items: Type.Array(Type.Object({ org: Type.String(), day: Type.String(), dispatches: Type.Integer(), arrived: Type.Integer(), medianS: Type.Union([Type.Number(), Type.Null()]), p90S: Type.Union([Type.Number(), Type.Null()]), meanS: Type.Union([Type.Number(), Type.Null()]) })),
          }),
          400: errorSchema,
          503: errorSchema,
        },
      },
    },
    async (req, reply) => {
      const to = req.query.to ? new Date(req.query.to) : new Date();
      const from = req.query.from ? new Date(req.query.from) : new Date(to.getTime() - 7 * 86_400_000);
      if (!(from < to)) return reply.code(400).send({ error: 'Bad Request', message: 'querystring: from must be before to' });
      if (to.getTime() - from.getTime() > MAX_STATS_DAYS * 86_400_000) return reply.code(400).send({ error: 'Bad Request', message: `querystring: at most ${MAX_STATS_DAYS} days from from to to; ask for longer spans a year at a time` });
      return { timeZone: deps.timeZone, items: await store.run(() => store.dispatches.responseTimes({ scope: req.scope, from, to, timeZone: deps.timeZone })) };
    },
  );
};

function shiftOrder(o: Dispatch, crs: Crs | undefined): Dispatch {
  if (!crs || crs === 'wgs84') return o;
  const [lng, lat] = shifter(crs)(o.location.lng, o.location.lat);
  return { ...o, location: { lat, lng } };
}

/**
 * The order's text to its terminal, in the terminal's edition (chosen where its session is, which
 * may be another gateway's); the answer on the record.
 */
async function send(commands: CommandPort | undefined, store: Store, order: Dispatch, what: string, description?: string, caller?: object): Promise<Dispatch> {
  const text = `【派警】${order.code} ${what} ${order.location.lat.toFixed(5)},${order.location.lng.toFixed(5)}${description ? ` ${description.slice(0, 60)}` : ''}`;
  const bodies = { '2011': dispatchTextBody('2011', text), '2013': dispatchTextBody('2013', text), '2019': dispatchTextBody('2019', text) };
  let outcome: { result?: number; reason?: string };
  try {
    if (!commands) throw new OfflineError(order.terminal);
    const answer = await commands.commandByEdition(order.terminal, 0x8300, bodies, undefined, caller);
    const result = (answer.body as { result?: unknown }).result;
    outcome = typeof result === 'number' ? { result } : { reason: `answered with 0x${answer.msgId.toString(16).padStart(4, '0')}` };
  } catch (e) {
    outcome = { reason: e instanceof OfflineError ? 'offline' : e instanceof BusyError ? 'relay-busy' : 'timeout' };
  }
  // best effort: the order itself is on record already
  await store.run(() => store.dispatches.answered(order, outcome)).catch(() => undefined);
  return { ...order, answer: outcome.result ?? null };
}

