/**
 * Per-address penalty box (fail2ban's idea, in process): an address whose connections were
 * closed for abuse (junk, malformed frames) `strikes` times within `windowMs` has its new
 * connections refused for `cooldownMs`. Sessions already open from it are left alone: behind a
 * NAT one address is many terminals, and the well-behaved ones keep their connections.
 *
 * Memory is bounded: entries expire with their window or cooldown, and past `maxTracked`
 * addresses the oldest strike records go first (a spray of addresses cannot grow it).
 */
export interface PenaltyBoxOptions {
  /** Abusive closes from one address within the window that box it; 0 disables the box. */
  strikes: number;
  windowMs: number;
  cooldownMs: number;
  /** Addresses with strike records kept at most (default 10,000). */
  maxTracked?: number;
}

interface Strikes {
  strikes: number;
  /** Start of the current window. */
  since: number;
}

export class PenaltyBox {
  private readonly records = new Map<string, Strikes>();
  /** Boxed addresses and when their cooldown ends. */
  private readonly boxed = new Map<string, number>();
  private readonly maxTracked: number;
  private lastSweep = 0;

  constructor(private readonly options: PenaltyBoxOptions) {
    this.maxTracked = options.maxTracked ?? 10_000;
  }

  /** Addresses whose new connections are refused now. */
  get size(): number {
    return this.boxed.size;
  }

  /** Whether a new connection from `ip` is refused now. */
  holds(ip: string, now = Date.now()): boolean {
    if (this.boxed.size === 0) return false;
    const until = this.boxed.get(ip);
    if (until === undefined) return false;
    if (now < until) return true;
    this.boxed.delete(ip);
    return false;
  }

  /** A connection from `ip` closed for abuse. True when this strike boxes the address. */
  strike(ip: string, now = Date.now()): boolean {
    if (this.options.strikes === 0 || this.holds(ip, now)) return false;
    this.sweep(now);
    let r = this.records.get(ip);
    if (!r || now - r.since > this.options.windowMs) {
      if (r) this.records.delete(ip); // re-inserted last: the Map's order is the age order
      r = { strikes: 0, since: now };
      this.records.set(ip, r);
    }
    if (++r.strikes < this.options.strikes) return false;
    this.records.delete(ip);
    this.boxed.set(ip, now + this.options.cooldownMs);
    return true;
  }

  /** Drops expired windows (at most once per window) and the oldest records past the bound. */
  private sweep(now: number): void {
    if (now - this.lastSweep >= this.options.windowMs) {
      this.lastSweep = now;
      for (const [ip, r] of this.records) if (now - r.since > this.options.windowMs) this.records.delete(ip);
      for (const [ip, until] of this.boxed) if (now >= until) this.boxed.delete(ip);
    }
    for (const ip of this.records.keys()) {
      if (this.records.size < this.maxTracked) break;
      this.records.delete(ip);
    }
  }
}
