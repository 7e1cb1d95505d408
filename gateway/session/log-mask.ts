/**
 * The hex of bad input as logged (Session.logBad), with auth codes masked: any frame in it
 * whose message ID is 0x0102 (authentication: the body is the code) or 0x8100 (registration
 * answer: the code follows the result) is logged up to the end of its header, its body
 * replaced by `<n bytes masked>`. Logs travel further than the gateway (collectors, tickets);
 * a code in them would log anyone in as that terminal.
 */

/** Logged hex is cut at this many bytes of input. */
export const LOGGED_BYTES = 256;

const FLAG = 0x7e;
const ESCAPE = 0x7d;

/** Message IDs whose body holds an auth code. */
export function carriesAuthCode(msgId: number): boolean {
  return msgId === 0x0102 || msgId === 0x8100;
}

/** Hex of `raw` (escaped bytes as received, flags or not), every auth-code body masked. */
export function maskedHex(raw: Buffer): string {
  let out = '';
  let from = 0;
  while (from <= raw.length && out.length < LOGGED_BYTES * 2) {
    let to = raw.indexOf(FLAG, from);
    if (to < 0) to = raw.length;
    out += segment(raw.subarray(from, to));
    if (to < raw.length) out += '7e';
    from = to + 1;
  }
  return out.length > LOGGED_BYTES * 2 ? out.slice(0, LOGGED_BYTES * 2) : out;
}

/** One frame's escaped content: as is, or its header and a mask when it carries a code. */
function segment(seg: Buffer): string {
  // 01 02 and 81 00 are never escaped, so the first two bytes are the message ID as sent
  if (seg.length < 2 || !carriesAuthCode(seg.readUInt16BE(0))) return seg.toString('hex');
  const header: number[] = [];
  let pos = 0;
  let headerLength = 0;
  while (pos < seg.length && (headerLength === 0 || header.length < headerLength)) {
    const b = seg[pos]!;
    if (b === ESCAPE && pos + 1 < seg.length) {
      header.push(seg[pos + 1] === 0x02 ? FLAG : ESCAPE);
      pos += 2;
    } else {
      header.push(b);
      pos++;
    }
    if (header.length === 4) {
      // 2013 §4.4.3 body attributes: bit 14 = 2019 header (17 bytes, 12 before), bit 13 = subpackaged (+4)
      const attr = (header[2]! << 8) | header[3]!;
      headerLength = (attr & 0x4000 ? 17 : 12) + (attr & 0x2000 ? 4 : 0);
    }
  }
  const masked = seg.length - pos;
  return masked > 0 ? `${seg.subarray(0, pos).toString('hex')}<${masked} bytes masked>` : seg.toString('hex');
}
