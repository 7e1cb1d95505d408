/**
 * 0x0102 terminal authentication -> 0x8001 (2013 §8.8). The code must be one this or any
 * gateway with the same secret handed out in 0x8100 (auth-code.ts), still valid for the
 * registry: the terminal's current epoch, and its terminal ID when the registry names one.
 * Only on success does the session become the terminal's one session (an older one is then
 * closed: a reconnect replaces a dead connection); a refused login touches nobody's session.
 */
import { RESULT } from '../../../decoders/index.js';
import type { TypedMessage } from '../../../decoders/index.js';
import { verifyAuthCode } from '../auth-code.js';
import type { Session } from '../session.js';

export function authenticate(session: Session, message: TypedMessage<0x0102>): void {
  session.identify(message);
  const { auth } = session.gateway.config;
  const device = session.gateway.registry.lookup(session.terminal!);
  if (!verifyAuthCode(auth.secret, session.terminal!, message.body.authCode, { terminalId: device?.terminalId, epoch: device?.epoch ?? 0 })) {
    session.ack(message, RESULT.fail, 'bad-auth-code');
    return;
  }
  if (auth.unknownTerminals === 'refuse' && !device) {
    session.ack(message, RESULT.fail, 'unknown-terminal');
    return;
  }
  session.authenticated = true;
  session.gateway.attach(session);
  session.ack(message, RESULT.ok);
}
