/**
 * Auth codes (0x8100 -> 0x0102), checkable by any gateway holding the secret and the registry,
 * with no shared session state:
 *
 *   code = <epoch> "." <terminal ID, hex of its UTF-8> "." <HMAC-SHA256(secret, "jt808-auth-2|" phone "|" terminal ID hex "|" epoch), first 16 bytes, hex>
 *
 * The code is bound to what registered: the phone (the HMAC's input), the terminal ID of its
 * 0x0100 (carried in the code, so a gateway that never saw the registration can check it
 * against the registry), and an epoch. A code is valid only while its epoch equals the
 * terminal's `epoch` in the registry (0 when absent) and, when the registry names the
 * terminal ID, while that ID is the code's: bumping one terminal's epoch (or correcting its
 * terminal ID) revokes its codes without rotating the fleet's secret. Printable ASCII, at most
 * 10 + 1 + 90 + 1 + 32 characters (a 30-byte GBK ID is at most 45 bytes of UTF-8): within the
 * 2019 codeLen BYTE (255); a 2013 terminal with a 7-character ID gets 50.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a code is bound to besides the phone. */
export interface CodeBinding {
  terminalId: string;
  epoch: number;
}

/** What the registry requires of a phone's codes: its epoch, and its terminal ID when it names one. */
export interface CodeRequirement {
  terminalId?: string | undefined;
  epoch: number;
}

const CODE = /^(\d{1,10})\.((?:[0-9a-f]{2}){0,90})\.([0-9a-f]{32})$/;

/**
 * A terminal ID as compared everywhere: 0x0100 pads BYTE[7]/BYTE[30] with NULs or spaces, and
 * the standard's IDs are upper-case letters and digits (some terminals send lower case).
 */
export function normaliseTerminalId(id: string): string {
  return id.replace(/[\s\0]+$/u, '').trim().toUpperCase();
}

function mac(secret: string, terminal: string, idHex: string, epoch: number): Buffer {
  return createHmac('sha256', secret).update(`jt808-auth-2|${terminal}|${idHex}|${epoch}`).digest().subarray(0, 16);
}

export function authCodeFor(secret: string, terminal: string, binding: CodeBinding): string {
  const idHex = Buffer.from(normaliseTerminalId(binding.terminalId), 'utf8').toString('hex');
  return `${binding.epoch}.${idHex}.${mac(secret, terminal, idHex, binding.epoch).toString('hex')}`;
}

export function verifyAuthCode(secret: string, terminal: string, code: string, required: CodeRequirement): boolean {
  const m = CODE.exec(code);
  if (!m) return false;
  const epoch = Number(m[1]);
  const idHex = m[2]!;
  if (epoch !== required.epoch) return false;
  if (required.terminalId !== undefined && Buffer.from(normaliseTerminalId(required.terminalId), 'utf8').toString('hex') !== idHex) return false;
  const given = Buffer.from(m[3]!, 'hex');
  return timingSafeEqual(given, mac(secret, terminal, idHex, epoch));
}
