/**
 * Every other uplink: answered 0x8001 (2013 §8.2: the platform's general response to messages
 * without a dedicated answer). Result 0 when the codec knows the message, 3 ("unsupported")
 * when it does not, so a terminal is never left waiting.
 */
import { RESULT, codecFor } from '../../../decoders/index.js';
import type { Message } from '../../../decoders/index.js';
import type { Session } from '../session.js';

export function general(session: Session, message: Message): void {
  if (codecFor(message.msgId)) session.ack(message, RESULT.ok);
  else session.ack(message, RESULT.unsupported, 'unsupported');
}
