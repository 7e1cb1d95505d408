/**
 * The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2) at the start of a
 * TCP connection from a load balancer: who the balancer's client was. Read before anything else
 * of the connection (jt808.proxyProtocol), so that the per-address limits, the penalty box, the
 * logs and the session see the terminal's address, not the balancer's.
 *
 * A hand parser rather than a package: the header is two small fixed grammars, the bounds
 * (107 bytes, 536 bytes, a deadline) and the refusal reasons are the point of it and must be
 * ours, and a parser that reads from the stream itself would buffer on its own terms.
 *
 * Every byte is hostile: at most 536 bytes are ever held for a header (the largest a sender may
 * send at once: the smallest segment every TCP host takes), and what is not a header is refused
 * as soon as it cannot become one.
 */
import type { Duplex } from 'node:stream';
import type { Guard } from '../guard.js';

/** jt808.proxyProtocol but off: which header versions a connection may start with. */
export type ProxyAccept = 'v1' | 'v2' | 'any';

/** Why a connection was closed for its header: the label values of dipper_proxy_protocol_refused_total. */
export const PROXY_REFUSALS = ['missing', 'malformed', 'timeout', 'too_long'] as const;
export type ProxyRefusal = (typeof PROXY_REFUSALS)[number];

/** The longest v1 line, CRLF included ("PROXY UNKNOWN" with two full IPv6 addresses and ports). */
export const V1_MAX_BYTES = 107;
/**
 * The longest v2 header taken, 16 fixed bytes and the addresses and TLVs: both versions are made
 * to fit the smallest TCP segment every host must accept (576 - 40 = 536 bytes), so that a sender
 * can always send its header at once. Longer is refused (too_long) as soon as the length is read.
 */
export const V2_MAX_BYTES = 536;

const V1_SIGNATURE = Buffer.from('PROXY', 'latin1');
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const CR = 0x0d;
const LF = 0x0a;

export interface ProxyHeader {
  version: 1 | 2;
  /**
   * The connection's originator as the balancer saw it. Undefined for the balancer's own
   * connections (v2 LOCAL, v1 UNKNOWN: health checks) and for families without an IP address
   * (v2 UNSPEC, UNIX): the socket's own address stands then, as the specification says.
   */
  source: { address: string; port: number } | undefined;
  /** Bytes the header took; what follows is the terminal's. */
  length: number;
}

export type Parsed = { state: 'incomplete' } | { state: 'done'; header: ProxyHeader } | { state: 'refused'; reason: ProxyRefusal; detail: string };

const INCOMPLETE: Parsed = { state: 'incomplete' };
const refused = (reason: ProxyRefusal, detail: string): Parsed => ({ state: 'refused', reason, detail });

/** How far `data` agrees with `signature`: all of it, a prefix of it (data too short), or not. */
function against(data: Buffer, signature: Buffer): 'match' | 'prefix' | 'no' {
  const n = Math.min(data.length, signature.length);
  for (let i = 0; i < n; i++) if (data[i] !== signature[i]) return 'no';
  return data.length >= signature.length ? 'match' : 'prefix';
}

/**
 * The header at the start of `data` (all bytes received so far on the connection): complete,
 * not yet (never when `data` holds more than a header can be), or refused. The details name
 * what was wrong in our words, never the peer's bytes (they go to the log).
 */
export function parseProxyHeader(data: Buffer, accept: ProxyAccept): Parsed {
  if (data.length === 0) return INCOMPLETE;
  if (against(data, V1_SIGNATURE) !== 'no') return accept === 'v2' ? refused('missing', 'a PROXY v1 line where v2 is expected') : parseV1(data);
  if (against(data, V2_SIGNATURE) !== 'no') return accept === 'v1' ? refused('missing', 'a PROXY v2 header where v1 is expected') : parseV2(data);
  return refused('missing', data[0] === 0x7e ? 'a JT/T 808 frame without a PROXY header (a terminal reaching the port around the balancer?)' : 'no PROXY header');
}

// ---- version 1: "PROXY TCP4|TCP6|UNKNOWN src dst sport dport\r\n" ------------------------------

function parseV1(data: Buffer): Parsed {
  const scan = Math.min(data.length, V1_MAX_BYTES);
  for (let i = 0; i < scan; i++) {
    const b = data[i]!;
    if (b >= 0x20 && b <= 0x7e) continue;
    // a CR ends the line only with its LF, and both within the 107 bytes
    if (b !== CR) return refused('malformed', b === LF ? 'v1: a line ended by LF without CR' : 'v1: a byte that is not printable US-ASCII');
    if (i + 1 >= V1_MAX_BYTES) return refused('too_long', `v1: no CRLF within ${V1_MAX_BYTES} bytes`);
    if (i + 1 >= data.length) return INCOMPLETE;
    if (data[i + 1] !== LF) return refused('malformed', 'v1: a CR without LF');
    return v1Line(data.toString('latin1', 0, i), i + 2);
  }
  return data.length >= V1_MAX_BYTES ? refused('too_long', `v1: no CRLF within ${V1_MAX_BYTES} bytes`) : INCOMPLETE;
}

const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
/** Decimal 0..65535, no leading zeros (the specification forbids them: octal confusion). */
const PORT = /^(?:0|[1-9]\d{0,4})$/;

function v1Line(line: string, length: number): Parsed {
  // "UNKNOWN": the receiver ignores the rest of the line and uses the connection's own addresses
  if (line === 'PROXY UNKNOWN' || line.startsWith('PROXY UNKNOWN ')) return { state: 'done', header: { version: 1, source: undefined, length } };
  const parts = line.split(' ');
  if (parts.length !== 6 || parts[0] !== 'PROXY') return refused('malformed', 'v1: not "PROXY" and five fields separated by single spaces');
  const [, family, src, dst, sport, dport] = parts as [string, string, string, string, string, string];
  let address: string | undefined;
  if (family === 'TCP4') address = IPV4.test(src) && IPV4.test(dst) ? src : undefined;
  else if (family === 'TCP6') {
    const s = parseIpv6(src);
    address = s && parseIpv6(dst) ? formatIpv6(s) : undefined;
  } else return refused('malformed', 'v1: the protocol is not TCP4, TCP6 or UNKNOWN');
  if (address === undefined) return refused('malformed', `v1: an address that is not ${family === 'TCP4' ? 'IPv4' : 'IPv6'}`);
  if (!PORT.test(sport) || !PORT.test(dport) || Number(sport) > 65535 || Number(dport) > 65535) return refused('malformed', 'v1: a port that is not 0..65535');
  return { state: 'done', header: { version: 1, source: { address, port: Number(sport) }, length } };
}

/** The 16 bytes of an IPv6 address in text (hex groups, one "::" at most, a dotted IPv4 tail), or undefined. */
export function parseIpv6(text: string): Buffer | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  let head = text;
  let v4: number[] | undefined;
  const last = text.lastIndexOf(':');
  if (last < 0) return undefined;
  const tail = text.slice(last + 1);
  if (tail.includes('.')) {
    if (!IPV4.test(tail)) return undefined;
    v4 = tail.split('.').map(Number);
    head = text.slice(0, last + 1);
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const groups = v4 ? 6 : 8;
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const words = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = words(halves[0]!);
  const right = halves.length === 2 ? words(halves[1]!) : [];
  if (!left || !right) return undefined;
  // without "::" every group is written; with it, it stands for one group or more
  if (halves.length === 1 ? left.length !== groups : left.length + right.length > groups - 1) return undefined;
  const all = [...left, ...new Array<number>(groups - left.length - right.length).fill(0), ...right];
  const bytes = Buffer.alloc(16);
  all.forEach((w, i) => bytes.writeUInt16BE(w, i * 2));
  if (v4) v4.forEach((b, i) => (bytes[12 + i] = b));
  return bytes;
}

/**
 * IPv6 text as Node writes a socket's remote address (libuv's inet_ntop, RFC 5952: lower case,
 * the longest run of two or more zero groups as "::", IPv4-mapped and -compatible addresses with
 * a dotted tail), so one address is one key for the per-address limits however the header wrote it.
 */
export function formatIpv6(b: Uint8Array): string {
  const w = Array.from({ length: 8 }, (_, i) => (b[i * 2]! << 8) | b[i * 2 + 1]!);
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  if (bestLen < 2) best = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (best >= 0 && i >= best && i < best + bestLen) {
      if (i === best) out += ':';
      continue;
    }
    if (i > 0) out += ':';
    if (i === 6 && best === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) return `${out}${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
    out += w[i]!.toString(16);
  }
  return best >= 0 && best + bestLen === 8 ? `${out}:` : out;
}

// ---- version 2: signature, version/command, family/protocol, length, addresses, TLVs ---------

function parseV2(data: Buffer): Parsed {
  if (data.length <= 12) return INCOMPLETE;
  const version = data[12]! >> 4;
  const command = data[12]! & 0x0f;
  // only version 2; commands LOCAL (0) and PROXY (1): anything else is dropped, says the specification
  if (version !== 2) return refused('malformed', 'v2: a version other than 2');
  if (command > 1) return refused('malformed', 'v2: a command other than LOCAL or PROXY');
  if (data.length <= 13) return INCOMPLETE;
  const family = data[13]! >> 4;
  const protocol = data[13]! & 0x0f;
  if (family > 3 || protocol > 2) return refused('malformed', 'v2: an unassigned address family or protocol');
  if (data.length < 16) return INCOMPLETE;
  const length = 16 + data.readUInt16BE(14);
  if (length > V2_MAX_BYTES) return refused('too_long', `v2: a header of ${length} bytes (at most ${V2_MAX_BYTES} taken)`);
  if (data.length < length) return INCOMPLETE;
  // LOCAL (the balancer's own connection) and UNSPEC: the socket's own address stands, whatever
  // the address block holds (its length is still skipped); TLVs are skipped too
  if (command === 0 || family === 0 || protocol === 0) return { state: 'done', header: { version: 2, source: undefined, length } };
  const addresses = length - 16;
  const need = [0, 12, 36, 216][family]!;
  if (addresses < need) return refused('malformed', `v2: ${addresses} address bytes where the family needs ${need}`);
  // UNIX: no network address to speak of
  if (family === 3) return { state: 'done', header: { version: 2, source: undefined, length } };
  const source =
    family === 1
      ? { address: `${data[16]}.${data[17]}.${data[18]}.${data[19]}`, port: data.readUInt16BE(24) }
      : { address: formatIpv6(data.subarray(16, 32)), port: data.readUInt16BE(48) };
  return { state: 'done', header: { version: 2, source, length } };
}

// ---- reading it off a connection ---------------------------------------------------------

export type HeaderOutcome =
  | { ok: true; header: ProxyHeader; /** what came after the header in the same reads: the terminal's first bytes */ rest: Buffer }
  /** `reason` undefined: the peer left before sending a byte (a balancer's TCP check), nothing to count */
  | { ok: false; reason: ProxyRefusal | undefined; detail: string; /** bytes read and dropped */ bytes: number };

export interface HeaderReadOptions {
  accept: ProxyAccept;
  /** The whole header must have arrived this long after the connection (jt808.handshakeTimeoutMs). */
  timeoutMs: number;
  guard: Guard;
}

/**
 * Reads the header off `stream` and calls `done` once: with the header and the bytes after it,
 * or with why not. Holds at most a header's bytes (V2_MAX_BYTES) however the peer sends them;
 * legal in any split, byte by byte included. Its listeners are gone when `done` runs, so the
 * caller may hand the stream on. Returns a cancel (shutdown): no `done` then.
 */
export function readProxyHeader(stream: Duplex, options: HeaderReadOptions, done: (outcome: HeaderOutcome) => void): () => void {
  const { accept, timeoutMs, guard } = options;
  let held = Buffer.alloc(0);
  let finished = false;
  const stop = (): boolean => {
    if (finished) return false;
    finished = true;
    clearTimeout(timer);
    stream.off('data', onData);
    stream.off('end', onGone);
    stream.off('close', onGone);
    stream.off('error', onGone);
    return true;
  };
  const finish = (outcome: HeaderOutcome): void => {
    if (stop()) done(outcome);
  };
  const onData = guard.wrap('stream-data', (chunk: Buffer) => {
    const data = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
    const parsed = parseProxyHeader(data, accept);
    if (parsed.state === 'incomplete') {
      // a copy: never a slice that keeps a 64 KB read alive (the parser said it is below the bound)
      held = Buffer.from(data);
      return;
    }
    if (parsed.state === 'refused') return finish({ ok: false, reason: parsed.reason, detail: parsed.detail, bytes: data.length });
    finish({ ok: true, header: parsed.header, rest: data.subarray(parsed.header.length) });
  });
  const onGone = guard.wrap('stream-event', () =>
    finish(held.length > 0 ? { ok: false, reason: 'malformed', detail: 'the connection ended inside the header', bytes: held.length } : { ok: false, reason: undefined, detail: 'closed before any byte', bytes: 0 }),
  );
  const timer = setTimeout(
    guard.wrap('session-timer', () => finish({ ok: false, reason: 'timeout', detail: `no complete header within ${timeoutMs} ms (${held.length} bytes received)`, bytes: held.length })),
    timeoutMs,
  ).unref();
  stream.on('data', onData);
  stream.on('end', onGone);
  stream.on('close', onGone);
  stream.on('error', onGone);
  return () => void stop();
}

/**
 * Which refusals to log: the first of each reason and address, then at most one a minute with
 * the number left unlogged (the guard's way), so a broken balancer or a scanner cannot flood the
 * log. Remembers at most `maxKeys` pairs, the oldest forgotten first.
 */
export class RefusalLog {
  private readonly logged = new Map<string, { at: number; unlogged: number }>();

  constructor(
    private readonly everyMs = 60_000,
    private readonly maxKeys = 1024,
  ) {}

  /** Whether to log this refusal now; if so, how many of its kind went unlogged since the last. */
  due(reason: ProxyRefusal, address: string, now = Date.now()): { unlogged: number } | undefined {
    const key = `${reason} ${address}`;
    const last = this.logged.get(key);
    if (last && now - last.at < this.everyMs) {
      last.unlogged++;
      return undefined;
    }
    this.logged.delete(key); // re-inserted last: the Map's order is the age order
    this.logged.set(key, { at: now, unlogged: 0 });
    for (const k of this.logged.keys()) {
      if (this.logged.size <= this.maxKeys) break;
      this.logged.delete(k);
    }
    return { unlogged: last?.unlogged ?? 0 };
  }
}
