/**
 * Every gateway setting, described once as a TypeBox schema with its default. Loading order,
 * later wins: schema defaults <- config/default.json <- `--config FILE` <- DIPPER_* variables.
 * The result is validated once at start; a bad value stops the process with an error naming
 * the key (e.g. "jt808.port: Expected integer"), never a half-configured gateway.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { unprotectedListener } from '../server/exposure.js';

/** Closed objects: a misspelt key is an error, not a silently ignored setting. */
const Section = <T extends Parameters<typeof Type.Object>[0]>(props: T) => Type.Object(props, { additionalProperties: false, default: {} });

const Port = Type.Integer({ minimum: 0, maximum: 65535, description: '0 = pick a free port (logged)' });
const Ms = Type.Integer({ minimum: 1 });

export const ConfigSchema = Section({
  jt808: Section({
    host: Type.String({ default: '0.0.0.0' }),
    port: { ...Port, default: 6808 },
    udp: Type.Boolean({ default: true, description: 'also listen for JT/T 808 over UDP on the same port' }),
    maxConnections: Type.Integer({ minimum: 1, default: 20000 }),
    maxPerIp: Type.Integer({ minimum: 1, default: 500, description: 'NATed fleets share an address: keep it generous' }),
    udpMaxSessions: Type.Integer({
      minimum: 1,
      default: 20000,
      description:
        'UDP sessions at most (one per source address and port, ~3 KB each); at the limit a new source takes the place of the oldest session not logged in (udp-evicted), and when all are logged in its datagrams are dropped unanswered (udp-max-sessions in dipper_connections_refused_total)',
    }),
    udpMaxPerIp: Type.Integer({ minimum: 1, default: 500, description: 'UDP sessions per source address at most, as udpMaxSessions (udp-per-ip when all are logged in); NATed fleets share an address: keep it generous' }),
    handshakeTimeoutMs: { ...Ms, default: 60_000, description: 'time to authenticate after connecting' },
    idleTimeoutMs: { ...Ms, default: 360_000, description: 'no frame for this long closes the session' },
    junkThreshold: Type.Integer({ minimum: 1, default: 2048, description: 'bytes outside frames before the connection is closed' }),
    malformedThreshold: Type.Integer({ minimum: 1, default: 20, description: 'bad frames before the connection is closed' }),
    maxFrameBytes: Type.Integer({ minimum: 64, maximum: 4096, default: 2090, description: 'longest escaped frame accepted' }),
    turnBudgetMs: Type.Number({ minimum: 0.1, default: 1, description: 'milliseconds of received data worked off per event-loop turn before the rest waits for the next (libuv accepts one connection per turn: short turns keep a busy gateway accepting)' }),
    penaltyStrikes: Type.Integer({ minimum: 0, default: 100, description: 'connections from one address closed for junk or malformed frames within penaltyWindowMs before its new connections are refused; NATed fleets share an address: keep it generous; 0 = off' }),
    penaltyWindowMs: { ...Ms, default: 10_000, description: 'window in which penaltyStrikes are counted' },
    penaltyCooldownMs: { ...Ms, default: 30_000, description: 'how long a penalised address has its new connections refused (open sessions are kept)' },
  }),
  http: Section({
    host: Type.String({ default: '127.0.0.1', description: 'the API and map page; another than loopback needs api.tokens (or api.insecure)' }),
    port: { ...Port, default: 8080 },
    publicUrl: Type.String({
      default: '',
      description:
        'the URL clients reach the API at (e.g. https://map.example.org, with a path prefix if proxied): TileJSON tile URLs start with it; empty = root-relative tile URLs (/tiles/...), resolved against the address the TileJSON was fetched from. Never taken from the Host header',
    }),
    maxBodyBytes: Type.Integer({ minimum: 1024, maximum: 16 * 1024 * 1024, default: 64 * 1024, description: 'largest request body (a command, a case: a few KB); larger is a 413 before it is read' }),
    maxJsonDepth: Type.Integer({ minimum: 4, maximum: 1000, default: 32, description: 'deepest nesting of arrays and objects in a JSON body (commands and cases need 4); deeper is a 400 before it is parsed' }),
    maxStreamsPerToken: Type.Integer({ minimum: 1, default: 20, description: '/api/stream connections open at once per API token (with no tokens: in all); more are a 429' }),
  }),
  mqtt: Section({
    host: Type.String({ default: '127.0.0.1', description: 'the embedded broker (TCP and WebSocket); another than loopback needs api.tokens (or api.insecure)' }),
    port: { ...Port, default: 1883 },
    wsPort: { ...Port, default: 8883, description: 'MQTT over WebSocket' },
    topicPrefix: Type.String({ default: 'dipper' }),
    maxClients: Type.Integer({ minimum: 1, default: 1000, description: 'MQTT connections at once (TCP and WebSocket together); more are refused and counted' }),
    maxPacketBytes: Type.Integer({ minimum: 1024, maximum: 16 * 1024 * 1024, default: 16 * 1024, description: 'largest MQTT packet a client may send (clients only connect and subscribe: their packets are small); a larger one closes the connection before it is buffered' }),
    maxSubscriptions: Type.Integer({ minimum: 1, default: 100, description: 'topic filters one client may subscribe to' }),
    maxRetained: Type.Integer({ minimum: 1, default: 200_000, description: 'retained messages kept (one per terminal position and per case, ~1 KB each); past it the oldest retained topic is dropped' }),
  }),
  dataDir: Type.String({ default: './data', description: 'multimedia and other files' }),
  media: Section({
    maxBytesPerTerminal: Type.Integer({ minimum: 4096, default: 100 * 1024 * 1024, description: 'bytes of multimedia files (0x0801) kept per terminal under dataDir/media; each file counts at least 4 KiB' }),
    maxBytesTotal: Type.Integer({ minimum: 4096, default: 10 * 1024 * 1024 * 1024, description: 'bytes of multimedia files kept in all under dataDir/media (files there at start count)' }),
    policy: Type.Union([Type.Literal('refuse-new'), Type.Literal('drop-oldest')], {
      default: 'refuse-new',
      description: 'an upload past a quota: refuse-new answers it 0x8001 result 1 and deletes nothing (files are evidence: a flood must not erase them; the terminal keeps its copy); drop-oldest deletes the terminal\'s (or, for the total, the store\'s) oldest files until it fits',
    }),
  }),
  auth: Section({
    secret: Type.String({
      default: '',
      description: 'HMAC key for auth codes, at least 32 bytes, the same on every gateway of a fleet; empty = generated on first start (32 random bytes) and kept in dataDir/auth-secret (0600)',
    }),
    allowAnonymous: Type.Boolean({ default: false, description: 'accept frames from terminals that never authenticated' }),
    unknownTerminals: Type.Union([Type.Literal('register'), Type.Literal('refuse')], { default: 'register' }),
    registrationsPerMinute: Type.Integer({
      minimum: 1,
      default: 1000,
      description:
        '0x0100 registrations accepted per source address per minute (a bucket of this many, refilled over a minute); past it 0x8100 result 2. NATed depots share an address: 1000 lets a depot at the jt808.maxPerIp default (500 terminals) all register twice at once after a power cut, while one address can mint at most ~17 identities a second',
    }),
    registrationAddresses: Type.Integer({ minimum: 1, default: 10_000, description: 'source addresses whose registration rate is tracked at most; past it the least recently seen is forgotten' }),
    rememberedTerminals: Type.Integer({
      minimum: 1,
      default: 200_000,
      description: 'phone -> terminal ID bindings kept (dataDir/registrations.jsonl) for phones whose registry entry names no terminal ID (~150 B each); past it new phones are refused (0x8100 result 2) until the operator raises it or adds them to the registry',
    }),
  }),
  devices: Type.String({ default: '', description: 'device registry file (JSON or CSV); empty = none' }),
  h3: Section({
    resolution: Type.Integer({ minimum: 0, maximum: 15, default: 9 }),
    parents: Type.Array(Type.Integer({ minimum: 0, maximum: 15 }), { default: [7, 5] }),
  }),
  normalise: Section({
    maxFutureMs: { ...Ms, default: 600_000, description: 'device time further ahead than this is invalid' },
    maxAlarmTerminals: Type.Integer({
      minimum: 1,
      default: 100_000,
      description: 'terminals whose alarm word is remembered to raise start/end edges at most (only those with an alarm bit set are held, ~200 B each); past it the one whose alarm changed longest ago is forgotten: if its alarm then clears, no end event is raised for it',
    }),
  }),
  queue: Section({
    highWater: Type.Integer({ minimum: 1, default: 10_000, description: 'events queued before sockets pause' }),
    lowWater: Type.Integer({ minimum: 0, default: 5_000, description: 'sockets resume below this' }),
    batch: Type.Integer({ minimum: 1, default: 500 }),
  }),
  reassembly: Section({
    timeoutMs: { ...Ms, default: 15_000, description: 'wait before asking for missing parts with 0x8003' },
    retries: Type.Integer({ minimum: 0, default: 2 }),
    maxPackets: Type.Integer({
      minimum: 1,
      maximum: 65535,
      default: 8192,
      description:
        'largest packet total taken; a part announcing more is refused (0x8001 result 2). 8192 packets of 512 bytes are a 4 MiB multimedia upload (reassembly.maxBytes); the simulators send photos of 3-12 KB (at most 12 packets)',
    }),
    maxEntries: Type.Integer({ minimum: 1, default: 16, description: 'subpackaged messages being reassembled at once per session; the oldest is dropped past it' }),
    maxBytes: Type.Integer({
      minimum: 16 * 1024,
      default: 4 * 1024 * 1024,
      description: 'bytes of incomplete messages held per session, counting about 1 KB per message and 320 B per part on top of the payload; the oldest is dropped past it',
    }),
    maxEntriesTotal: Type.Integer({ minimum: 1, default: 4096, description: 'subpackaged messages being reassembled over the whole gateway; past it new ones are refused (0x8001 result 1) rather than another session\'s evicted' }),
    maxBytesTotal: Type.Integer({
      minimum: 16 * 1024,
      default: 256 * 1024 * 1024,
      description: 'bytes of incomplete messages held over the whole gateway, overhead counted as for reassembly.maxBytes; past it new parts are refused (0x8001 result 1) rather than another session\'s evicted',
    }),
  }),
  commands: Section({
    timeoutMs: { ...Ms, default: 15_000 },
  }),
  api: Section({
    tokens: Type.Array(
      Type.Object(
        {
          token: Type.String({ minLength: 16, description: 'bearer token (Authorization: Bearer, or ?access_token= for EventSource and tile URLs)' }),
          org: Type.String({ default: '', description: 'org subtree this token sees: "" = everything, "wuhan/jianghan" = that district and below' }),
          name: Type.Optional(Type.String()),
          rights: Type.Optional(
            Type.Array(Type.Union([Type.Literal('read'), Type.Literal('command'), Type.Literal('admin')]), {
              default: ['read'],
              uniqueItems: true,
              description: 'read: map, terminals, tracks, stream (and MQTT subscriptions); command: downlink commands to terminals in scope; admin: create and change cases',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      { default: [], description: 'no tokens = the API and MQTT ask for no credential and must listen on loopback (http.host, mqtt.host) unless api.insecure; /healthz, /readyz are always open' },
    ),
    insecure: Type.Boolean({ default: false, description: 'allow http.host / mqtt.host off loopback with no api.tokens (anyone reaching them reads every terminal and sends commands); warned at every start' }),
  }),
  map: Section({
    clusterMaxZoom: Type.Integer({ minimum: 0, maximum: 12, default: 12, description: 'highest zoom served as clusters; single terminals above' }),
    maxZoom: Type.Integer({ minimum: 0, maximum: 24, default: 20, description: 'TileJSON maxzoom' }),
    maxFeatures: Type.Integer({ minimum: 1, default: 4000, description: 'features per tile at most (decimation keeps alarms first)' }),
    buffer: Type.Integer({ minimum: 0, maximum: 4096, default: 64, description: 'MVT buffer, tile units of 4096' }),
    tileTtlMs: Type.Integer({ minimum: 0, default: 1000, description: 'a rendered tile is reused for this long while data changes' }),
    cacheEntries: Type.Integer({ minimum: 0, default: 20_000 }),
    offlineAfterMs: { ...Ms, default: 360_000, description: 'not heard from for this long = offline' },
    unregisteredGraceMs: Type.Integer({
      minimum: 0,
      default: 600_000,
      description: 'a terminal the device registry does not list is dropped from the live indexes (map, /api/live, its track ring) once not heard from for offlineAfterMs + this; registered terminals only turn offline',
    }),
    maxUnregistered: Type.Integer({
      minimum: 1,
      default: 50_000,
      description: 'terminals the device registry does not list held in each live index at most (~1 KB each with their index rows); past it the least recently heard is dropped to make room (counted in dipper_live_index_evictions_total{reason="cap"}); registered terminals are bounded by the registry',
    }),
    heatWindowMaxMinutes: Type.Integer({ minimum: 1, maximum: 1440, default: 60 }),
    heatMaxKeys: Type.Integer({ minimum: 1000, default: 4_000_000, description: 'heat counts kept, as (H3 cell, org, minute) keys (~100-250 B each); past it the finest resolution stops taking new cells until old minutes expire' }),
    trackHours: Type.Number({ minimum: 0, default: 6, description: 'in-memory track ring per terminal (when no track store is configured)' }),
    trackMaxPoints: Type.Integer({ minimum: 2, default: 4320, description: 'points per terminal in the in-memory track ring (40 B each)' }),
    trackMaxTerminals: Type.Integer({
      minimum: 1,
      default: 150_000,
      description: 'terminals with an in-memory track ring at most (memory at most trackMaxTerminals × trackMaxPoints × 40 B); past it the least recently written ring is dropped',
    }),
    maxCases: Type.Integer({
      minimum: 1,
      default: 100_000,
      description: 'cases held in memory at most (~1-3 KB each); past it the oldest closed or cancelled case is dropped, and when all are open a new one is refused (HTTP 507)',
    }),
  }),
  kafka: Section({
    brokers: Type.String({ default: '', description: 'comma-separated host:port list; empty = no Kafka sink' }),
    clientId: Type.String({ default: 'dipper' }),
    topics: Section({
      positions: Type.String({ default: 'dipper.positions' }),
      alarms: Type.String({ default: 'dipper.alarms' }),
      media: Type.String({ default: 'dipper.media' }),
      cases: Type.String({ default: 'dipper.cases' }),
    }),
    partitions: Type.Integer({ minimum: 1, default: 12, description: 'for topics the gateway creates' }),
    replicationFactor: Type.Integer({ minimum: -1, default: -1, description: '-1 = the broker default' }),
    lingerMs: Type.Integer({ minimum: 0, default: 5, description: 'wait this long to fill a batch' }),
    batchSize: Type.Integer({ minimum: 1, default: 1000, description: 'messages per produce request' }),
    compression: Type.Union([Type.Literal('gzip'), Type.Literal('none')], { default: 'gzip' }),
    timeoutMs: { ...Ms, default: 30_000, description: 'produce request timeout' },
    retries: Type.Integer({ minimum: 0, default: 5, description: 'client retries (with backoff) before a batch is retried whole' }),
  }),
  mqttExternal: Section({
    url: Type.String({ default: '', description: 'mqtt://host:port of an external broker, used in place of the embedded one; empty = embedded' }),
    clientId: Type.String({ default: '' }),
    username: Type.String({ default: '' }),
    password: Type.String({ default: '' }),
    topicPrefix: Type.String({ default: 'dipper' }),
    emqx: Type.Boolean({ default: false, description: 'also publish jt808/{phone}/{phone}/up and take commands on .../dn, as EMQX\'s JT/T 808 gateway does' }),
  }),
  influx: Section({
    url: Type.String({ default: '', description: 'InfluxDB (v2 write API) base URL; empty = no InfluxDB sink' }),
    token: Type.String({ default: '' }),
    org: Type.String({ default: 'dipper' }),
    bucket: Type.String({ default: 'dipper' }),
    batchSize: Type.Integer({ minimum: 1, default: 2000 }),
    flushMs: { ...Ms, default: 1000 },
    h3Resolution: Type.Integer({ minimum: 0, maximum: 15, default: 5, description: 'the coarse cell tag' }),
  }),
  delivery: Section({
    mode: Type.Union([Type.Literal('auto'), Type.Literal('durable'), Type.Literal('fast')], {
      default: 'auto',
      description: 'durable: acknowledge a location only once every required sink has it; fast: once the in-process sinks have it; auto: durable when Kafka is configured',
    }),
    required: Type.Array(Type.Union([Type.Literal('kafka'), Type.Literal('mqtt'), Type.Literal('influx')]), { default: ['kafka'], description: 'sinks a durable acknowledgement waits for (those configured)' }),
    backlog: Type.Integer({ minimum: 1, default: 100_000, description: 'events held per non-required sink while it is down; the oldest are dropped past it' }),
    retryMs: { ...Ms, default: 1000, description: 'first wait before a failed batch is retried (doubles, up to 30 s)' },
  }),
  web: Section({
    enabled: Type.Boolean({ default: true, description: 'serve the command map page at /' }),
    baseMap: Section({
      tiles: Type.String({ default: '', description: 'raster tile URL template ({z}/{x}/{y}, {s} not supported); empty = a plain background with a graticule' }),
      crs: Type.Union([Type.Literal('wgs84'), Type.Literal('gcj02'), Type.Literal('bd09')], { default: 'wgs84', description: 'the base map\'s datum: gcj02 for Gaode/AMap, wgs84 for Tianditu _w layers and OSM-style servers' }),
      tileSize: Type.Integer({ minimum: 64, maximum: 1024, default: 256 }),
      attribution: Type.String({ default: '' }),
      maxZoom: Type.Integer({ minimum: 0, maximum: 24, default: 18 }),
    }),
    outline: Type.String({ default: '', description: 'GeoJSON file drawn over the background (district boundaries); empty = none' }),
    center: Type.Tuple([Type.Number({ minimum: -180, maximum: 180 }), Type.Number({ minimum: -90, maximum: 90 })], { default: [114.3055, 30.5928], description: 'initial view [lng, lat] until the fleet is known' }),
    zoom: Type.Number({ minimum: 0, maximum: 22, default: 10 }),
  }),
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
  DIPPER_JT808_UDP_MAX_SESSIONS: 'jt808.udpMaxSessions',
  DIPPER_JT808_UDP_MAX_PER_IP: 'jt808.udpMaxPerIp',
  DIPPER_JT808_TURN_BUDGET_MS: 'jt808.turnBudgetMs',
  DIPPER_JT808_PENALTY_STRIKES: 'jt808.penaltyStrikes',
  DIPPER_JT808_PENALTY_WINDOW_MS: 'jt808.penaltyWindowMs',
  DIPPER_JT808_PENALTY_COOLDOWN_MS: 'jt808.penaltyCooldownMs',
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
  DIPPER_INFLUX_URL: 'influx.url',
  DIPPER_INFLUX_TOKEN: 'influx.token',
  DIPPER_INFLUX_ORG: 'influx.org',
  DIPPER_INFLUX_BUCKET: 'influx.bucket',
  DIPPER_DELIVERY: 'delivery.mode',
  DIPPER_WORKERS: 'cluster.workers',
  // secrets for containers: from the environment, never from a file in the image (docker/compose.yaml)
  DIPPER_API_TOKENS: 'api.tokens',
  DIPPER_MQTT_USERNAME: 'mqttExternal.username',
  DIPPER_MQTT_PASSWORD: 'mqttExternal.password',
};

/** Shortest `auth.secret` accepted: the HMAC-SHA256 key should carry as much as its output. */
export const MIN_SECRET_BYTES = 32;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

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
const SECRET_KEY = /(^|\.)(token|tokens|secret|password)(\.|$)/i;

/** Fills defaults and checks every key; throws ConfigError naming the first bad key. */
export function validate(value: unknown): Config {
  const filled = Value.Default(ConfigSchema, Value.Clone(value));
  const first = Value.Errors(ConfigSchema, filled).First();
  if (first) {
    const key = first.path.replace(/^\//, '').replace(/\//g, '.') || '(root)';
    // credentials are named, never echoed: the message goes to logs and terminals
    const got = SECRET_KEY.test(key) ? 'a value that is not shown' : JSON.stringify(first.value);
    throw new ConfigError(`invalid configuration: ${key}: ${first.message} (got ${got})`);
  }
  const config = filled as Config;
  // a short or shared key lets anyone compute every terminal's code; empty = generated (auth-secret.ts)
  if (config.auth.secret !== '' && Buffer.byteLength(config.auth.secret) < MIN_SECRET_BYTES) {
    throw new ConfigError(`invalid configuration: auth.secret: at least ${MIN_SECRET_BYTES} bytes (got ${Buffer.byteLength(config.auth.secret)}); leave it empty to have one generated in dataDir`);
  }
  // no tokens = no credential asked: only this machine may reach the API and the broker
  const open = unprotectedListener(config);
  if (open) {
    throw new ConfigError(
      `invalid configuration: ${open.setting}: "${open.host}" is not a loopback address and api.tokens is empty, so anyone reaching it could read every terminal and send commands; configure api.tokens, listen on 127.0.0.1, or set api.insecure: true to accept that`,
    );
  }
  if (config.http.publicUrl && !/^https?:\/\/[^/\s?#]+(?:\/[^\s?#]*)?$/.test(config.http.publicUrl)) {
    throw new ConfigError(`invalid configuration: http.publicUrl: "${config.http.publicUrl}" is not an http(s):// URL without query or fragment`);
  }
  if (config.queue.lowWater >= config.queue.highWater) throw new ConfigError('invalid configuration: queue.lowWater: must be below queue.highWater');
  for (const b of config.kafka.brokers.split(',').map((x) => x.trim()).filter(Boolean)) {
    if (!/^[^\s:/]+:\d{1,5}$/.test(b)) throw new ConfigError(`invalid configuration: kafka.brokers: "${b}" is not host:port`);
  }
  if (config.mqttExternal.url && !/^(mqtts?|wss?|tcp):\/\/[^/\s]+/.test(config.mqttExternal.url)) throw new ConfigError(`invalid configuration: mqttExternal.url: "${config.mqttExternal.url}" is not an mqtt://, mqtts://, ws:// or wss:// URL`);
  // each worker would run its own embedded broker on the shared port and see only its own terminals
  if (config.cluster.workers > 1 && !config.mqttExternal.url) throw new ConfigError('invalid configuration: cluster.workers: more than one worker needs an external MQTT broker (mqttExternal.url): each worker\'s embedded broker would see only its own terminals');
  if (config.influx.url && !/^https?:\/\/[^/\s]+/.test(config.influx.url)) throw new ConfigError(`invalid configuration: influx.url: "${config.influx.url}" is not an http(s):// URL`);
  return config;
}
