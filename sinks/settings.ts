/** The sinks' settings: the embedded MQTT broker, Kafka, an external MQTT broker, InfluxDB, the delivery mode. */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Section, Port, Ms } from '../events/settings.js';

/** The external sinks, by the names `delivery.required` and the `sink` label use. */
export const SINK_NAMES = ['kafka', 'mqtt', 'influx'] as const;

export const SinkSections = {
  queue: Section({
    highWater: Type.Integer({ minimum: 1, default: 10_000, description: 'events queued before sockets pause' }),
    lowWater: Type.Integer({ minimum: 0, default: 5_000, description: 'sockets resume below this' }),
    batch: Type.Integer({ minimum: 1, default: 500 }),
  }),
  mqtt: Section({
    host: Type.String({ default: '127.0.0.1', description: 'the embedded broker (TCP and WebSocket); another than loopback needs api.tokens (or api.insecure)' }),
    port: { ...Port, default: 1883 },
    wsPort: { ...Port, default: 8883, description: 'MQTT over WebSocket' },
    topicPrefix: Type.String({ default: 'dipper' }),
    maxClients: Type.Integer({ minimum: 1, default: 1000, description: 'MQTT connections at once (TCP and WebSocket together); more are refused and counted' }),
    maxPacketBytes: Type.Integer({ minimum: 1024, maximum: 16 * 1024 * 1024, default: 16 * 1024, description: 'largest MQTT packet a client may send (clients only connect and subscribe: their packets are small); a larger one closes the connection before it is buffered' }),
    maxSubscriptions: Type.Integer({ minimum: 1, default: 100, description: 'topic filters one client may subscribe to' }),
    maxRetained: Type.Integer({ minimum: 1, default: 200_000, description: 'retained messages kept (per terminal its position (~1 KB) and its presence (~0.2 KB), one per case and per incident); past it the oldest retained topic is dropped' }),
    maxClientBufferBytes: Type.Integer({ minimum: 16 * 1024, default: 1024 * 1024, description: 'bytes the broker holds for one client that is not reading (past what its socket takes); beyond, the client is disconnected, so a stalled subscriber never holds up the others or grows memory' }),
  }),
  kafka: Section({
    brokers: Type.String({ default: '', description: 'comma-separated host:port list; empty = no Kafka sink' }),
    clientId: Type.String({ default: 'dipper' }),
    topics: Section({
      positions: Type.String({ default: 'dipper.positions' }),
      alarms: Type.String({ default: 'dipper.alarms' }),
      media: Type.String({ default: 'dipper.media' }),
      cases: Type.String({ default: 'dipper.cases' }),
      incidents: Type.String({ default: 'dipper.incidents' }),
      duty: Type.String({ default: 'dipper.duty', description: 'devices entering and leaving their duty areas' }),
      presence: Type.String({ default: 'dipper.presence', description: "terminals' sessions beginning and ending (logout, lost connection)" }),
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
    required: Type.Array(Type.Union(SINK_NAMES.map((s) => Type.Literal(s))), { default: ['kafka'], description: 'sinks a durable acknowledgement waits for (those configured)' }),
    backlog: Type.Integer({ minimum: 1, default: 100_000, description: 'events held per non-required sink while it is down; the oldest are dropped past it' }),
    retryMs: { ...Ms, default: 1000, description: 'first wait before a failed batch is retried (doubles, up to 30 s)' },
  }),
};

/**
 * The command relay's keys (command-relay.ts). They live in the `commands` section beside the
 * gateway's own (server/config.ts joins them): one place for everything about commands.
 */
export const CommandRelayKeys = {
  relay: Type.Union([Type.Literal('auto'), Type.Literal('off')], {
    default: 'auto',
    description:
      'auto: with an external MQTT broker (mqttExternal.url), a command for a terminal whose session is on another gateway is relayed to it over the broker, signed under a key derived from auth.secret, and its answer comes back; off: only the terminals of the gateway answering the request are reached (others 404)',
  }),
  relayAcceptMs: { ...Ms, maximum: 30_000, default: 2000, description: 'how long a relayed command waits for the gateway holding the terminal to take it; none: the terminal is offline (404). A holder refuses a request older than this plus 5 s of clock skew (run NTP)' },
  maxRelayed: Type.Integer({ minimum: 1, default: 1024, description: 'relayed commands waiting for their answers at once, per gateway, and as many presence questions (dispatch asks whether a unit is online anywhere); past it a command is answered 503' }),
  maxRelayedPerToken: Type.Integer({ minimum: 1, default: 64, description: 'relayed commands one API token keeps waiting at once (a token sending commands to terminals that never answer cannot hold every slot); past it 503' }),
};
export const SinkSettings = Section(SinkSections);
export type SinksConfig = Static<typeof SinkSettings>;
