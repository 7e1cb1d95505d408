/**
 * 0x0100 terminal registration -> 0x8100 (2013 §8.5/§8.6). The codec tells a 2011 body from a
 * 2013 one by its length; the session keeps that edition for everything it decodes and sends.
 * Unknown terminals are registered as `unknown` or refused with result 4 ("no such terminal
 * in the database"), per `auth.unknownTerminals`.
 */
import type { Message } from '../../../decoders/index.js';
import { authCodeFor } from '../auth-code.js';
import type { Session } from '../session.js';

export const REGISTER_RESULT = { ok: 0, vehicleTaken: 1, noVehicle: 2, terminalTaken: 3, noTerminal: 4 } as const;

export function register(session: Session, message: Message): void {
  session.identify(message);
  // edition learnt here (2011 vs 2013 is invisible in the header)
  if (message.version !== '2019') session.edition = message.version;
  const { auth } = session.gateway.config;
  const terminal = session.terminal!;
  if (auth.unknownTerminals === 'refuse' && !session.gateway.registry.lookup(terminal)) {
    session.gateway.metrics.refusals.inc({ reason: 'unknown-terminal' });
    session.send(0x8100, { ackSerial: message.serial, result: REGISTER_RESULT.noTerminal }, message);
    return;
  }
  session.send(0x8100, { ackSerial: message.serial, result: REGISTER_RESULT.ok, authCode: authCodeFor(auth.secret, terminal) }, message);
}
