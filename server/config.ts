/**
 * Every setting, assembled from the rooms' sections (each room's settings.ts describes what it
 * reads, once, as a TypeBox schema with its default; cluster and log are the process's own). Loading order,
 * later wins: schema defaults <- config/default.json <- `--config FILE` <- DIPPER_* variables.
 * The result is validated once at start; bad values stop the process with one error listing every
 * one, each naming its key and what is allowed (e.g. "jt808.port: Expected integer"), never a
 * half-configured gateway.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType } from '@sinclair/typebox/value';
import { ApiSections } from '../api/settings.js';
import { ConfigError, H3Section, Section } from '../events/settings.js';
import { GatewaySections, MIN_SECRET_BYTES } from '../gateway/settings.js';
import { MapSections } from '../map/settings.js';
import { badBroker } from '../sinks/kafka-brokers.js';
import { CommandRelayKeys, SinkSections } from '../sinks/settings.js';
import { StoreSections } from '../store/settings.js';
import { unprotectedListener } from './exposure.js';


export const ConfigSchema = Section({
  jt808: GatewaySections.jt808,
  http: ApiSections.http,
  mqtt: SinkSections.mqtt,
  dataDir: GatewaySections.dataDir,
  media: GatewaySections.media,
  attachments: GatewaySections.attachments,
  auth: GatewaySections.auth,
  devices: GatewaySections.devices,
  h3: H3Section,
  normalise: GatewaySections.normalise,
  queue: SinkSections.queue,
  reassembly: GatewaySections.reassembly,
  // the gateway's command keys and the relay's (sinks/command-relay.ts)
  commands: Section({ ...GatewaySections.commands.properties, ...CommandRelayKeys }),
  api: ApiSections.api,
  map: MapSections.map,
  kafka: SinkSections.kafka,
  mqttExternal: SinkSections.mqttExternal,
  influx: SinkSections.influx,
  delivery: SinkSections.delivery,
  web: ApiSections.web,
  cases: ApiSections.cases,
  database: StoreSections.database,
  incidents: StoreSections.incidents,
  mediaRecords: StoreSections.mediaRecords,
  dispatch: StoreSections.dispatch,
  duty: StoreSections.duty,
  cluster: Section({
    workers: Type.Integer({
      minimum: 0,
      maximum: 64,
      default: 0,
      description:
        '0 = one process does everything; N >= 1 = a node:cluster primary that accepts on the shared ports and supervises N gateway workers (restarting any that dies); N > 1 holds more connections than one process may open but needs an external MQTT broker, each worker serving its own terminals',
    }),
  }),
  log: Section({
    level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  }),

});

export type Config = Static<typeof ConfigSchema>;

/** The operator contract: environment variable -> config key (dotted). */
export const ENVIRONMENT: Record<string, string> = {
  DIPPER_JT808_PORT: 'jt808.port',
  DIPPER_JT808_PROXY_PROTOCOL: 'jt808.proxyProtocol',
  DIPPER_JT808_UDP_MAX_SESSIONS: 'jt808.udpMaxSessions',
  DIPPER_JT808_UDP_MAX_PER_IP: 'jt808.udpMaxPerIp',
  DIPPER_JT808_TURN_BUDGET_MS: 'jt808.turnBudgetMs',
  DIPPER_JT808_PENALTY_STRIKES: 'jt808.penaltyStrikes',
  DIPPER_JT808_PENALTY_WINDOW_MS: 'jt808.penaltyWindowMs',
  DIPPER_JT808_PENALTY_COOLDOWN_MS: 'jt808.penaltyCooldownMs',
  DIPPER_ATTACHMENTS_PORT: 'attachments.port',
  DIPPER_ATTACHMENTS_ADVERTISE: 'attachments.advertise',
  DIPPER_HTTP_HOST: 'http.host',
  DIPPER_HTTP_PORT: 'http.port',
  DIPPER_MQTT_HOST: 'mqtt.host',
  DIPPER_MQTT_PORT: 'mqtt.port',
  DIPPER_MQTT_WS_PORT: 'mqtt.wsPort',
  DIPPER_DATA_DIR: 'dataDir',
  DIPPER_AUTH_SECRET: 'auth.secret',
  DIPPER_ALLOW_ANONYMOUS: 'auth.allowAnonymous',
  DIPPER_AUTH_REGISTRATIONS_PER_MINUTE: 'auth.registrationsPerMinute',
  DIPPER_DEVICES: 'devices',
  DIPPER_LOG_LEVEL: 'log.level',
  DIPPER_KAFKA_BROKERS: 'kafka.brokers',
  DIPPER_MQTT_URL: 'mqttExternal.url',
  DIPPER_MQTT_EMQX: 'mqttExternal.emqx',
  DIPPER_COMMANDS_RELAY: 'commands.relay',
  DIPPER_INFLUX_URL: 'influx.url',
  DIPPER_INFLUX_TOKEN: 'influx.token',
  DIPPER_INFLUX_ORG: 'influx.org',
  DIPPER_INFLUX_BUCKET: 'influx.bucket',
  DIPPER_DELIVERY: 'delivery.mode',
  DIPPER_WORKERS: 'cluster.workers',
  DIPPER_DATABASE_POOL_SIZE: 'database.poolSize',
  // secrets for containers: from the environment, never from a file in the image (docker/compose.yaml)
  DIPPER_API_TOKENS: 'api.tokens',
  DIPPER_MQTT_USERNAME: 'mqttExternal.username',
  DIPPER_MQTT_PASSWORD: 'mqttExternal.password',
  // a URL with the database's password in it
  DIPPER_DATABASE_URL: 'database.url',
};

export { ConfigError, MIN_SECRET_BYTES };

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(out[k]) ? merge(out[k] as Json, v) : v;
  return out;
}

function readJson(file: string): Json {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  try {
    const v: unknown = JSON.parse(text);
    if (!isObject(v)) throw new Error('not a JSON object');
    return v;
  } catch (e) {
    throw new ConfigError(`config file ${file}: ${(e as Error).message}`);
  }
}

/** The schema node at a dotted key, to convert an environment string to its type. */
function schemaAt(key: string): TSchema | undefined {
  let node: TSchema | undefined = ConfigSchema;
  for (const part of key.split('.')) node = (node?.properties as Record<string, TSchema> | undefined)?.[part];
  return node;
}

function fromEnvironment(env: NodeJS.ProcessEnv): Json {
  let out: Json = {};
  for (const [name, key] of Object.entries(ENVIRONMENT)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const schema = schemaAt(key)!;
    // lists and objects (DIPPER_API_TOKENS) are JSON; the value is then validated like a file's
    const value = schema.type === 'array' || schema.type === 'object' ? parseJsonVariable(name, raw) : Value.Convert(schema, raw);
    const nested = key.split('.').reduceRight<unknown>((acc, part) => ({ [part]: acc }), value) as Json;
    out = merge(out, nested);
  }
  return out;
}

function parseJsonVariable(name: string, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    // not JSON.parse's message: it quotes the input, which may hold secrets
    throw new ConfigError(`invalid configuration: ${name}: not valid JSON`);
  }
}

/** Value of `--config FILE` / `--config=FILE` in argv, if any. */
export function configArgument(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config') {
      const f = argv[i + 1];
      if (!f) throw new ConfigError('--config needs a file name');
      return f;
    }
    if (a.startsWith('--config=')) return a.slice('--config='.length);
  }
  return undefined;
}

export interface LoadOptions {
  /** Defaults file; `null` skips it (tests). */
  defaultsFile?: string | null;
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Applied last (tests). */
  overrides?: Json;
}

export function loadConfig(options: LoadOptions = {}): Config {
  let value: Json = {};
  const defaultsFile = options.defaultsFile === undefined ? resolve('config/default.json') : options.defaultsFile;
  if (defaultsFile) value = merge(value, readJson(defaultsFile));
  if (options.file) value = merge(value, readJson(options.file));
  value = merge(value, fromEnvironment(options.env ?? {}));
  if (options.overrides) value = merge(value, options.overrides);
  return validate(value);
}

/** Keys whose values are credentials: api.tokens.0.token, auth.secret, mqttExternal.password, influx.token ... */
const SECRET_KEY = /(^|\.)(token|tokens|secret|password)(\.|$)|^database\.url$/i;

/** What a schema node accepts, for an error message: `one of "a", "b"`, the keys of an object. */
function allowed(schema: TSchema): string | undefined {
  const anyOf = schema.anyOf as TSchema[] | undefined;
  if (anyOf) {
    const literals = anyOf.map((a) => a.const as unknown);
    if (literals.every((l) => l !== undefined)) return `one of ${literals.map((l) => JSON.stringify(l)).join(', ')}`;
    const kinds = anyOf.map((a) => (typeof a.type === 'string' ? a.type : undefined));
    if (kinds.every((k) => k !== undefined)) return `one of the types ${kinds.join(', ')}`;
  }
  return undefined;
}

/** The schema node of an object holding `path` (a JSON pointer, /a/b/0/c), for "Unexpected property". */
function parentSchema(path: string): TSchema | undefined {
  let node: TSchema | undefined = ConfigSchema;
  for (const part of path.split('/').slice(1, -1)) {
    if (node?.type === 'array') node = node.items as TSchema | undefined;
    else node = (node?.properties as Record<string, TSchema> | undefined)?.[part];
  }
  return node;
}

/** Whether the runtime's time zone data knows `zone` (the browser's Intl reads the same IANA names). */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

interface Check {
  /** the keys it reads: skipped when one of them already failed the schema (its value may be of any type) */
  keys: string[];
  problem: (config: Config) => string | undefined;
}

/** Checks across keys, or of a string's form, beyond what the schema says. */
const CHECKS: Check[] = [
  {
    keys: ['auth.secret'],
    // a short or shared key lets anyone compute every terminal's code; empty = generated (auth-secret.ts)
    problem: (c) =>
      c.auth.secret !== '' && Buffer.byteLength(c.auth.secret) < MIN_SECRET_BYTES
        ? `auth.secret: at least ${MIN_SECRET_BYTES} bytes (got ${Buffer.byteLength(c.auth.secret)}); leave it empty to have one generated in dataDir`
        : undefined,
  },
  {
    keys: ['api.tokens', 'api.insecure', 'http.host', 'mqtt.host', 'mqttExternal.url'],
    // no tokens = no credential asked: only this machine may reach the API and the broker
    problem: (c) => {
      const open = unprotectedListener(c);
      return open
        ? `${open.setting}: "${open.host}" is not a loopback address and api.tokens is empty, so anyone reaching it could read every terminal and send commands; configure api.tokens, listen on 127.0.0.1, or set api.insecure: true to accept that`
        : undefined;
    },
  },
  {
    keys: ['http.publicUrl'],
    problem: (c) =>
      c.http.publicUrl && !/^https?:\/\/[^/\s?#]+(?:\/[^\s?#]*)?$/.test(c.http.publicUrl)
        ? `http.publicUrl: "${c.http.publicUrl}" is not an http(s):// URL without query or fragment`
        : undefined,
  },
  {
    keys: ['web.timeZone'],
    problem: (c) => (isTimeZone(c.web.timeZone) ? undefined : `web.timeZone: "${c.web.timeZone}" is not an IANA time zone (e.g. "Asia/Shanghai", "UTC")`),
  },
  { keys: ['queue.lowWater', 'queue.highWater'], problem: (c) => (c.queue.lowWater >= c.queue.highWater ? 'queue.lowWater: must be below queue.highWater' : undefined) },
  {
    keys: ['kafka.brokers'],
    problem: (c) => {
      const bad = badBroker(c.kafka.brokers);
      return bad !== undefined ? `kafka.brokers: "${bad}" is not host:port` : undefined;
    },
  },
  {
    keys: ['mqttExternal.url'],
    problem: (c) =>
      c.mqttExternal.url && !/^(mqtts?|wss?|tcp):\/\/[^/\s]+/.test(c.mqttExternal.url)
        ? `mqttExternal.url: "${c.mqttExternal.url}" is not an mqtt://, mqtts://, ws:// or wss:// URL`
        : undefined,
  },
  {
    keys: ['database.url'],
    // the value is not shown: it may hold a password
    problem: (c) =>
      c.database.url && !/^postgres(?:ql)?:\/\/[^/\s]+/.test(c.database.url)
        ? 'database.url: not a postgres:// or postgresql:// URL (the value is not shown: it may hold a password); leave it empty for the embedded PGlite under dataDir/db'
        : undefined,
  },
  {
    keys: ['cluster.workers', 'database.url'],
    // PGlite is one process's: two workers opening dataDir/db would corrupt it
    problem: (c) =>
      c.cluster.workers > 1 && !c.database.url
        ? 'cluster.workers: more than one worker needs a PostgreSQL server (database.url, DIPPER_DATABASE_URL): the embedded PGlite belongs to one process'
        : undefined,
  },
  {
    keys: ['cluster.workers', 'mqttExternal.url'],
    // each worker would run its own embedded broker on the shared port and see only its own terminals
    problem: (c) =>
      c.cluster.workers > 1 && !c.mqttExternal.url
        ? "cluster.workers: more than one worker needs an external MQTT broker (mqttExternal.url): each worker's embedded broker would see only its own terminals"
        : undefined,
  },
  {
    keys: ['influx.url'],
    problem: (c) => (c.influx.url && !/^https?:\/\/[^/\s]+/.test(c.influx.url) ? `influx.url: "${c.influx.url}" is not an http(s):// URL` : undefined),
  },
];

/**
 * Fills defaults and checks every key; throws one ConfigError listing every problem, each naming
 * its key and, where the schema's own message does not, what is allowed (an enum's values, a
 * section's keys). Credentials are named, never echoed.
 */
export function validate(value: unknown): Config {
  const filled = Value.Default(ConfigSchema, Value.Clone(value));
  const problems: string[] = [];
  const failed: string[] = [];
  for (const error of Value.Errors(ConfigSchema, filled)) {
    const key = error.path.replace(/^\//, '').replace(/\//g, '.') || '(root)';
    failed.push(key);
    // credentials are named, never echoed: the message goes to logs and terminals
    const got = SECRET_KEY.test(key) ? 'a value that is not shown' : JSON.stringify(error.value);
    let also = allowed(error.schema);
    if (also) also = `allowed: ${also}`;
    if (error.type === ValueErrorType.ObjectAdditionalProperties) {
      const keys = Object.keys((parentSchema(error.path)?.properties as Record<string, TSchema> | undefined) ?? {});
      if (keys.length > 0) also = `known keys here: ${keys.join(', ')}`;
    }
    problems.push(`${key}: ${error.message} (got ${got})${also ? `; ${also}` : ''}`);
  }
  const overlaps = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
  // a root that is not an object leaves nothing the checks could read
  for (const check of failed.includes('(root)') ? [] : CHECKS) {
    if (check.keys.some((k) => failed.some((f) => overlaps(f, k)))) continue;
    const problem = check.problem(filled as Config);
    if (problem) problems.push(problem);
  }
  if (problems.length === 1) throw new ConfigError(`invalid configuration: ${problems[0]}`);
  if (problems.length > 1) throw new ConfigError(`invalid configuration, ${problems.length} problems:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return filled as Config;
}
