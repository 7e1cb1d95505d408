/**
 * A log-linear latency histogram in the HDR style: 64 linear sub-buckets per power of two,
 * so any recorded value is kept within 1/64 (1.6%) of itself, in a few hundred counters
 * whatever the number of samples. Histograms from several workers merge by adding counts.
 * Values are microseconds (integers >= 0).
 */
const SUB_BITS = 6;
const SUB = 1 << SUB_BITS;

function indexOf(v: number): number {
  if (v < SUB) return v;
  const e = 31 - Math.clz32(v) - SUB_BITS; // scale so the mantissa has SUB_BITS+1 bits
  const mantissa = Math.floor(v / 2 ** e); // in [SUB, 2*SUB)
  return e * SUB + mantissa;
}

/** The smallest value that falls in bucket i (the histogram reports bucket floors). */
function floorOf(i: number): number {
  if (i < 2 * SUB) return i;
  const e = Math.floor(i / SUB) - 1;
  const mantissa = i - e * SUB;
  return mantissa * 2 ** e;
}

export type HistogramData = [index: number, count: number][];

export class Histogram {
  private readonly counts = new Map<number, number>();
  count = 0;
  min = Infinity;
  max = 0;
  sum = 0;

  record(valueUs: number): void {
    const v = Math.min(0xffffffff, Math.max(0, Math.round(valueUs)));
    const i = indexOf(v);
    this.counts.set(i, (this.counts.get(i) ?? 0) + 1);
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** The value at quantile q (0..1): the floor of the bucket holding it, never above max. */
  percentile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (const i of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(i)!;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, floorOf(i)));
    }
    return this.max;
  }

  mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  toJSON(): { buckets: HistogramData; count: number; min: number; max: number; sum: number } {
    return { buckets: [...this.counts], count: this.count, min: this.count ? this.min : 0, max: this.max, sum: this.sum };
  }

  merge(data: ReturnType<Histogram['toJSON']>): void {
    for (const [i, c] of data.buckets) this.counts.set(i, (this.counts.get(i) ?? 0) + c);
    this.count += data.count;
    this.sum += data.sum;
    if (data.count > 0) {
      this.min = Math.min(this.min, data.min);
      this.max = Math.max(this.max, data.max);
    }
  }
}
