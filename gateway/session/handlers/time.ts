/**
 * 0x0004 time query -> 0x8004 (2019 §8.6). The standard's times are GMT+8, but this answer is
 * UTC in every implementation we checked (and the codec's 0x8004 says so): we send UTC.
 */
import type { Message } from '../../../decoders/index.js';
import type { Session } from '../session.js';

/** YYMMDDhhmmss of `date` in UTC. */
export function utcDigits(date: Date): string {
  return date.toISOString().replace(/\D/g, '').slice(2, 14);
}

export function timeQuery(session: Session, message: Message): void {
  session.send(0x8004, { utc: utcDigits(new Date()) }, message);
}
