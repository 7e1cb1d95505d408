/** The terminal engine's settings: listeners, sessions, attachments, auth, registry, normalisation, queue, reassembly, commands, media files. */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Section, Port, Ms, H3Section } from '../events/settings.js';

export const GatewaySections = {
  jt808: Section({
    host: Type.String({ default: '0.0.0.0' }),
    port: { ...Port, default: 6808 },
    udp: Type.Boolean({ default: true, description: 'also listen for JT/T 808 over UDP on the same port' }),
    maxConnections: Type.Integer({ minimum: 1, default: 20000 }),
    maxPerIp: Type.Integer({ minimum: 1, default: 500, description: 'NATed fleets share an address: keep it generous' }),
    proxyProtocol: Type.Union([Type.Literal('off'), Type.Literal('v1'), Type.Literal('v2'), Type.Literal('any')], {
      default: 'off',
      description:
        'TCP connections start with a PROXY protocol header from a load balancer (HAProxy send-proxy / send-proxy-v2, nginx stream proxy_protocol, cloud balancers): v1, v2 or any (either); its source address is the connection\'s for maxPerIp, the penalty box, registrations and logs (LOCAL / UNKNOWN: the socket\'s). A connection without a valid header (v1 at most 107 bytes, v2 at most 536) within handshakeTimeoutMs is closed and counted (dipper_proxy_protocol_refused_total). The header is believed: only the balancer may reach the port. UDP is not affected',
    }),
    udpMaxSessions: Type.Integer({
      minimum: 1,
      default: 20000,
      description:
        'UDP sessions at most (one per source address and port, ~3 KB each); at the limit a new source takes the place of the oldest session not logged in (udp-evicted), and when all are logged in its datagrams are dropped unanswered (udp-max-sessions in dipper_connections_refused_total)',
    }),
    udpMaxPerIp: Type.Integer({ minimum: 1, default: 500, description: 'UDP sessions per source address at most, as udpMaxSessions (udp-per-ip when all are logged in); NATed fleets share an address: keep it generous' }),
    handshakeTimeoutMs: { ...Ms, default: 60_000, description: 'time to authenticate after connecting (with proxyProtocol: for the PROXY header, then again for the login)' },
    idleTimeoutMs: { ...Ms, default: 360_000, description: 'no frame for this long closes the session' },
    junkThreshold: Type.Integer({ minimum: 1, default: 2048, description: 'bytes outside frames before the connection is closed' }),
    malformedThreshold: Type.Integer({ minimum: 1, default: 20, description: 'bad frames before the connection is closed' }),
    maxFrameBytes: Type.Integer({ minimum: 64, maximum: 4096, default: 2090, description: 'longest escaped frame accepted' }),
    turnBudgetMs: Type.Number({ minimum: 0.1, default: 1, description: 'milliseconds of received data worked off per event-loop turn before the rest waits for the next (libuv accepts one connection per turn: short turns keep a busy gateway accepting)' }),
    penaltyStrikes: Type.Integer({ minimum: 0, default: 100, description: 'connections from one address closed for junk or malformed frames within penaltyWindowMs before its new connections are refused; NATed fleets share an address: keep it generous; 0 = off' }),
    penaltyWindowMs: { ...Ms, default: 10_000, description: 'window in which penaltyStrikes are counted' },
    penaltyCooldownMs: { ...Ms, default: 30_000, description: 'how long a penalised address has its new connections refused (open sessions are kept)' },
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
  attachments: Section({
    port: { ...Port, default: 6810, description: 'the T/JSATL12 (Su-biao) attachment server: terminals told of an active-safety alarm with attachments (0x9208) connect here to upload its files (0x1210, 0x1211, file data, 0x1212); on jt808.host; 0 = off (no listener, no 0x9208)' },
    advertise: Type.String({
      default: '',
      maxLength: 255,
      description: 'host[:port] sent in 0x9208 for terminals to connect to (the address they reach through NAT or a balancer); empty = the local address of the terminal\'s own 808 connection and attachments.port',
    }),
    maxConnections: Type.Integer({ minimum: 1, default: 2000, description: 'attachment connections at once; past it new ones are closed at once (dipper_attachment_refused_total{reason="max-connections"})' }),
    maxPerIp: Type.Integer({ minimum: 1, default: 200, description: 'attachment connections at once from one address; NATed fleets share an address: keep it generous' }),
    idleTimeoutMs: { ...Ms, default: 60_000, description: 'an attachment connection that sends nothing for this long is closed (its unfinished files removed); one that has not sent its file list (0x1210) this long after connecting is closed whatever else it sends (heartbeats included)' },
    uploadTimeoutMs: { ...Ms, default: 600_000, description: 'an attachment connection is closed this long after its file list (0x1210) whatever it still sends: uploads that never complete expire and their partial files are removed' },
    alarmNumberTtlMs: { ...Ms, default: 3_600_000, description: 'how long an alarm number sent in 0x9208 lets a terminal upload that alarm\'s files' },
    maxAlarmNumbers: Type.Integer({ minimum: 1, default: 20_000, description: 'alarm numbers issued and not yet expired, over all terminals (~500 B each); past it no 0x9208 is sent (counted: no-room)' }),
    maxAlarmNumbersPerTerminal: Type.Integer({ minimum: 1, default: 32, description: 'alarm numbers held per terminal; past it its oldest is forgotten (its upload then refused)' }),
    maxFiles: Type.Integer({ minimum: 1, maximum: 255, default: 16, description: 'files in one 0x1210 list at most; a longer list is refused (0x8001 result 1) and the connection closed' }),
    maxFileBytes: Type.Integer({ minimum: 1, maximum: 0xffffffff, default: 64 * 1024 * 1024, description: 'announced size of one attachment file at most; a larger one is refused at its 0x1211 (0x8001 result 1)' }),
    maxRanges: Type.Integer({ minimum: 1, default: 4096, description: 'separate received ranges of one file at most (data frames out of order leave gaps); a frame that would make more is dropped and counted' }),
    maxBytesInFlight: Type.Integer({
      minimum: 1,
      default: 2 * 1024 * 1024 * 1024,
      description: 'announced bytes of the files being received over all uploads (their partial files under dataDir/attachments-partial); a file that would pass it is refused at its 0x1211 (0x8001 result 1) until others finish',
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
  normalise: Section({
    maxFutureMs: { ...Ms, default: 600_000, description: 'device time further ahead than this is invalid' },
    maxAlarmTerminals: Type.Integer({
      minimum: 1,
      default: 100_000,
      description: 'terminals whose alarm word is remembered to raise start/end edges at most (only those with an alarm bit set are held, ~200 B each); past it the one whose alarm changed longest ago is forgotten: if its alarm then clears, no end event is raised for it',
    }),
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
  h3: H3Section,
};

export const GatewaySettings = Section(GatewaySections);
export type GatewayConfig = Static<typeof GatewaySettings>;

/** Shortest `auth.secret` accepted: the HMAC-SHA256 key should carry as much as its output. */
export const MIN_SECRET_BYTES = 32;
