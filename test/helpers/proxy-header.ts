/**
 * PROXY protocol headers as a balancer sends them, written from HAProxy's proxy-protocol.txt
 * (never from the gateway's parser): v1 is one US-ASCII line, v2 a 12-byte signature, a
 * version/command byte, a family/protocol byte, a big-endian length and the address block.
 */
import { isIPv4 } from 'node:net';

/** "PROXY TCP4|TCP6 src dst sport dport\r\n" (the family from the source address). */
export function v1(src: string, dst: string, sport: number, dport: number): Buffer {
  return Buffer.from(`PROXY ${isIPv4(src) ? 'TCP4' : 'TCP6'} ${src} ${dst} ${sport} ${dport}\r\n`, 'latin1');
}

/** "PROXY UNKNOWN\r\n", or with `rest` before the CRLF (the receiver ignores it). */
export function v1Unknown(rest = ''): Buffer {
  return Buffer.from(`PROXY UNKNOWN${rest}\r\n`, 'latin1');
}

export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/** The 16 fixed bytes: signature, version 2 and command (0 LOCAL, 1 PROXY), family/protocol, length. */
export function v2Fixed(command: number, familyProtocol: number, length: number): Buffer {
  const b = Buffer.alloc(16);
  V2_SIGNATURE.copy(b);
  b[12] = 0x20 | command;
  b[13] = familyProtocol;
  b.writeUInt16BE(length, 14);
  return b;
}

/** A PROXY command over TCP: 0x11 with 12 address bytes for IPv4, 0x21 with 36 for IPv6; `tlvs` appended. */
export function v2(src: string, dst: string, sport: number, dport: number, tlvs: Buffer = Buffer.alloc(0)): Buffer {
  const four = isIPv4(src);
  const addresses = Buffer.alloc(four ? 12 : 36);
  const ip = four ? ipv4Bytes : ipv6Bytes;
  const size = four ? 4 : 16;
  ip(src).copy(addresses, 0);
  ip(dst).copy(addresses, size);
  addresses.writeUInt16BE(sport, size * 2);
  addresses.writeUInt16BE(dport, size * 2 + 2);
  return Buffer.concat([v2Fixed(1, four ? 0x11 : 0x21, addresses.length + tlvs.length), addresses, tlvs]);
}

/** LOCAL (a balancer's health check): family UNSPEC, no address block unless `block` is given (a receiver must skip it). */
export function v2Local(block: Buffer = Buffer.alloc(0), familyProtocol = 0x00): Buffer {
  return Buffer.concat([v2Fixed(0, familyProtocol, block.length), block]);
}

/** One TLV: type, 2-byte big-endian length, value. */
export function tlv(type: number, value: Buffer): Buffer {
  const head = Buffer.alloc(3);
  head[0] = type;
  head.writeUInt16BE(value.length, 1);
  return Buffer.concat([head, value]);
}

function ipv4Bytes(a: string): Buffer {
  return Buffer.from(a.split('.').map(Number));
}

/** Full form only ("2001:db8:0:0:0:0:0:7" or with "::"), enough for the tests' addresses. */
function ipv6Bytes(a: string): Buffer {
  const [l = '', r] = a.split('::');
  const left = l ? l.split(':') : [];
  const right = r ? r.split(':') : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}
