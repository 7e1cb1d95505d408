/**
 * Presence: a terminal's session began or ended at a gateway. Positions say where a terminal is;
 * only this says at once that it has gone (a 0x0003 logout, a closed or idle connection), where
 * the map would otherwise wait map.offlineAfterMs of silence. Published on MQTT (retained, so a
 * subscriber learns every terminal's state on connecting), Kafka and InfluxDB like every event.
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { CATEGORIES } from './categories.js';

/**
 * Why a session ended, as presence says it. A session replaced by the terminal's newer login, or
 * closed by a gateway shutting down (the terminal reconnects elsewhere), is not an offline: no
 * event. A connection that never logged in had no terminal to speak of.
 */
export const OFFLINE_REASONS = ['logout', 'idle', 'socket-closed', 'socket-ended', 'socket-error', 'evicted', 'junk', 'malformed', 'internal-error'] as const;
export type OfflineReason = (typeof OFFLINE_REASONS)[number];

/**
 * Ends that mean the terminal has gone, which the map shows offline at once: it logged out, or
 * sent nothing for jt808.idleTimeoutMs. A dropped connection is not one of them: cellular
 * terminals lose and remake theirs within seconds, so the map keeps its rule (heard from within
 * map.offlineAfterMs) rather than flicker; the event still says what happened.
 */
export const GONE_REASONS: ReadonlySet<Presence['reason']> = new Set<OfflineReason>(['logout', 'idle']);

export function isOfflineReason(reason: string): reason is OfflineReason {
  return (OFFLINE_REASONS as readonly string[]).includes(reason);
}

export const PresenceSchema = Type.Object(
  {
    terminal: Type.String({ description: 'terminal phone number, leading zeros removed' }),
    category: Type.Union(CATEGORIES.map((c) => Type.Literal(c)), { description: 'from the device registry; `unknown` for terminals it does not list' }),
    org: Type.String({ description: 'org unit path; empty when unknown' }),
    state: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
    reason: Type.Union([Type.Literal('login'), ...OFFLINE_REASONS.map((r) => Type.Literal(r))], { description: 'login (online); logout (0x0003), idle (no frame for jt808.idleTimeoutMs), socket-closed/-ended/-error, evicted (connection limit), junk/malformed/internal-error (closed by the gateway)' }),
    transport: Type.Union([Type.Literal('tcp'), Type.Literal('udp')]),
    at: Type.String({ format: 'date-time', description: 'when the gateway saw the session begin or end' }),
  },
  { $id: 'https://dipper.dev/schemas/presence.json', title: 'Presence', additionalProperties: false, description: "a terminal's session began (online) or ended (offline) at a gateway" },
);
export type Presence = Static<typeof PresenceSchema>;
