/**
 * 0x0102 terminal authentication -> 0x8001 (2013 §8.8). The code must be the HMAC this or any
 * gateway with the same secret handed out in 0x8100. On success the session becomes the
 * terminal's one session (an older one is closed: a second login replaces the first).
 */
import { RESULT } from '../../../decoders/index.js';
import type { TypedMessage } from '../../../decoders/index.js';
import { verifyAuthCode } from '../auth-code.js';
import type { Session } from '../session.js';

export function authenticate(session: Session, message: TypedMessage<0x0102>): void {
  session.identify(message);
  const { auth } = session.gateway.config;
  if (!verifyAuthCode(auth.secret, session.terminal!, message.body.authCode)) {
    session.ack(message, RESULT.fail, 'bad-auth-code');
    return;
  }
  if (auth.unknownTerminals === 'refuse' && !session.gateway.registry.lookup(session.terminal!)) {
    session.ack(message, RESULT.fail, 'unknown-terminal');
    return;
  }
  session.authenticated = true;
  session.gateway.attach(session);
  session.ack(message, RESULT.ok);
}
