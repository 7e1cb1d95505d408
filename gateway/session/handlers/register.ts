/**
 * 0x0100 terminal registration -> 0x8100 (2013 §8.5/§8.6). The codec tells a 2011 body from a
 * 2013 one by its length; the session keeps that edition for everything it decodes and sends.
 *
 * Registration hands out a code that logs the phone in (auth-code.ts), so it checks what the
 * 0x0100 claims, and answers with the standard's results:
 *   2 "no such vehicle"     the source address passed auth.registrationsPerMinute, the binding
 *                           store is full (auth.rememberedTerminals), or the registry names a
 *                           plate for this phone and the 0x0100's plate is none the registry knows
 *   1 "vehicle registered"  the 0x0100's plate is another registry terminal's vehicle
 *   3 "terminal registered" the phone is bound to another terminal ID: the registry's
 *                           `terminalId`, or else the first terminal ID that registered it
 *                           (registry/registrations.ts)
 *   4 "no such terminal"    not in the registry, with auth.unknownTerminals "refuse"
 *   0 with the code         otherwise; the same terminal registering again gets 0 again
 * Only result 0 carries a code. Registering never affects an existing session: a session is
 * the terminal's only once it authenticates (auth.ts).
 */
import type { TypedMessage } from '../../../decoders/index.js';
import type { Refusal, RegistrationResult } from '../../metrics.js';
import { plateKey } from '../../registry/devices.js';
import { authCodeFor, normaliseTerminalId } from '../auth-code.js';
import type { Session } from '../session.js';

export const REGISTER_RESULT = { ok: 0, vehicleTaken: 1, noVehicle: 2, terminalTaken: 3, noTerminal: 4 } as const;

const RESULT_LABEL: Record<number, RegistrationResult> = { 0: 'ok', 1: 'vehicle-taken', 2: 'no-vehicle', 3: 'terminal-taken', 4: 'no-terminal' };

export function register(session: Session, message: TypedMessage<0x0100>): void {
  session.identify(message);
  // edition learnt here (2011 vs 2013 is invisible in the header)
  if (message.version !== '2019') session.edition = message.version;
  const { gateway } = session;
  const refuse = (result: number, reason: Refusal): void => {
    gateway.metrics.registrations.inc({ result: RESULT_LABEL[result]! });
    gateway.metrics.refusals.inc({ reason });
    session.send(0x8100, { ackSerial: message.serial, result }, message);
  };
  if (!gateway.registrationLimiter.take(session.connection.ip)) {
    gateway.metrics.registrationsLimited.inc();
    gateway.metrics.refusals.inc({ reason: 'registration-rate' });
    session.send(0x8100, { ackSerial: message.serial, result: REGISTER_RESULT.noVehicle }, message);
    return;
  }
  const terminal = session.terminal!;
  const device = gateway.registry.lookup(terminal);
  if (!device && gateway.config.auth.unknownTerminals === 'refuse') return refuse(REGISTER_RESULT.noTerminal, 'unknown-terminal');
  const terminalId = normaliseTerminalId(message.body.terminalId);
  if (device?.terminalId !== undefined && device.terminalId !== terminalId) return refuse(REGISTER_RESULT.terminalTaken, 'terminal-taken');
  if (gateway.registry.plateOfAnother(message.body.plate, terminal)) return refuse(REGISTER_RESULT.vehicleTaken, 'vehicle-taken');
  if (device?.plate !== undefined && plateKey(device.plate) !== plateKey(message.body.plate)) return refuse(REGISTER_RESULT.noVehicle, 'no-vehicle');
  if (device?.terminalId === undefined) {
    // no terminal ID in the registry: the first terminal that registered the phone keeps it
    const binding = gateway.registrations.bind(terminal, terminalId);
    if (binding === 'taken') return refuse(REGISTER_RESULT.terminalTaken, 'terminal-taken');
    if (binding === 'full') {
      gateway.metrics.refusals.inc({ reason: 'registration-store-full' });
      session.send(0x8100, { ackSerial: message.serial, result: REGISTER_RESULT.noVehicle }, message);
      return;
    }
  }
  gateway.metrics.registrations.inc({ result: 'ok' });
  const authCode = authCodeFor(gateway.config.auth.secret, terminal, { terminalId, epoch: device?.epoch ?? 0 });
  session.send(0x8100, { ackSerial: message.serial, result: REGISTER_RESULT.ok, authCode }, message);
}
