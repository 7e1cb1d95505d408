/**
 * Auth codes any gateway of a fleet can check without shared state: the code handed out in
 * 0x8100 is an HMAC-SHA256 of the terminal's identity under the configured secret (16 hex
 * characters: ASCII, so it survives GBK and every terminal's string handling). A terminal may
 * reconnect to any instance holding the same secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function authCodeFor(secret: string, terminal: string): string {
  return createHmac('sha256', secret).update(`jt808:${terminal}`).digest('hex').slice(0, 16);
}

export function verifyAuthCode(secret: string, terminal: string, code: string): boolean {
  const expected = Buffer.from(authCodeFor(secret, terminal));
  const given = Buffer.from(code);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
