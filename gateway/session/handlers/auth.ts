/**
 * 0x0102 terminal authentication -> 0x8001 (2013 §8.8). The code must be the HMAC this or any
 * gateway with the same secret handed out in 0x8100. On success the session becomes the
 * terminal's one session (an older one is closed: a second login replaces the first).
 */
import { RESULT } from '../../../decoders/index.js';
import type { Message } from '../../../decoders/index.js';
import { verifyAuthCode } from '../auth-code.js';
import type { Session } from '../session.js';

/**
 * The code from the body: the typed body once the registration codec is registered, else
 * from the raw bytes (2019: length BYTE + code + IMEI + version; before: the whole body).
 */
export function authCodeOf(message: Message): string {
  const body = message.body as { authCode?: unknown; raw?: unknown };
  if (typeof body.authCode === 'string') return body.authCode;
  if (!Buffer.isBuffer(body.raw)) return '';
  const raw = body.raw;
  const code = message.version === '2019' ? raw.subarray(1, 1 + (raw[0] ?? 0)) : raw;
  return code.toString('latin1').replace(/\0+$/, '').trim();
}

export function authenticate(session: Session, message: Message): void {
  session.identify(message);
  const { auth } = session.gateway.config;
  if (!verifyAuthCode(auth.secret, session.terminal!, authCodeOf(message))) {
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
