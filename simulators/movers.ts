/**
 * How simulated terminals move, one step per report interval: vehicles drive the street
 * graph (speed near each road's limit, stops at junctions, the odd speeding run), body
 * cameras and handhelds walk a beat (a loop of waypoints around a post, with pauses).
 * Pure functions of their seeded Rng: same seed, same track.
 */
import { bearing, projector } from './city.js';
import type { City, Point } from './city.js';
import type { Rng } from './rng.js';

export interface Fix extends Point {
  speedKmh: number;
  heading: number;
  altitude: number;
  /** Cumulative distance, km (0x0200 item 0x01). */
  odometerKm: number;
}

export interface Mover {
  /** Advance by dtS seconds and return where the terminal is now. */
  step(dtS: number): Fix;
  /** Force a speeding run for the next `seconds` (vehicles; walkers ignore it). */
  speed(seconds: number): void;
}

// Fixes are built as plain literals: `{ ...p, speedKmh, ... }` (a spread followed by new keys)
// takes V8's slow path in Node 20, about 1.7 µs a step, a fifth of the runner's time per report.
function lerp(a: Point, b: Point, f: number): Point {
  return { lat: a.lat + (b.lat - a.lat) * f, lng: a.lng + (b.lng - a.lng) * f };
}

/** Where a squad's vehicle may drive: the junctions within `radiusM` of `centre`. */
export interface Zone {
  centre: Point;
  radiusM: number;
}

export class Vehicle implements Mover {
  private from: number;
  private to: number;
  private edge;
  private along = 0;
  private stopS = 0;
  private speedingS = 0;
  private kmh = 0;
  private odometerKm: number;
  /** How this driver treats limits: 0.75 (careful) .. 1.05. */
  private readonly temper: number;

  /** junctions it may drive to (its zone), all when it has none */
  private readonly allowed: ((node: number) => boolean) | undefined;

  constructor(
    private readonly city: City,
    private readonly rng: Rng,
    zone?: Zone,
  ) {
    if (zone) {
      const proj = projector(zone.centre);
      const inside = new Set(city.drivable.filter((n) => Math.hypot(...proj.toXY(city.nodes[n]!)) <= zone.radiusM));
      // a zone with fewer than two junctions (a post by the river) drives the whole city
      if (inside.size >= 2) this.allowed = (n) => inside.has(n);
    }
    const start = this.allowed ? city.drivable.filter((n) => this.allowed!(n) && city.edges[n]!.some((e) => this.allowed!(e.to))) : [];
    this.from = rng.pick(start.length > 0 ? start : city.drivable);
    const first = this.allowed ? city.edges[this.from]!.filter((e) => this.allowed!(e.to)) : [];
    this.edge = rng.pick(first.length > 0 ? first : city.edges[this.from]!);
    this.to = this.edge.to;
    this.along = rng.float(0, this.edge.lengthM);
    this.temper = rng.float(0.75, 1.05);
    this.odometerKm = Math.round(rng.float(2_000, 150_000));
  }

  speed(seconds: number): void {
    this.speedingS = Math.max(this.speedingS, seconds);
  }

  step(dtS: number): Fix {
    let left = dtS;
    let moved = 0;
    while (left > 0) {
      if (this.stopS > 0) {
        const wait = Math.min(this.stopS, left);
        this.stopS -= wait;
        left -= wait;
        this.kmh = 0;
        continue;
      }
      const factor = this.speedingS > 0 ? 1.35 : this.temper;
      this.kmh = Math.max(5, this.edge.limitKmh * factor * this.rng.float(0.9, 1.05));
      const mps = this.kmh / 3.6;
      const remaining = this.edge.lengthM - this.along;
      const t = Math.min(left, remaining / mps);
      this.along += t * mps;
      moved += t * mps;
      left -= t;
      this.speedingS = Math.max(0, this.speedingS - t);
      if (this.along >= this.edge.lengthM - 1e-6) this.turn();
    }
    this.odometerKm += moved / 1000;
    const a = this.city.nodes[this.from]!;
    const b = this.city.nodes[this.to]!;
    const p = lerp(a, b, this.along / this.edge.lengthM);
    return { lat: p.lat, lng: p.lng, speedKmh: round1(this.kmh), heading: this.edge.headingDeg, altitude: 20 + Math.round(this.rng.float(0, 15)), odometerKm: round1(this.odometerKm) };
  }

  /** At a junction: carry on anywhere but back (unless a dead end) within its zone; sometimes a red light. */
  private turn(): void {
    const all = this.city.edges[this.to]!;
    // within the zone (the way back is there: it came from there), unless the streets say otherwise
    const inZone = this.allowed ? all.filter((e) => this.allowed!(e.to)) : all;
    const out = inZone.length > 0 ? inZone : all;
    const onward = out.filter((e) => e.to !== this.from);
    const next = this.rng.pick(onward.length > 0 ? onward : out);
    this.from = this.to;
    this.edge = next;
    this.to = next.to;
    this.along = 0;
    if (all.length > 2 && this.rng.chance(0.3)) this.stopS = this.rng.float(5, 60);
  }
}

/**
 * A foot patrol: a loop of 4-7 waypoints within ~600 m of a post (or `reachM`), walked at 4-6
 * km/h. The post is a random junction unless given (a squad's post, its duty area's centre).
 */
export class Walker implements Mover {
  private readonly beat: [number, number][];
  private leg = 0;
  private along = 0;
  private pauseS = 0;
  private kmh = 0;
  private odometerKm = 0;
  private readonly proj;
  private readonly pace: number;

  constructor(
    city: City,
    private readonly rng: Rng,
    at?: Point,
    reachM = 600,
  ) {
    const post = at ?? city.nodes[rng.pick(city.drivable)]!;
    this.proj = projector(post);
    const k = rng.int(4, 7);
    this.beat = [];
    for (let i = 0; i < k; i++) {
      const angle = (2 * Math.PI * i) / k + rng.float(-0.3, 0.3);
      const r = (rng.float(150, 600) * reachM) / 600;
      this.beat.push([r * Math.sin(angle), r * Math.cos(angle)]);
    }
    this.leg = rng.int(0, k - 1);
    this.pace = rng.float(4, 6);
  }

  speed(): void {
    // people on foot do not speed
  }

  step(dtS: number): Fix {
    let left = dtS;
    let moved = 0;
    while (left > 0) {
      if (this.pauseS > 0) {
        const wait = Math.min(this.pauseS, left);
        this.pauseS -= wait;
        left -= wait;
        this.kmh = 0;
        continue;
      }
      this.kmh = this.pace * this.rng.float(0.85, 1.15);
      const mps = this.kmh / 3.6;
      const [ax, ay] = this.beat[this.leg]!;
      const [bx, by] = this.beat[(this.leg + 1) % this.beat.length]!;
      const len = Math.hypot(bx - ax, by - ay);
      const t = Math.min(left, (len - this.along) / mps);
      this.along += t * mps;
      moved += t * mps;
      left -= t;
      if (this.along >= len - 1e-6) {
        this.leg = (this.leg + 1) % this.beat.length;
        this.along = 0;
        if (this.rng.chance(0.4)) this.pauseS = this.rng.float(10, 180);
      }
    }
    this.odometerKm += moved / 1000;
    const [ax, ay] = this.beat[this.leg]!;
    const [bx, by] = this.beat[(this.leg + 1) % this.beat.length]!;
    const f = this.along / Math.max(1e-9, Math.hypot(bx - ax, by - ay));
    const p = this.proj.toPoint(ax + (bx - ax) * f, ay + (by - ay) * f);
    return { lat: p.lat, lng: p.lng, speedKmh: round1(this.kmh), heading: bearing(ax, ay, bx, by), altitude: 25 + Math.round(this.rng.float(0, 8)), odometerKm: round1(this.odometerKm) };
  }
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

/**
 * A unit that answers a dispatch order: goes in a straight line to the place it was sent at
 * its response speed (a car 40 km/h, on foot 6 km/h), stays there `stayS`, and goes back to
 * where it left its round, which it then takes up again. Otherwise it is the mover it wraps
 * (which does not move meanwhile).
 */
export class Responder implements Mover {
  /** where it is going: the scene, then back */
  private legs: Point[] = [];
  private stayLeftS = 0;
  /** the last fix given (none before the first step: the wrapped mover's draws stay as they were) */
  private here: Fix | undefined;
  private odometerKm = 0;
  /** simulated seconds stepped so far */
  private elapsedS = 0;
  /** off its post once, at a set time (Fleet: the scenario's duty.strayShare) */
  private stray: { afterS: number; goal: Point; stayS: number } | undefined;

  constructor(
    private readonly inner: Mover,
    private readonly kmh: number,
    private readonly stayS = 600,
  ) {}

  /** Sent to `goal` (a dispatch text's place), staying there `stayS`. */
  sendTo(goal: Point, stayS = this.stayS): void {
    if (!this.here) return;
    const home = this.legs.length > 0 ? this.legs[this.legs.length - 1]! : { lat: this.here.lat, lng: this.here.lng };
    this.legs = [goal, home];
    this.stayLeftS = stayS;
  }

  /** Leaves for `goal` `afterS` simulated seconds from the start, stays `stayS`, comes back. */
  strayTo(goal: Point, afterS: number, stayS: number): void {
    this.stray = { afterS, goal, stayS };
  }

  /** going to a scene or back from one */
  get responding(): boolean {
    return this.legs.length > 0;
  }

  speed(seconds: number): void {
    this.inner.speed(seconds);
  }

  step(dtS: number): Fix {
    this.elapsedS += dtS;
    if (this.stray && this.here && this.elapsedS >= this.stray.afterS) {
      this.sendTo(this.stray.goal, this.stray.stayS);
      this.stray = undefined;
    }
    if (this.legs.length === 0 || !this.here) {
      this.here = this.inner.step(dtS);
      this.odometerKm = this.here.odometerKm;
      return this.here;
    }
    const goal = this.legs[0]!;
    const proj = projector(this.here);
    const [gx, gy] = proj.toXY(goal);
    const dist = Math.hypot(gx, gy);
    const travel = Math.min(dist, (this.kmh / 3.6) * dtS);
    const f = dist > 0 ? travel / dist : 0;
    const p = proj.toPoint(gx * f, gy * f);
    this.odometerKm += travel / 1000;
    this.here = { lat: p.lat, lng: p.lng, speedKmh: dtS > 0 ? round1((travel / dtS) * 3.6) : 0, heading: travel > 0 ? bearing(0, 0, gx, gy) : this.here.heading, altitude: this.here.altitude, odometerKm: round1(this.odometerKm) };
    if (travel >= dist) {
      // at the scene: stay; back home: the round again
      if (this.legs.length === 2 && this.stayLeftS > 0) this.stayLeftS -= dtS;
      else this.legs.shift();
    }
    return this.here;
  }
}

/** The place in a dispatch order's text (`... 30.58000,114.28000 ...`, README "Command and dispatch"). */
export function dispatchPlace(text: string): Point | undefined {
  const m = /(-?\d{1,2}\.\d{3,}),(-?\d{1,3}\.\d{3,})/.exec(text);
  if (!m) return undefined;
  const lat = Number(m[1]);
  const lng = Number(m[2]);
  return Math.abs(lat) <= 90 && Math.abs(lng) <= 180 ? { lat, lng } : undefined;
}
