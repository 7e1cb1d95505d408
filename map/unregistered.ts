/**
 * Terminals the device registry does not list, as a live index holds them. Anyone who can
 * compute an auth code for a phone (or any phone, with auth.unknownTerminals "register") can
 * make one up, so their entries are bounded twice:
 * - in time: not heard from for `expireAfterMs` (map.offlineAfterMs + map.unregisteredGraceMs)
 *   and they are dropped, where a registered terminal would only turn offline;
 * - in number: at most `max` (map.maxUnregistered). Past it the least recently heard one is
 *   dropped to make room ("evict the oldest"): the map keeps showing the unregistered
 *   terminals that are reporting now, and it heals by itself once a flood of made-up phones
 *   stops, where refusing new ones would hide a real newcomer until the flood's entries expire.
 * Registered terminals never pass through here: the registry bounds them.
 *
 * A Map in last-heard order (a report moves its terminal to the end), so both the oldest and
 * the expired are at the front: eviction is O(1) and expiry walks only what it drops.
 */
export interface UnregisteredOptions {
  /** entries held at most (map.maxUnregistered) */
  max: number;
  /** not heard from for this long = dropped (map.offlineAfterMs + map.unregisteredGraceMs) */
  expireAfterMs: number;
}

export class UnregisteredTerminals {
  private readonly heard = new Map<string, number>();

  /**
   * A terminal heard again within this long keeps its place in the order: a busy terminal
   * does not cost a Map delete and insert per report. Expiry and the cap's choice of the least
   * recently heard are then exact to within this (at most a sixteenth of the expiry, 1 s).
   */
  private readonly refreshMs: number;

  constructor(readonly options: UnregisteredOptions) {
    this.refreshMs = Math.min(1000, options.expireAfterMs / 16);
  }

  get size(): number {
    return this.heard.size;
  }

  has(terminal: string): boolean {
    return this.heard.has(terminal);
  }

  /** `terminal` heard from at `at` (ms); returns the terminal dropped to make room for it, if one was. */
  touch(terminal: string, at: number): string | undefined {
    const before = this.heard.get(terminal);
    if (before !== undefined) {
      if (at - before < this.refreshMs) return undefined;
      this.heard.delete(terminal);
      this.heard.set(terminal, Math.max(before, at));
      return undefined;
    }
    this.heard.set(terminal, at);
    if (this.heard.size <= this.options.max) return undefined;
    const oldest = this.heard.keys().next().value!;
    this.heard.delete(oldest);
    return oldest;
  }

  /** No longer tracked here (it was removed, or the registry lists it now). */
  delete(terminal: string): boolean {
    return this.heard.delete(terminal);
  }

  /** Drops (and hands to `drop`) every terminal not heard from since now - expireAfterMs. */
  expire(now: number, drop: (terminal: string) => void): number {
    const cutoff = now - this.options.expireAfterMs;
    let n = 0;
    for (const [terminal, at] of this.heard) {
      // last-heard order: the first one still fresh ends it
      if (at >= cutoff) break;
      this.heard.delete(terminal);
      drop(terminal);
      n++;
    }
    return n;
  }
}
