/**
 * The ids of relayed requests already taken (command-relay.ts), so a captured request published
 * again is refused. An id is kept `keepMs` from its arrival, longer than a request can be taken
 * (its accept window, at most 30 s, plus clock skew), after which the relay refuses it as late
 * anyway. At most `maxIds` are kept (ids are remembered after the signature holds): when full, a
 * new request is refused rather than a fresh id forgotten, which would reopen its replay.
 */
export class ReplayCache {
  /** id -> when it may be forgotten; insertion order is arrival order, so the oldest come first */
  private readonly ids = new Map<string, number>();

  constructor(
    private readonly maxIds = 100_000,
    private readonly keepMs = 60_000,
  ) {}

  get size(): number {
    return this.ids.size;
  }

  /** 'replay': seen before; 'full': no room for it (refuse the request); 'new': remembered from now on. */
  remember(id: string, now = Date.now()): 'new' | 'replay' | 'full' {
    for (const [old, until] of this.ids) {
      // a request may come in up to keepMs after its id: expiry is strictly after that
      if (until >= now) break;
      this.ids.delete(old);
    }
    if (this.ids.has(id)) return 'replay';
    if (this.ids.size >= this.maxIds) return 'full';
    this.ids.set(id, now + this.keepMs);
    return 'new';
  }
}
