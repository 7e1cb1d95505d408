/**
 * 0x0003 terminal logout (2013 §8.7): answered 0x8001, then the session ends. Reports sent
 * before the logout may still be waiting on the sinks: their answers go out first, so a
 * terminal that logs out right after reporting loses no acknowledgement.
 */
import { RESULT } from '../../../decoders/index.js';
import type { Message } from '../../../decoders/index.js';
import type { Session } from '../session.js';

export async function logout(session: Session, message: Message): Promise<void> {
  await session.drained();
  session.ack(message, RESULT.ok);
  session.close('logout');
}
