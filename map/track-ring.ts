/**
 * Tracks: the interface the track endpoint reads (InfluxDB's store can stand in for it) and
 * the default in-memory ring: the last `hours` of valid fixes per terminal, at most
 * `maxPoints` each, in flat Float64Arrays that grow by doubling.
 *
 * Rings are keyed by what terminals send, so they are bounded in number too: at most
 * `maxTerminals` (map.trackMaxTerminals), so at most maxTerminals × maxPoints × 40 B. Past
 * it the least recently written ring goes, found by the clock (second chance) algorithm: a
 * write only sets a flag, eviction walks from the oldest insertion and gives a flagged ring
 * one more round, so the hot path pays no reordering.
 */
export interface TrackPoint {
  /** ms since epoch (device time, else receive time) */
  t: number;
  lng: number;
  lat: number;
  speed: number;
  heading: number;
}

export interface TrackSource {
  track(terminal: string, fromMs: number, toMs: number): Promise<TrackPoint[]>;
}

const FIELDS = 5;

interface Ring {
  data: Float64Array;
  start: number;
  length: number;
  /** written since the clock last passed it */
  used: boolean;
}

export class RingTrackStore implements TrackSource {
  private readonly rings = new Map<string, Ring>();

  private held = 0;
  constructor(
    private readonly options: { hours: number; maxPoints: number; maxTerminals?: number },
    private readonly onEvict: () => void = () => undefined,
  ) {}

  get terminals(): number {
    return this.rings.size;
  }

  /** points held over all rings */
  get points(): number {
    return this.held;
  }

  record(terminal: string, t: number, lng: number, lat: number, speed: number, heading: number): void {
    let ring = this.rings.get(terminal);
    if (!ring) {
      if (this.rings.size >= (this.options.maxTerminals ?? Infinity)) this.evictOne();
      this.rings.set(terminal, (ring = { data: new Float64Array(16 * FIELDS), start: 0, length: 0, used: false }));
    }
    ring.used = true;
    this.held -= ring.length;
    const cap = ring.data.length / FIELDS;
    if (ring.length === cap) {
      if (cap < this.options.maxPoints) {
        // unroll into a ring twice the size
        const bigger = new Float64Array(Math.min(cap * 2, this.options.maxPoints) * FIELDS);
        for (let i = 0; i < ring.length; i++) bigger.set(ring.data.subarray(((ring.start + i) % cap) * FIELDS, ((ring.start + i) % cap) * FIELDS + FIELDS), i * FIELDS);
        ring.data = bigger;
        ring.start = 0;
      } else {
        ring.start = (ring.start + 1) % cap;
        ring.length--;
      }
    }
    const c = ring.data.length / FIELDS;
    const at = ((ring.start + ring.length) % c) * FIELDS;
    ring.data[at] = t;
    ring.data[at + 1] = lng;
    ring.data[at + 2] = lat;
    ring.data[at + 3] = speed;
    ring.data[at + 4] = heading;
    ring.length++;
    this.held += ring.length;
  }

  /** Drops the least recently written ring (approximately: second chance). */
  private evictOne(): void {
    for (;;) {
      const [terminal, ring] = this.rings.entries().next().value!;
      this.rings.delete(terminal);
      if (ring.used) {
        ring.used = false;
        this.rings.set(terminal, ring);
        continue;
      }
      this.held -= ring.length;
      this.onEvict();
      return;
    }
  }

  /** Forgets a terminal's track (an unregistered terminal dropped from the live index). */
  drop(terminal: string): boolean {
    this.held -= this.rings.get(terminal)?.length ?? 0;
    return this.rings.delete(terminal);
  }

  async track(terminal: string, fromMs: number, toMs: number): Promise<TrackPoint[]> {
    const ring = this.rings.get(terminal);
    if (!ring) return [];
    const oldest = Date.now() - this.options.hours * 3_600_000;
    const c = ring.data.length / FIELDS;
    const out: TrackPoint[] = [];
    for (let i = 0; i < ring.length; i++) {
      const at = ((ring.start + i) % c) * FIELDS;
      const t = ring.data[at]!;
      if (t < fromMs || t > toMs || t < oldest) continue;
      out.push({ t, lng: ring.data[at + 1]!, lat: ring.data[at + 2]!, speed: ring.data[at + 3]!, heading: ring.data[at + 4]! });
    }
    // arrivals may be out of order (a late frame): a track is in time order
    return out.sort((a, b) => a.t - b.t);
  }
}

/**
 * Douglas-Peucker on lng/lat (degrees, scaled by cos(lat) so a tolerance is roughly metres),
 * iterative. Keeps the first and last points.
 */
export function simplify(points: TrackPoint[], toleranceMetres: number): TrackPoint[] {
  if (points.length <= 2 || toleranceMetres <= 0) return points;
  const k = Math.cos(((points[0]!.lat) * Math.PI) / 180) * 111_320;
  const tol = (toleranceMetres / 111_320) ** 2;
  const keep = new Uint8Array(points.length);
  keep[0] = 1;
  keep[points.length - 1] = 1;
  const stack: [number, number][] = [[0, points.length - 1]];
  while (stack.length > 0) {
    const [a, b] = stack.pop()!;
    const ax = (points[a]!.lng * k) / 111_320;
    const ay = points[a]!.lat;
    const bx = (points[b]!.lng * k) / 111_320;
    const by = points[b]!.lat;
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    let worst = -1;
    let worstD = tol;
    for (let i = a + 1; i < b; i++) {
      const px = (points[i]!.lng * k) / 111_320 - ax;
      const py = points[i]!.lat - ay;
      const u = len2 === 0 ? 0 : Math.max(0, Math.min(1, (px * dx + py * dy) / len2));
      const ex = px - u * dx;
      const ey = py - u * dy;
      const d = ex * ex + ey * ey;
      if (d > worstD) {
        worstD = d;
        worst = i;
      }
    }
    if (worst >= 0) {
      keep[worst] = 1;
      stack.push([a, worst], [worst, b]);
    }
  }
  return points.filter((_, i) => keep[i] === 1);
}
