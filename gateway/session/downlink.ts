/**
 * Bodies of platform messages whose codec family may not be registered yet (0x8100 in the
 * registration family, 0x8800 in multimedia): the typed body when the codec exists, else the
 * same bytes built here from the standard's layout. Once those families land these fall back
 * to nothing and can go.
 */
import { codecFor } from '../../decoders/index.js';

/**
 * 0x8100 register answer (2013 §8.6): ackSerial WORD, result BYTE, authCode STRING (GBK, rest
 * of the body, only when result is 0).
 */
export function registerAnswer(ackSerial: number, result: number, authCode: string | undefined): object {
  if (codecFor(0x8100)) return authCode !== undefined && result === 0 ? { ackSerial, result, authCode } : { ackSerial, result };
  const code = result === 0 && authCode ? Buffer.from(authCode, 'latin1') : Buffer.alloc(0);
  const raw = Buffer.alloc(3 + code.length);
  raw.writeUInt16BE(ackSerial, 0);
  raw[2] = result;
  code.copy(raw, 3);
  return { raw };
}

/**
 * 0x8800 multimedia upload answer (2013 §8.50): mediaId DWORD, then only when packets are
 * missing: count BYTE, packet IDs WORD x count.
 */
export function mediaAnswer(mediaId: number, missing: readonly number[]): object {
  if (codecFor(0x8800)) return missing.length > 0 ? { mediaId, retransmitIds: [...missing] } : { mediaId };
  const raw = Buffer.alloc(4 + (missing.length > 0 ? 1 + 2 * missing.length : 0));
  raw.writeUInt32BE(mediaId >>> 0, 0);
  if (missing.length > 0) {
    raw[4] = missing.length;
    missing.forEach((id, i) => raw.writeUInt16BE(id, 5 + 2 * i));
  }
  return { raw };
}
