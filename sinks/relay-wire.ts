/**
 * What the command relay (command-relay.ts) puts on the broker, and how a gateway reads it back.
 * Anyone who may publish on the broker may put bytes on these topics, so every message is
 * `<HMAC-SHA256 hex>.<JSON>`, signed under a key derived from auth.secret (the secret all
 * gateways of a deployment share, never used itself), and read in the order that costs a
 * forger least: the size, the signature over the bytes as they came, only then JSON.parse and
 * the fields, each checked for type and range. Freshness and replay are the relay's.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Edition } from '../decoders/index.js';
import { COMMANDS } from '../events/commands.js';
import type { EditionBodies } from '../events/commands.js';

/** Largest message read or sent (a command's body is a few KB; a terminal's answer rarely more). */
export const MAX_RELAY_BYTES = 1024 * 1024;

/** Why a message was refused: the `reason` label of dipper_command_relay_refused_total. */
export type RelayRefusal = 'too-large' | 'unsigned' | 'bad-signature' | 'malformed' | 'stale' | 'late' | 'replay' | 'replay-cache-full' | 'unknown-command';
export const RELAY_REFUSALS: readonly RelayRefusal[] = ['too-large', 'unsigned', 'bad-signature', 'malformed', 'stale', 'late', 'replay', 'replay-cache-full', 'unknown-command'];

/** The longest a requester may wait for a holder to take its request (commands.relayAcceptMs at most). */
export const MAX_ACCEPT_MS = 30_000;

/** How a relayed command ended at the gateway holding the session. */
export type RelayOutcome = 'answered' | 'offline' | 'timeout' | 'bad-command' | 'too-large';
export const RELAY_OUTCOMES: readonly RelayOutcome[] = ['answered', 'offline', 'timeout', 'bad-command', 'too-large'];

/** A command (run by the gateway holding the terminal), or a question whether any gateway holds it. */
export interface RelayRequest {
  type: 'request';
  /** a UUID, never seen before (the replay check) */
  id: string;
  /** the requesting gateway: answers go to {prefix}/relay/answers/{from} */
  from: string;
  /** ms since the epoch, at the requester */
  issuedAt: number;
  /** how long the requester waits for a holder to take it (its commands.relayAcceptMs): a holder takes it no later (plus clock skew) */
  acceptMs: number;
  terminal: string;
  kind: 'command' | 'probe';
  msgId?: number;
  /** one body for every edition, or `bodies`: the holder picks its session's */
  body?: object;
  bodies?: EditionBodies;
  timeoutMs?: number;
}

export interface RelayAnswer {
  type: 'answer';
  /** the request's id */
  id: string;
  /** the gateway holding the session */
  from: string;
  /** the requester: a message to another is not for us */
  to: string;
  issuedAt: number;
  phase: 'accepted' | 'answer';
  outcome?: RelayOutcome;
  /** the terminal's answer as the codec's JSON (Buffers as hex): what the route sends on */
  reply?: object;
  /** BadCommandError's (or the timeout's) message, and the body field it names */
  message?: string;
  field?: string;
}

export type Opened<T> = { ok: true; value: T } | { ok: false; reason: RelayRefusal };

/** The relay's key: HKDF-SHA256 of auth.secret for this one use, so the secret itself never signs bytes an outsider sees. */
export function relayKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, '', 'dipper command relay v1', 32));
}

/** `<hex HMAC>.<json>` for the broker. */
export function seal(key: Buffer, message: RelayRequest | RelayAnswer): Buffer {
  const json = Buffer.from(JSON.stringify(message));
  const sig = createHmac('sha256', key).update(json).digest('hex');
  return Buffer.concat([Buffer.from(`${sig}.`), json]);
}

const SIG_HEX = 64;
const HEX = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TERMINAL = /^[0-9a-f]{1,20}$/;
const EDITIONS: readonly Edition[] = ['2011', '2013', '2019'];
/** the command route's own bound on timeoutMs */
const MAX_TIMEOUT_MS = 600_000;

/** The JSON of a sealed message whose signature holds; nothing is parsed before that. */
function unseal(key: Buffer, payload: Buffer): Opened<Record<string, unknown>> {
  if (payload.length > MAX_RELAY_BYTES) return { ok: false, reason: 'too-large' };
  const sig = payload.subarray(0, SIG_HEX).toString('latin1');
  if (payload.length <= SIG_HEX || payload[SIG_HEX] !== 0x2e || !HEX.test(sig)) return { ok: false, reason: 'unsigned' };
  const json = payload.subarray(SIG_HEX + 1);
  const expected = createHmac('sha256', key).update(json).digest();
  if (!timingSafeEqual(expected, Buffer.from(sig, 'hex'))) return { ok: false, reason: 'bad-signature' };
  let value: unknown;
  try {
    value = JSON.parse(json.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  return isObject(value) ? { ok: true, value } : { ok: false, reason: 'malformed' };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isInt = (v: unknown, min: number, max: number): v is number => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
const isStr = (v: unknown, re: RegExp): v is string => typeof v === 'string' && re.test(v);

/** A request, signed and well formed (its freshness and novelty are the caller's to judge). */
export function openRequest(key: Buffer, payload: Buffer): Opened<RelayRequest> {
  const opened = unseal(key, payload);
  if (!opened.ok) return opened;
  const m = opened.value;
  const bad = { ok: false, reason: 'malformed' } as const;
  if (m.type !== 'request' || !isStr(m.id, UUID) || !isStr(m.from, UUID) || !isInt(m.issuedAt, 0, Number.MAX_SAFE_INTEGER) || !isInt(m.acceptMs, 1, MAX_ACCEPT_MS) || !isStr(m.terminal, TERMINAL)) return bad;
  if (m.kind === 'probe') return { ok: true, value: { type: 'request', id: m.id, from: m.from, issuedAt: m.issuedAt, acceptMs: m.acceptMs, terminal: m.terminal, kind: 'probe' } };
  if (m.kind !== 'command') return bad;
  if (m.timeoutMs !== undefined && !isInt(m.timeoutMs, 1, MAX_TIMEOUT_MS)) return bad;
  if ((m.body === undefined) === (m.bodies === undefined)) return bad;
  if (m.body !== undefined && !isObject(m.body)) return bad;
  if (m.bodies !== undefined && !(isObject(m.bodies) && Object.keys(m.bodies).length === EDITIONS.length && EDITIONS.every((e) => isObject((m.bodies as Record<string, unknown>)[e])))) return bad;
  if (!isInt(m.msgId, 0, 0xffff) || !COMMANDS.has(m.msgId)) return { ok: false, reason: 'unknown-command' };
  return {
    ok: true,
    value: {
      type: 'request',
      id: m.id,
      from: m.from,
      issuedAt: m.issuedAt,
      acceptMs: m.acceptMs,
      terminal: m.terminal,
      kind: 'command',
      msgId: m.msgId,
      ...(m.body !== undefined ? { body: m.body as object } : { bodies: m.bodies as EditionBodies }),
      ...(m.timeoutMs !== undefined ? { timeoutMs: m.timeoutMs as number } : {}),
    },
  };
}

/** An answer, signed and well formed. */
export function openAnswer(key: Buffer, payload: Buffer): Opened<RelayAnswer> {
  const opened = unseal(key, payload);
  if (!opened.ok) return opened;
  const m = opened.value;
  const bad = { ok: false, reason: 'malformed' } as const;
  if (m.type !== 'answer' || !isStr(m.id, UUID) || !isStr(m.from, UUID) || !isStr(m.to, UUID) || !isInt(m.issuedAt, 0, Number.MAX_SAFE_INTEGER)) return bad;
  const base = { type: 'answer', id: m.id, from: m.from, to: m.to, issuedAt: m.issuedAt } as const;
  if (m.phase === 'accepted') return { ok: true, value: { ...base, phase: 'accepted' } };
  if (m.phase !== 'answer' || !RELAY_OUTCOMES.includes(m.outcome as RelayOutcome)) return bad;
  if (m.outcome === 'answered' && !isObject(m.reply)) return bad;
  if (m.message !== undefined && typeof m.message !== 'string') return bad;
  if (m.field !== undefined && typeof m.field !== 'string') return bad;
  return {
    ok: true,
    value: {
      ...base,
      phase: 'answer',
      outcome: m.outcome as RelayOutcome,
      ...(m.outcome === 'answered' ? { reply: m.reply as object } : {}),
      ...(m.message !== undefined ? { message: m.message } : {}),
      ...(m.field !== undefined ? { field: m.field } : {}),
    },
  };
}
