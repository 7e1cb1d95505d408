/**
 * The registry through the API (issue 17): org units, devices, people. Reading needs "read",
 * changing needs "admin"; everything is within the token's scope (another org's row is a 404,
 * never a 409). A device's change reaches the live map and its session at once.
 *   GET    /api/orgs                      the units in scope, by path
 *   POST   /api/orgs                      { path, kind, name }: under an existing parent
 *   PATCH  /api/orgs/{path}               { kind?, name? }
 *   DELETE /api/orgs/{path}               only an empty unit (409 naming what is in it)
 *   GET    /api/devices                   ?category=&limit=&after=
 *   GET    /api/devices/export            ?format=json|csv: the registry file's formats
 *   POST   /api/devices/import            a registry file (application/json or text/csv): all or nothing,
 *                                         every bad row named with its line
 *   GET|PUT|DELETE /api/devices/{terminal}
 *   GET    /api/people, GET|PUT|DELETE /api/people/{id}
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { CATEGORIES } from '../../events/categories.js';
import type { Category } from '../../events/categories.js';
import { terminalId } from '../../events/commands.js';
import { within } from '../../events/scope.js';
import { checkRegistry } from '../../gateway/registry/devices.js';
import { errorSchema, tokenQuery } from '../../map/api-schemas.js';
import { ORG_KINDS, PERSON_ROLES, isRefusal } from '../../store/registry.js';
import type { DeviceRecord, Refusal } from '../../store/registry.js';
import type { Store } from '../../store/store.js';
import type { AppDeps, RegistryUpdates } from '../deps.js';
import { storeErrors } from '../store-errors.js';

const PATH = '^[A-Za-z0-9_.-]{1,64}(?:/[A-Za-z0-9_.-]{1,64}){0,9}$';
const Path = Type.String({ pattern: PATH, description: 'org unit path: city/district/squad' });
const Kind = Type.Union(ORG_KINDS.map((k) => Type.Literal(k)));
const OrgCreate = Type.Object({ path: Path, kind: Kind, name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
const OrgPatch = Type.Object({ kind: Type.Optional(Kind), name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: false, minProperties: 1 });
const DeviceBody = Type.Object(
  {
    category: Type.Union(CATEGORIES.map((c) => Type.Literal(c))),
    org: Type.String({ maxLength: 650 }),
    plate: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    officer: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    terminalId: Type.Optional(Type.String({ minLength: 1, maxLength: 30, description: 'the terminal ID its 0x0100 must carry' })),
    epoch: Type.Optional(Type.Integer({ minimum: 0, maximum: 999_999_999, default: 0, description: 'bump to revoke its auth codes' })),
    channels: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 255 }), { maxItems: 64, default: [], description: 'video channels (JT/T 1078)' })),
  },
  { additionalProperties: false },
);
const PersonBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    role: Type.Union(PERSON_ROLES.map((r) => Type.Literal(r))),
    org: Type.String({ maxLength: 650 }),
    devices: Type.Array(Type.String({ pattern: '^[0-9a-fA-F]{1,20}$' }), { maxItems: 64, uniqueItems: true, default: [] }),
  },
  { additionalProperties: false },
);
const quietQuery = { type: 'object', additionalProperties: false, properties: tokenQuery } as const;
// `device`, not `terminal`: the auth plugin's terminal check would answer 404 for a device not yet registered; the store scopes these itself
const terminalParams = { type: 'object', properties: { device: { type: 'string', pattern: '^[0-9a-fA-F]{1,20}$' } }, required: ['device'] } as const;
const personParams = { type: 'object', properties: { id: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,64}$' } }, required: ['id'] } as const;
/** a city's registry is ~100 KB; a province's tens of MB go in parts. Rights are checked before a body is read (auth.ts onRequest). */
const IMPORT_LIMIT = 8 * 1024 * 1024;
const CSV_HEAD = 'type,id,category,org,plate,officer,lat,lng,name,terminalId,epoch';

/** A refusal of the store as its HTTP answer. */
function refuse(reply: FastifyReply, r: Refusal, what: string): FastifyReply {
  switch (r.refused) {
    case 'not-found':
      return reply.code(404).send({ error: 'Not Found', message: `no ${what} in this token's scope` });
    case 'exists':
      return reply.code(409).send({ error: 'Conflict', message: `${what} exists` });
    case 'no-parent':
      return reply.code(400).send({ error: 'Bad Request', message: `path: its parent "${r.parent}" is not an org unit; create it first` });
    case 'in-use':
      return reply.code(409).send({ error: 'Conflict', message: `${what} is not empty: it has ${r.by.replace('-', ' ')} under it` });
    case 'out-of-scope':
      return reply.code(403).send({ error: 'Forbidden', message: `${r.field}: outside this token's scope` });
    case 'unknown-device':
      return reply.code(400).send({ error: 'Bad Request', message: `devices: ${r.terminals.join(', ')} not in the registry (in this scope)` });
  }
}

const csvCell = (v: unknown) => {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export const registryRoutes: FastifyPluginAsync<AppDeps & { store: Store; devices: RegistryUpdates }> = async (app, { store, devices }) => {
  app.setErrorHandler(storeErrors);
  // a registry file as a body: CSV as text, bounded like every body (http.maxBodyBytes)
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  // --- org units ----------------------------------------------------------------------------
  app.get('/api/orgs', { schema: { summary: 'Org units in scope', tags: ['registry'], querystring: quietQuery } }, async (req) => store.run(() => store.registry.listOrgs(req.scope)));

  app.post<{ Body: Static<typeof OrgCreate> }>('/api/orgs', { config: { right: 'admin' }, schema: { summary: 'Create an org unit', tags: ['registry'], body: OrgCreate, querystring: quietQuery, response: { 400: errorSchema, 403: errorSchema, 409: errorSchema, 503: errorSchema } } }, async (req, reply) => {
    const r = await store.run(() => store.registry.createOrg(req.scope, req.body));
    return isRefusal(r) ? refuse(reply, r, `org unit ${req.body.path}`) : reply.code(201).send(r);
  });

  app.patch<{ Params: { '*': string }; Body: Static<typeof OrgPatch> }>('/api/orgs/*', { config: { right: 'admin' }, schema: { summary: 'Rename or re-kind an org unit', tags: ['registry'], body: OrgPatch, querystring: quietQuery } }, async (req, reply) => {
    const path = req.params['*'];
    if (!new RegExp(PATH).test(path)) return reply.code(400).send({ error: 'Bad Request', message: `path: "${path}" is not an org unit path` });
    const r = await store.run(() => store.registry.updateOrg(req.scope, path, req.body));
    return isRefusal(r) ? refuse(reply, r, `org unit ${path}`) : r;
  });

  app.delete<{ Params: { '*': string } }>('/api/orgs/*', { config: { right: 'admin' }, schema: { summary: 'Delete an empty org unit', tags: ['registry'], querystring: quietQuery } }, async (req, reply) => {
    const path = req.params['*'];
    const r = await store.run(() => store.registry.deleteOrg(req.scope, path));
    return r === true ? reply.code(204).send() : refuse(reply, r, `org unit ${path}`);
  });

  // --- devices ------------------------------------------------------------------------------
  app.get<{ Querystring: { category?: string; limit: number; after?: string } }>(
    '/api/devices',
    {
      schema: {
        summary: 'Devices in scope, by terminal',
        tags: ['registry'],
        querystring: { type: 'object', additionalProperties: false, properties: { category: { type: 'string', pattern: `^(?:${CATEGORIES.join('|')})(?:,(?:${CATEGORIES.join('|')}))*$` }, limit: { type: 'integer', minimum: 1, maximum: 5000, default: 1000 }, after: { type: 'string', maxLength: 200 }, ...tokenQuery } },
      },
    },
    async (req) => store.run(() => store.registry.listDevices({ scope: req.scope, category: req.query.category?.split(',') as Category[] | undefined, limit: req.query.limit, after: req.query.after })),
  );

  app.get<{ Querystring: { format: 'json' | 'csv' } }>(
    '/api/devices/export',
    { schema: { summary: 'The registry in scope as a registry file (JSON or CSV), importable as it is', tags: ['registry'], querystring: { type: 'object', additionalProperties: false, properties: { format: { type: 'string', enum: ['json', 'csv'], default: 'json' }, ...tokenQuery } } } },
    async (req, reply) => {
      const all = await store.run(() => store.registry.snapshot());
      const terminals = all.devices.filter((d) => within(req.scope, d.org));
      const resources = all.resources.filter((r) => within(req.scope, r.org));
      if (req.query.format === 'json') {
        return { terminals: terminals.map(({ person: _person, channels: _channels, ...d }) => ({ ...d, ...(d.epoch === 0 ? { epoch: undefined } : {}) })), resources };
      }
      const lines = [CSV_HEAD];
      for (const d of terminals) lines.push(['terminal', d.terminal, d.category, d.org, d.plate, d.officer, '', '', '', d.terminalId, d.epoch || ''].map(csvCell).join(','));
      for (const r of resources) lines.push(['resource', r.id, r.kind, r.org, '', '', r.lat, r.lng, r.name, '', ''].map(csvCell).join(','));
      return reply.type('text/csv; charset=utf-8').send(`${lines.join('\n')}\n`);
    },
  );

  app.post<{ Body: unknown }>(
    '/api/devices/import',
    { config: { right: 'admin' }, bodyLimit: IMPORT_LIMIT, schema: { summary: 'Import a registry file (application/json or text/csv): all of it or, with any bad row, none', tags: ['registry'], querystring: quietQuery } },
    async (req, reply) => {
      const csv = typeof req.body === 'string';
      const { data, errors } = checkRegistry(csv ? (req.body as string) : JSON.stringify(req.body ?? {}), csv ? 'csv' : 'json');
      if (errors.length > 0) return reply.code(400).send({ error: 'Bad Request', message: `nothing imported: ${errors.length} bad ${errors.length === 1 ? 'row' : 'rows'}`, errors });
      const rows = [...data.devices.values()].map((d) => ({ terminal: d.terminal, category: d.category, org: d.org, epoch: d.epoch ?? 0, channels: [], ...(d.plate ? { plate: d.plate } : {}), ...(d.officer ? { officer: d.officer } : {}), ...(d.terminalId ? { terminalId: d.terminalId } : {}) }));
      const done = await store.run(() => store.registry.importRegistry(req.scope, rows, data.resources));
      if ('refused' in done) return reply.code(403).send({ error: 'Forbidden', message: `nothing imported: entries ${done.rows.map((i) => i + 1).join(', ')} are outside this token's scope "${req.scope}"` });
      await devices.reload();
      return done;
    },
  );

  app.get<{ Params: { device: string } }>('/api/devices/:device', { schema: { summary: 'One device', tags: ['registry'], params: terminalParams, querystring: quietQuery } }, async (req, reply) => {
    const d = await store.run(() => store.registry.getDevice(req.scope, terminalId(req.params.device)));
    return d ?? reply.code(404).send({ error: 'Not Found', message: `no device ${req.params.device} in this token's scope` });
  });

  app.put<{ Params: { device: string }; Body: Static<typeof DeviceBody> }>(
    '/api/devices/:device',
    { config: { right: 'admin' }, schema: { summary: 'Create or replace a device', tags: ['registry'], params: terminalParams, body: DeviceBody, querystring: quietQuery, response: { 400: errorSchema, 403: errorSchema, 404: errorSchema, 503: errorSchema } } },
    async (req, reply) => {
      const terminal = terminalId(req.params.device);
      const b = req.body;
      const record: Omit<DeviceRecord, 'person'> = { terminal, category: b.category, org: b.org, epoch: b.epoch ?? 0, channels: b.channels ?? [] };
      if (b.plate) record.plate = b.plate;
      if (b.officer) record.officer = b.officer;
      if (b.terminalId) record.terminalId = b.terminalId;
      const r = await store.run(() => store.registry.putDevice(req.scope, record));
      if (isRefusal(r)) return refuse(reply, r, `device ${terminal}`);
      devices.set(terminal, r);
      return r;
    },
  );

  app.delete<{ Params: { device: string } }>('/api/devices/:device', { config: { right: 'admin' }, schema: { summary: 'Remove a device from the registry', tags: ['registry'], params: terminalParams, querystring: quietQuery } }, async (req, reply) => {
    const terminal = terminalId(req.params.device);
    if (!(await store.run(() => store.registry.deleteDevice(req.scope, terminal)))) return reply.code(404).send({ error: 'Not Found', message: `no device ${terminal} in this token's scope` });
    devices.set(terminal, undefined);
    return reply.code(204).send();
  });

  // --- people -------------------------------------------------------------------------------
  app.get('/api/people', { schema: { summary: 'Officers and auxiliaries in scope, with the devices they carry', tags: ['registry'], querystring: quietQuery } }, async (req) => store.run(() => store.registry.listPeople(req.scope)));

  app.get<{ Params: { id: string } }>('/api/people/:id', { schema: { summary: 'One person', tags: ['registry'], params: personParams, querystring: quietQuery } }, async (req, reply) => {
    const p = await store.run(() => store.registry.getPerson(req.scope, req.params.id));
    return p ?? reply.code(404).send({ error: 'Not Found', message: `no person ${req.params.id} in this token's scope` });
  });

  app.put<{ Params: { id: string }; Body: Static<typeof PersonBody> }>(
    '/api/people/:id',
    { config: { right: 'admin' }, schema: { summary: 'Create or replace a person (and the devices they carry)', tags: ['registry'], params: personParams, body: PersonBody, querystring: quietQuery, response: { 400: errorSchema, 403: errorSchema, 404: errorSchema, 503: errorSchema } } },
    async (req, reply) => {
      const r = await store.run(() => store.registry.putPerson(req.scope, { id: req.params.id, ...req.body, devices: req.body.devices.map(terminalId) }));
      return isRefusal(r) ? refuse(reply, r, `person ${req.params.id}`) : r;
    },
  );

  app.delete<{ Params: { id: string } }>('/api/people/:id', { config: { right: 'admin' }, schema: { summary: 'Remove a person', tags: ['registry'], params: personParams, querystring: quietQuery } }, async (req, reply) => {
    if (!(await store.run(() => store.registry.deletePerson(req.scope, req.params.id)))) return reply.code(404).send({ error: 'Not Found', message: `no person ${req.params.id} in this token's scope` });
    return reply.code(204).send();
  });
};
