/** 0x0002 heartbeat (2013 §8.3): answered 0x8001; receiving it already refreshed the idle timer. */
import { RESULT } from '../../../decoders/index.js';
import type { Message } from '../../../decoders/index.js';
import type { Session } from '../session.js';

export function heartbeat(session: Session, message: Message): void {
  session.ack(message, RESULT.ok);
}
