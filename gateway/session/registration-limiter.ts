/**
 * Registrations (0x0100) per source address: a token bucket of `perMinute` registrations,
 * refilled evenly over a minute, so a script cannot mint thousands of identities a second
 * while a NATed depot of terminals booting at once still registers (auth.registrationsPerMinute).
 *
 * Bounded: at most `maxAddresses` buckets. The Map's order is the order addresses were last
 * seen; a bucket that has refilled carries nothing and is dropped from the old end as we go,
 * and past the cap the least recently seen address is forgotten (counted: it starts again with
 * a full bucket, which is no more than a fresh address gets).
 */
interface Bucket {
  tokens: number;
  at: number;
}

export class RegistrationLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly maxAddresses: number,
    /** An address was forgotten at the cap (counted). */
    private readonly onEvict: () => void = () => undefined,
  ) {
    this.perMs = perMinute / 60_000;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Takes one registration for `ip`; false when its bucket is empty. */
  take(ip: string, now = Date.now()): boolean {
    this.dropRefilled(now);
    let b = this.buckets.get(ip);
    if (b) {
      this.buckets.delete(ip); // re-inserted last: most recently seen
      b.tokens = Math.min(this.perMinute, b.tokens + (now - b.at) * this.perMs);
      b.at = now;
    } else {
      if (this.buckets.size >= this.maxAddresses) {
        this.buckets.delete(this.buckets.keys().next().value!);
        this.onEvict();
      }
      b = { tokens: this.perMinute, at: now };
    }
    this.buckets.set(ip, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** A couple of the least recently seen buckets, if full again (amortised cleanup). */
  private dropRefilled(now: number): void {
    for (let i = 0; i < 2; i++) {
      const first = this.buckets.entries().next().value;
      if (!first || first[1].tokens + (now - first[1].at) * this.perMs < this.perMinute) return;
      this.buckets.delete(first[0]);
    }
  }
}
