/**
 * The byte ranges of a file received so far, as sorted disjoint half-open intervals [start, end),
 * adjacent ones merged. A terminal picks the offsets: out-of-order data frames leave gaps, and
 * each gap is an interval, so the list is capped (`maxRanges`, attachments.maxRanges): a frame
 * that would need one interval more is refused, not held.
 */
export interface Range {
  offset: number;
  length: number;
}

export class ReceivedRanges {
  /** flat [start0, end0, start1, end1, ...], sorted, disjoint, never touching */
  private readonly edges: number[] = [];

  constructor(
    readonly size: number,
    private readonly maxRanges: number,
  ) {}

  get count(): number {
    return this.edges.length / 2;
  }

  /** Bytes covered. */
  get covered(): number {
    let n = 0;
    for (let i = 0; i < this.edges.length; i += 2) n += this.edges[i + 1]! - this.edges[i]!;
    return n;
  }

  get complete(): boolean {
    return this.size === 0 || (this.edges.length === 2 && this.edges[0] === 0 && this.edges[1] === this.size);
  }

  /** Whether [start, end) can be added within the cap (an empty range always can). */
  fits(start: number, end: number): boolean {
    if (end <= start) return true;
    const { first, last } = this.touching(start, end);
    // intervals touching the new one merge with it into one
    return this.count - (last - first) + 1 <= this.maxRanges;
  }

  /** Adds [start, end); false (nothing changed) when it would pass the cap. */
  add(start: number, end: number): boolean {
    if (end <= start) return true;
    const { first, last } = this.touching(start, end);
    if (this.count - (last - first) + 1 > this.maxRanges) return false;
    const lo = first < last ? Math.min(start, this.edges[2 * first]!) : start;
    const hi = first < last ? Math.max(end, this.edges[2 * last - 1]!) : end;
    this.edges.splice(2 * first, 2 * (last - first), lo, hi);
    return true;
  }

  /** The gaps in [0, size), in order; at most `limit` of them. */
  missing(limit = Number.MAX_SAFE_INTEGER): Range[] {
    const out: Range[] = [];
    let at = 0;
    for (let i = 0; i <= this.edges.length && out.length < limit; i += 2) {
      const next = i < this.edges.length ? this.edges[i]! : this.size;
      if (next > at) out.push({ offset: at, length: next - at });
      if (i < this.edges.length) at = this.edges[i + 1]!;
    }
    return out;
  }

  /** Intervals [first, last) that overlap or touch [start, end) (binary search on the starts). */
  private touching(start: number, end: number): { first: number; last: number } {
    const n = this.count;
    // first interval whose end >= start
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.edges[2 * mid + 1]! < start) lo = mid + 1;
      else hi = mid;
    }
    const first = lo;
    // first interval whose start > end
    hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.edges[2 * mid]! <= end) lo = mid + 1;
      else hi = mid;
    }
    return { first, last: lo };
  }
}
