/**
 * Why a session closed: a closed set, so a reason compared elsewhere (the reset, the penalty
 * box, the refusal count) cannot be misspelt without the compiler saying so.
 * The reasons a terminal goes offline for are presence's vocabulary (events/presence.ts).
 */
import type { OfflineReason } from '../../events/presence.js';

export type CloseReason = OfflineReason | 'handshake-timeout' | 'replaced' | 'shutdown';

/** Abuse: the connection is reset at once, not ended politely, and its address gets a strike in the penalty box. */
export const ABUSE: ReadonlySet<CloseReason> = new Set<CloseReason>(['junk', 'malformed']);

/** Closes counted as refused connections (dipper_connections_refused_total). */
export const REFUSED: ReadonlySet<CloseReason> = new Set<CloseReason>(['junk', 'malformed', 'handshake-timeout']);
