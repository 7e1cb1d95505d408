/**
 * Subpackage reassembly as a pure state machine (JT/T 808-2013 §4.4.3.3): parts are keyed by
 * terminal + message ID + first serial (serial - index + 1, since a message's packets carry
 * consecutive serials), may arrive out of order or twice, and complete into one decoded
 * message. `expire(now)` hands back the entries past their deadline with the missing packet
 * indexes, for the caller to request with 0x8003 (or 0x8800 for media). Time is passed in;
 * nothing here sets a timer.
 *
 * Retransmitted parts (answers to 0x8003) carry new serials, so a part that matches no key is
 * attached to the one requested entry of the same terminal, message and total that still
 * lacks that index.
 */
import { decodeBody } from './decode.js';
import type { DecodeResult } from './decode.js';
import type { Header, MessagePart } from './message.js';

export interface ReassemblyOptions {
  /** Milliseconds after the last part before an incomplete message is reported (default 30 s). */
  timeoutMs?: number;
  /** Bytes held across all incomplete messages; the oldest is dropped past it (default 8 MiB). */
  maxBytes?: number;
  /** Times an entry may expire (and be re-requested) before it is given up (default 3). */
  maxRequests?: number;
}

export interface Incomplete {
  phone: string;
  msgId: number;
  firstSerial: number;
  total: number;
  /** 1-based packet indexes not yet received. */
  missing: number[];
  /** 2013/2019: what 0x8003 needs to address the original message. */
  header: Header;
  /** True when this entry was dropped (requests exhausted) rather than kept waiting. */
  dropped: boolean;
}

interface Entry {
  key: string;
  header: Header;
  firstSerial: number;
  total: number;
  parts: (Buffer | undefined)[];
  received: number;
  bytes: number;
  deadline: number;
  requests: number;
}

export type AddResult =
  | { state: 'pending' }
  | { state: 'duplicate' }
  | { state: 'complete'; result: DecodeResult }
  | { state: 'invalid'; reason: string };

export class Reassembler {
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly maxRequests: number;
  private readonly entries = new Map<string, Entry>();
  private heldBytes = 0;
  /** Entries dropped to respect maxBytes. */
  evicted = 0;

  constructor(options: ReassemblyOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
    this.maxRequests = options.maxRequests ?? 3;
  }

  get pending(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  add(part: MessagePart, now: number): AddResult {
    const { total, index } = part.packet;
    if (total < 1 || index < 1 || index > total) return { state: 'invalid', reason: `packet ${index} of ${total}` };
    const firstSerial = (part.serial - index + 1 + 0x10000) & 0xffff;
    const key = `${part.phone}:${part.msgId}:${firstSerial}`;
    let entry = this.entries.get(key) ?? this.retransmitTarget(part);
    if (!entry) {
      const { packet: _packet, part: _bytes, ...header } = part;
      entry = { key, header: { ...header, serial: firstSerial }, firstSerial, total, parts: new Array(total), received: 0, bytes: 0, deadline: 0, requests: 0 };
      this.entries.set(key, entry);
    }
    if (entry.total !== total) return { state: 'invalid', reason: `total ${total} differs from ${entry.total}` };
    entry.deadline = now + this.timeoutMs;
    if (entry.parts[index - 1]) return { state: 'duplicate' };
    entry.parts[index - 1] = part.part;
    entry.received++;
    entry.bytes += part.part.length;
    this.heldBytes += part.part.length;
    if (entry.received === entry.total) {
      this.remove(entry);
      const body = Buffer.concat(entry.parts as Buffer[], entry.bytes);
      return { state: 'complete', result: decodeBody({ ...entry.header }, body) };
    }
    this.evictOverBudget(entry);
    return { state: 'pending' };
  }

  /** Entries whose deadline passed: each comes back with its missing indexes. */
  expire(now: number): Incomplete[] {
    const out: Incomplete[] = [];
    for (const entry of this.entries.values()) {
      if (entry.deadline > now) continue;
      entry.requests++;
      const dropped = entry.requests > this.maxRequests;
      if (dropped) this.remove(entry);
      else entry.deadline = now + this.timeoutMs;
      out.push(this.describe(entry, dropped));
    }
    return out;
  }

  /** Forget everything of one terminal (its session closed). */
  clear(phone?: string): void {
    for (const entry of [...this.entries.values()]) if (phone === undefined || entry.header.phone === phone) this.remove(entry);
  }

  private describe(entry: Entry, dropped: boolean): Incomplete {
    const missing: number[] = [];
    for (let i = 0; i < entry.total; i++) if (!entry.parts[i]) missing.push(i + 1);
    return { phone: entry.header.phone, msgId: entry.header.msgId, firstSerial: entry.firstSerial, total: entry.total, missing, header: entry.header, dropped };
  }

  private retransmitTarget(part: MessagePart): Entry | undefined {
    let found: Entry | undefined;
    for (const entry of this.entries.values()) {
      // only entries already asked for (0x8003 sent) can receive parts under new serials
      if (entry.requests === 0 || entry.header.phone !== part.phone || entry.header.msgId !== part.msgId || entry.total !== part.packet.total) continue;
      if (entry.parts[part.packet.index - 1]) continue;
      if (found) return undefined; // ambiguous: start a new entry rather than mix messages
      found = entry;
    }
    return found;
  }

  private remove(entry: Entry): void {
    if (this.entries.delete(entry.key)) this.heldBytes -= entry.bytes;
  }

  private evictOverBudget(keep: Entry): void {
    for (const entry of this.entries.values()) {
      if (this.heldBytes <= this.maxBytes) return;
      if (entry === keep) continue;
      this.remove(entry);
      this.evicted++;
    }
    if (this.heldBytes > this.maxBytes) {
      this.remove(keep);
      this.evicted++;
    }
  }
}
