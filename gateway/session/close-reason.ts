/**
 * Why a session closed: a closed set, so a reason compared elsewhere (the reset, the penalty
 * box, the refusal count) cannot be misspelt without the compiler saying so.
 */
export type CloseReason =
  | 'idle'
  | 'handshake-timeout'
  | 'internal-error'
  | 'junk'
  | 'malformed'
  | 'logout'
  | 'socket-error'
  | 'socket-closed'
  | 'socket-ended'
  | 'evicted'
  | 'replaced'
  | 'shutdown';

/** Abuse: the connection is reset at once, not ended politely, and its address gets a strike in the penalty box. */
export const ABUSE: ReadonlySet<CloseReason> = new Set<CloseReason>(['junk', 'malformed']);

/** Closes counted as refused connections (dipper_connections_refused_total). */
export const REFUSED: ReadonlySet<CloseReason> = new Set<CloseReason>(['junk', 'malformed', 'handshake-timeout']);
