/**
 * Received bytes, worked off within a budget per event-loop turn.
 *
 * libuv accepts one connection per loop turn (libuv #3696, in Node 20), and Node hands every
 * ready socket's data to us within one turn. A gateway busy with reports thus took turns of
 * 250 ms, and a terminal connecting then waited up to 10 s to be accepted (measured: with
 * 1,000 terminals at 90k reports/s, 3-6% of the logins timed out). Here one turn spends about
 * `budgetMs` on received data: past the budget, chunks are held, and held data is worked off
 * in the following turns (one budget each, after the turn's reads), in slices, in arrival
 * order; a connection holding more than 16 KB (or any, once 32 MB are held in all) has its
 * socket paused (the kernel keeps the rest, and the sender feels it). Turns stay short, so accepts,
 * timers and the HTTP API keep their pace; the work done is the same.
 */
export interface IntakeReader {
  readonly closed: boolean;
  /** False while the terminal is still logging in: its first bytes skip the queue (see push). */
  readonly authenticated: boolean;
  feed(chunk: Buffer): void;
  /** Stop (true) or restart (false) reading the transport for the intake's sake. */
  holdReading(held: boolean): void;
}

/** Held data is fed in slices this big (about 60 location reports), so a slice never overruns a turn by much. */
const SLICE = 4096;

/**
 * Bytes a connection still logging in may have fed ahead of held data: a registration and an
 * authentication (a few dozen bytes each) fit many times over; junk from an unauthenticated
 * connection past this waits in the queue like everything else.
 */
const LOGIN_AHEAD = 1024;

/** Held bytes past which a connection's socket is paused (the kernel then keeps the rest). */
const HOLD_MAX = 16 * 1024;
/** Held bytes over all connections past which every connection that gets more held is paused. */
const TOTAL_HOLD_MAX = 32 * 1024 * 1024;

interface Held {
  chunks: Buffer[];
  bytes: number;
  paused: boolean;
}

export class Intake {
  private readonly held = new Map<IntakeReader, Held>();
  private heldBytes = 0;
  /** performance.now() when this turn's budget started; -1: no data seen this turn yet. */
  private turnStart = -1;
  private turnEndScheduled = false;
  private readonly aheadBytes = new WeakMap<IntakeReader, number>();
  /** What to do once a connection's held data has been fed (its peer ended or closed meanwhile). */
  private readonly afterFed = new Map<IntakeReader, () => void>();

  constructor(
    private readonly budgetMs: number,
    private readonly limits = { perConnection: HOLD_MAX, total: TOTAL_HOLD_MAX },
  ) {}

  /** Bytes held over all connections. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Connections with data waiting. */
  get waiting(): number {
    return this.held.size;
  }

  /**
   * Runs `then` once everything held for `reader` has been fed, at once when nothing is held: a
   * peer's end or close comes after its data, and what it sent before is still read (a terminal
   * that writes a report and closes at once, on a busy gateway, had that report dropped).
   */
  whenFed(reader: IntakeReader, then: () => void): void {
    if (!this.held.has(reader)) return then();
    if (!this.afterFed.has(reader)) this.afterFed.set(reader, then);
  }

  push(reader: IntakeReader, chunk: Buffer): void {
    // fed at once only while nothing waits: otherwise in arrival order, behind what waits
    if (this.held.size === 0 && this.withinBudget()) {
      reader.feed(chunk);
      return;
    }
    // A terminal logging in is answered ahead of held reports: under overload the backlog is
    // seconds long, and a registration waiting behind it can time out on the terminal (measured
    // at 10,000 terminals with a 5 ms budget: 2,109 registration timeouts before, 1,447 after;
    // the rest waited to be accepted). Only while nothing of its own is held, so its order stays.
    if (!reader.authenticated && !this.held.has(reader)) {
      const ahead = (this.aheadBytes.get(reader) ?? 0) + chunk.length;
      if (ahead <= LOGIN_AHEAD) {
        this.aheadBytes.set(reader, ahead);
        reader.feed(chunk);
        return;
      }
    }
    let h = this.held.get(reader);
    if (!h) this.held.set(reader, (h = { chunks: [], bytes: 0, paused: false }));
    h.chunks.push(chunk);
    h.bytes += chunk.length;
    this.heldBytes += chunk.length;
    // 19,000 connections each holding a read would be a gigabyte: past the total, everyone waits in the kernel
    if ((h.bytes > this.limits.perConnection || this.heldBytes > this.limits.total) && !h.paused) {
      h.paused = true;
      reader.holdReading(true);
    }
    this.scheduleTurnEnd();
  }

  private withinBudget(): boolean {
    const now = performance.now();
    if (this.turnStart < 0) {
      this.turnStart = now;
      this.scheduleTurnEnd();
    }
    return now - this.turnStart < this.budgetMs;
  }

  private scheduleTurnEnd(): void {
    if (this.turnEndScheduled) return;
    this.turnEndScheduled = true;
    setImmediate(this.turnEnd);
  }

  /** After the turn's reads (check phase): held data gets one budget, then the next turn starts afresh. */
  private readonly turnEnd = (): void => {
    this.turnEndScheduled = false;
    const start = performance.now();
    let fedAny = false;
    for (const [reader, h] of this.held) {
      // at least one slice a turn, however small the budget: held data always moves
      while (h.chunks.length > 0 && (!fedAny || performance.now() - start < this.budgetMs) && !reader.closed) {
        fedAny = true;
        const chunk = h.chunks[0]!;
        const slice = chunk.length <= SLICE ? chunk : chunk.subarray(0, SLICE);
        if (slice === chunk) h.chunks.shift();
        else h.chunks[0] = chunk.subarray(SLICE);
        h.bytes -= slice.length;
        this.heldBytes -= slice.length;
        reader.feed(slice);
      }
      if (h.chunks.length > 0 && !reader.closed) break; // out of budget: the rest next turn, first
      this.heldBytes -= h.bytes; // a closed connection's leftovers
      this.held.delete(reader);
      if (h.paused && !reader.closed) reader.holdReading(false);
      const then = this.afterFed.get(reader);
      if (then) {
        this.afterFed.delete(reader);
        then();
      }
    }
    this.turnStart = -1;
    // set from within an immediate, this runs in the next loop turn, after its reads
    if (this.held.size > 0) this.scheduleTurnEnd();
  };
}
