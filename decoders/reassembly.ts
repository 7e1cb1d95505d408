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
 *
 * Every number here comes from the network, so the state is sparse (a map of the parts
 * received, never `total` slots) and bounded: `total` by maxPackets, entries and bytes per
 * reassembler (one per session; past them its own oldest entry goes) and per gateway (a
 * shared ReassemblyBudget; when that is full new state is refused, so one session cannot
 * evict another's). Bytes count each entry's and each part's overhead, not the payload
 * alone: empty parts are not free.
 */
import { decodeBody } from './decode.js';
import type { DecodeResult } from './decode.js';
import type { Header, MessagePart } from './message.js';

/**
 * Heap an entry costs beyond its parts' bytes: the Map slot and key string, the entry and
 * header objects, its parts Map (measured on Node 24: about 530 bytes; counted with room to spare).
 */
export const ENTRY_COST = 1024;
/** Heap a held part costs beyond its bytes: its Map slot, Buffer object and own ArrayBuffer (measured: about 230). */
export const PART_COST = 320;

export interface ReassemblyOptions {
  /** Milliseconds after the last part before an incomplete message is reported (default 30 s). */
  timeoutMs?: number;
  /** Bytes held, overhead included, across this reassembler's incomplete messages; its oldest is dropped past it (default 4 MiB). */
  maxBytes?: number;
  /** Incomplete messages held at once; the oldest is dropped past it (default 16). */
  maxEntries?: number;
  /** Largest packet total taken; a part announcing more is refused (default 8192). */
  maxPackets?: number;
  /** Times an entry may expire (and be re-requested) before it is given up (default 3). */
  maxRequests?: number;
  /** Shared by the reassemblers of one gateway; none = no limit beyond this reassembler's. */
  budget?: ReassemblyBudget;
  /** Called for each entry dropped to respect a limit. */
  onEvict?: () => void;
}

/** Entries and bytes (overhead included) held over several reassemblers, with their ceilings. */
export class ReassemblyBudget {
  entries = 0;
  bytes = 0;
  constructor(
    readonly maxEntries: number,
    readonly maxBytes: number,
  ) {}

  fits(entries: number, bytes: number): boolean {
    return this.entries + entries <= this.maxEntries && this.bytes + bytes <= this.maxBytes;
  }
}

export interface Incomplete {
  phone: string;
  msgId: number;
  firstSerial: number;
  total: number;
  /** 1-based packet indexes not yet received, ascending. */
  missing: number[];
  /** 2013/2019: what 0x8003 needs to address the original message. */
  header: Header;
  /** Packet 1's bytes when it arrived (a 0x0801 upload's media ID is there, for 0x8800). */
  firstPart?: Buffer;
  /** True when this entry was dropped (requests exhausted) rather than kept waiting. */
  dropped: boolean;
}

interface Entry {
  key: string;
  header: Header;
  firstSerial: number;
  total: number;
  /** Packet index -> bytes: only what arrived (a total of 65,535 costs nothing until its parts do). */
  parts: Map<number, Buffer>;
  /** Payload bytes held. */
  bytes: number;
  /** What this entry counts against the limits: payload plus overhead. */
  cost: number;
  deadline: number;
  requests: number;
}

export type AddResult =
  | { state: 'pending' }
  | { state: 'duplicate' }
  | { state: 'complete'; result: DecodeResult }
  | { state: 'invalid'; reason: string }
  /** too-many-packets: total above maxPackets; no-room: the shared budget is spent, or the message alone outgrows maxBytes. */
  | { state: 'refused'; reason: 'too-many-packets' | 'no-room' };

export class Reassembler {
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly maxEntries: number;
  private readonly maxPackets: number;
  private readonly maxRequests: number;
  private readonly budget: ReassemblyBudget | undefined;
  private readonly onEvict: (() => void) | undefined;
  /** In insertion order: the first is the oldest. */
  private readonly entries = new Map<string, Entry>();
  private heldCost = 0;
  /** Entries dropped to respect a limit. */
  evicted = 0;

  constructor(options: ReassemblyOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
    this.maxEntries = options.maxEntries ?? 16;
    this.maxPackets = options.maxPackets ?? 8192;
    this.maxRequests = options.maxRequests ?? 3;
    this.budget = options.budget;
    this.onEvict = options.onEvict;
  }

  get pending(): number {
    return this.entries.size;
  }

  /** Bytes held, overhead included. */
  get bytes(): number {
    return this.heldCost;
  }

  add(part: MessagePart, now: number): AddResult {
    const { total, index } = part.packet;
    if (total < 1 || index < 1 || index > total) return { state: 'invalid', reason: `packet ${index} of ${total}` };
    if (total > this.maxPackets) return { state: 'refused', reason: 'too-many-packets' };
    const firstSerial = (part.serial - index + 1 + 0x10000) & 0xffff;
    const key = `${part.phone}:${part.msgId}:${firstSerial}`;
    let entry = this.entries.get(key) ?? this.retransmitTarget(part);
    if (entry && entry.total !== total) return { state: 'invalid', reason: `total ${total} differs from ${entry.total}` };
    if (entry?.parts.has(index)) {
      entry.deadline = now + this.timeoutMs;
      return { state: 'duplicate' };
    }
    const cost = PART_COST + part.part.length + (entry ? 0 : ENTRY_COST);
    if (!this.makeRoom(entry, cost)) return { state: 'refused', reason: 'no-room' };
    if (!entry) {
      const { packet: _packet, part: _bytes, ...header } = part;
      entry = { key, header: { ...header, serial: firstSerial }, firstSerial, total, parts: new Map(), bytes: 0, cost: 0, deadline: 0, requests: 0 };
      this.entries.set(key, entry);
      if (this.budget) this.budget.entries++;
    }
    entry.deadline = now + this.timeoutMs;
    entry.parts.set(index, part.part);
    entry.bytes += part.part.length;
    this.charge(entry, cost);
    if (entry.parts.size === entry.total) {
      this.remove(entry);
      const ordered: Buffer[] = [];
      for (let i = 1; i <= entry.total; i++) ordered.push(entry.parts.get(i)!);
      return { state: 'complete', result: decodeBody({ ...entry.header }, Buffer.concat(ordered, entry.bytes)) };
    }
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
    for (let i = 1; i <= entry.total; i++) if (!entry.parts.has(i)) missing.push(i);
    const firstPart = entry.parts.get(1);
    return { phone: entry.header.phone, msgId: entry.header.msgId, firstSerial: entry.firstSerial, total: entry.total, missing, header: entry.header, ...(firstPart ? { firstPart } : {}), dropped };
  }

  private retransmitTarget(part: MessagePart): Entry | undefined {
    let found: Entry | undefined;
    for (const entry of this.entries.values()) {
      // only entries already asked for (0x8003 sent) can receive parts under new serials
      if (entry.requests === 0 || entry.header.phone !== part.phone || entry.header.msgId !== part.msgId || entry.total !== part.packet.total) continue;
      if (entry.parts.has(part.packet.index)) continue;
      if (found) return undefined; // ambiguous: start a new entry rather than mix messages
      found = entry;
    }
    return found;
  }

  /**
   * Room for `cost` more bytes (and a new entry when `entry` is undefined): this reassembler's
   * own oldest entries go for its own limits; the shared budget is never made room in (that
   * would let one session evict another's), so a part that does not fit it is refused.
   */
  private makeRoom(entry: Entry | undefined, cost: number): boolean {
    const added = entry ? 0 : 1;
    while (this.entries.size + added > this.maxEntries || this.heldCost + cost > this.maxBytes) {
      const oldest = this.oldestBesides(entry);
      if (!oldest) {
        // the message alone outgrows maxBytes: it can never complete, so it goes too
        if (entry) this.evict(entry);
        return false;
      }
      this.evict(oldest);
    }
    return !this.budget || this.budget.fits(added, cost);
  }

  private oldestBesides(keep: Entry | undefined): Entry | undefined {
    for (const entry of this.entries.values()) if (entry !== keep) return entry;
    return undefined;
  }

  private charge(entry: Entry, cost: number): void {
    entry.cost += cost;
    this.heldCost += cost;
    if (this.budget) this.budget.bytes += cost;
  }

  private evict(entry: Entry): void {
    this.remove(entry);
    this.evicted++;
    this.onEvict?.();
  }

  private remove(entry: Entry): void {
    if (!this.entries.delete(entry.key)) return;
    this.heldCost -= entry.cost;
    if (this.budget) {
      this.budget.entries--;
      this.budget.bytes -= entry.cost;
    }
  }
}
