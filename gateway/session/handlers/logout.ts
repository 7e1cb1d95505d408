/** 0x0003 terminal logout (2013 §8.7): answered 0x8001, then the session ends. */
import { RESULT } from '../../../decoders/index.js';
import type { Message } from '../../../decoders/index.js';
import type { Session } from '../session.js';

export function logout(session: Session, message: Message): void {
  session.ack(message, RESULT.ok);
  session.close('logout');
}
