/**
 * The ids of relayed requests already taken (command-relay.ts), so a captured request published
 * again is refused. An id is kept `keepMs` from its arrival, longer than a request stays fresh
 * (issuedAt within 30 s of now), after which the freshness check refuses it anyway. At most
 * `maxIds` are kept: past it the oldest is forgotten first. Only a holder of the relay's key
 * can fill it that fast (ids are remembered after the signature holds).
 */
export class ReplayCache {
  /** id -> when it may be forgotten; insertion order is arrival order, so the oldest come first */
  private readonly ids = new Map<string, number>();

  constructor(
    private readonly maxIds = 10_000,
    private readonly keepMs = 60_000,
  ) {}

  get size(): number {
    return this.ids.size;
  }

  /** false: seen before (a replay); else remembered from now on. */
  remember(id: string, now = Date.now()): boolean {
    for (const [old, until] of this.ids) {
      if (until > now) break;
      this.ids.delete(old);
    }
    if (this.ids.has(id)) return false;
    if (this.ids.size >= this.maxIds) this.ids.delete(this.ids.keys().next().value!);
    this.ids.set(id, now + this.keepMs);
    return true;
  }
}
