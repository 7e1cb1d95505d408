/**
 * The duty watch: for every location report of a device assigned to a duty area, inside or
 * outside each of its areas, judged at ingest by the area's H3 cover (area-cover.ts: no polygon
 * test for interior and outside cells). A change (entered, left) goes out as a `duty` event
 * through the gateway's queue (stream, MQTT, Kafka, InfluxDB). The first report after a start
 * (or after the device was assigned) sets the state without an event: there is no change to
 * tell. A report with no fix, or uploaded later from the blind-area store, says the device is
 * heard from but not where it is now.
 *
 * During a shift of its area (weekly, on the command centre's clock: web.timeZone), a device outside it for longer
 * than `offPostGraceMs` opens an `off-post` incident, and one not heard from (no location
 * report: a heartbeat tells the command centre nothing of where the officer is) for
 * `noSignalMs` opens `no-signal`, both through the incident writer as alarms do (off the ingest
 * path, coalesced while the database is away). Time outside or silent counts from the shift's
 * start at the earliest, and from when the watch took the device on (its start, or the device's
 * assignment) for a device not heard from since: one assigned a minute ago has been silent a minute. A sweep
 * every `checkMs` finds them, so a device that leaves and goes quiet is still seen. Each
 * episode raises once: off post again after coming back, or silent again after a report, is a
 * new one (joining the incident while it is not closed, as a repeated alarm does).
 *
 * The areas are read from the database at start, after each change through the API, and every
 * `refreshMs` when a cheap fingerprint says they changed (another gateway's API); only areas
 * whose updatedAt moved get a new cover. Building covers yields to the event loop every few
 * milliseconds, so a large import does not stall ingest.
 */
import type { AreaCoverage, DutyArea, DutyChange, DutyCoverageSource, DutyIncidentKind } from '../events/duty.js';
import { WeekClock, weekInterval } from '../events/duty-shifts.js';
import type { WeekInterval } from '../events/duty-shifts.js';
import type { GatewayEvent } from '../events/model.js';
import type { EventSink } from '../events/sink.js';
import { AreaCover, Verdict } from './area-cover.js';
import type { DutyFingerprint, WatchedArea, WatchedUnit } from './duty-areas.js';
import type { AlarmRaised } from './incidents.js';
import type { DutySettings } from './settings.js';

interface Log {
  warn(obj: object, msg: string): void;
}

/** where the watch reads the areas (store/duty-areas.ts) */
export interface DutySource {
  fingerprint(): Promise<DutyFingerprint>;
  watched(): Promise<WatchedArea[]>;
}

export interface DutyWatchHooks {
  /** entering and leaving, out through the gateway's queue */
  publish(events: GatewayEvent[]): void;
  /** an off-post or no-signal incident to open (IncidentWriter.raise: written off the ingest path) */
  raise(incident: AlarmRaised & { kind: DutyIncidentKind }): void;
  /**
   * With cluster workers, whether the terminal's session is on this worker: each worker hears
   * only its own terminals, so only those are judged off post or silent here (one that is
   * connected nowhere is then reported by none: a known gap). Absent: one process hears all.
   */
  here?: (terminal: string) => boolean;
}

/** an area as the watch holds it */
export interface HeldArea {
  area: DutyArea;
  cover: AreaCover;
  shifts: WeekInterval[];
  units: WatchedUnit[];
  /** at the last sweep: when the running shift started (ms), undefined off shift */
  shiftStart: number | undefined;
}

/** one device at one of its areas */
interface Post {
  held: HeldArea;
  /** undefined until its first report with a fix */
  inside: boolean | undefined;
  /** when it was first seen in its present state (gateway time, ms) */
  since: number;
  /** the shift (its start) an off-post incident was raised for in this time outside */
  raisedFor: number | undefined;
  /** the last report's H3 cell when the cell alone decided (interior, or not in the cover): the same cell again, the same answer */
  cell: string | null;
}

/** one watched device */
interface Unit {
  terminal: string;
  posts: Post[];
  /** its last location report, with or without a fix (gateway time, ms); undefined: none since the watch began */
  heardAt: number | undefined;
  /** the shift (its start) a no-signal incident was raised for in this silence */
  silentFor: number | undefined;
  /** when the watch took it on (its start, or the device's assignment): silence counts from here until it is heard */
  watchedSince: number;
  org: string;
  category: string;
  lat: number;
  lng: number;
}

/** counts since start, read by the metrics */
export interface DutyStats {
  /** reports judged by their cell alone: inside (interior cell), outside (no cell); by the exact test */
  interior: number;
  outside: number;
  exact: number;
  entered: number;
  left: number;
  /** incidents raised (opened, or joined while not closed) */
  offPost: number;
  noSignal: number;
}

/** where a unit of an area stands now */
export const POST_STATES = ['onPost', 'offPost', 'silent'] as const;
export type PostState = (typeof POST_STATES)[number];

export interface PostStatus {
  terminal: string;
  org: string;
  category: string;
  state: PostState;
  /** its last location report (ms), undefined: none since the watch began */
  heardAt: number | undefined;
  /** in this state (inside or outside) since (ms), undefined without a fix */
  since: number | undefined;
  lat: number | undefined;
  lng: number | undefined;
}

export interface AreaStatus {
  area: DutyArea;
  /** when the running shift started (ms), undefined off shift */
  shiftStart: number | undefined;
  units: PostStatus[];
}

/** work between two yields to the event loop while covers are built */
const SLICE_MS = 10;

export class DutyWatch implements EventSink, DutyCoverageSource {
  readonly name = 'duty';
  readonly stats: DutyStats = { interior: 0, outside: 0, exact: 0, entered: 0, left: 0, offPost: 0, noSignal: 0 };
  readonly clock: WeekClock;
  /** false: reports pass unjudged and nothing is swept (bench:duty's "checks off", side by side in one process) */
  checking = true;
  /**
   * Moves whenever a unit's post state may have changed (areas read, a first fix, entered, left,
   * heard again after silence, fallen silent at a sweep, moved to another org unit): the map's duty tiles are cached by it.
   */
  coverageVersion = 0;
  /** units silent at the last sweep: a change moves coverageVersion */
  private silentAtSweep = 0;
  private areas = new Map<string, HeldArea>();
  private units = new Map<string, Unit>();
  private fingerprint: DutyFingerprint | undefined;
  private loading: Promise<void> | undefined;
  private again = false;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly source: DutySource | undefined,
    readonly settings: DutySettings & {
      /** the command centre's zone (web.timeZone): shifts are on its clock */
      timeZone: string;
    },
    /** h3.resolution: the resolution of Position.h3 */
    private readonly positionRes: number,
    private readonly hooks: DutyWatchHooks,
    private readonly log: Log,
  ) {
    this.clock = new WeekClock(settings.timeZone);
    if (source) {
      this.timer = setInterval(() => void this.reload().catch(() => undefined), settings.refreshMs);
      this.timer.unref();
    }
    this.sweeper = setInterval(() => this.sweep(), settings.checkMs);
    this.sweeper.unref();
  }

  get areaCount(): number {
    return this.areas.size;
  }

  get unitCount(): number {
    return this.units.size;
  }

  area(id: string): HeldArea | undefined {
    return this.areas.get(id);
  }

  /** Reads the areas again when their fingerprint changed (coalesced: a call during a read runs once more after it). */
  reload(): Promise<void> {
    if (!this.source) return Promise.resolve();
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    const source = this.source;
    this.loading = (async () => {
      do {
        this.again = false;
        const fingerprint = await source.fingerprint();
        if (fingerprint === this.fingerprint) continue;
        await this.load(await source.watched());
        this.fingerprint = fingerprint;
      } while (this.again && !this.closed);
    })()
      .catch((err: unknown) => {
        this.log.warn({ err }, 'duty areas could not be read; the watch keeps the ones it has');
        throw err;
      })
      .finally(() => (this.loading = undefined));
    return this.loading;
  }

  /** The areas and who is on them, as given: covers built for areas new or changed, the units' state kept. */
  async load(watched: readonly WatchedArea[]): Promise<void> {
    const areas = new Map<string, HeldArea>();
    let slice = performance.now();
    for (const { area, units } of watched) {
      const had = this.areas.get(area.id);
      const same = had && had.area.updatedAt === area.updatedAt;
      const cover = same ? had.cover : new AreaCover(area.geometry, this.settings.h3Resolution, this.settings.maxCellsPerArea);
      const shifts = area.shifts.map(weekInterval);
      areas.set(area.id, { area, cover, shifts, units, shiftStart: this.clock.shiftStart(shifts, Date.now()) });
      if (performance.now() - slice > SLICE_MS) {
        await new Promise((r) => setImmediate(r));
        slice = performance.now();
      }
    }
    const units = new Map<string, Unit>();
    for (const held of areas.values()) {
      for (const { terminal, org, category } of held.units) {
        let unit = units.get(terminal);
        if (!unit) {
          const before = this.units.get(terminal);
          unit = before ? { ...before, posts: [] } : { terminal, posts: [], heardAt: undefined, silentFor: undefined, watchedSince: Date.now(), org, category, lat: Number.NaN, lng: Number.NaN };
          units.set(terminal, unit);
        }
        const was = this.units.get(terminal)?.posts.find((p) => p.held.area.id === held.area.id);
        unit.posts.push(was ? { ...was, held, cell: was.held === held ? was.cell : null } : { held, inside: undefined, since: 0, raisedFor: undefined, cell: null });
      }
    }
    this.areas = areas;
    this.units = units;
    this.coverageVersion++;
  }

  async publish(events: readonly GatewayEvent[]): Promise<void> {
    if (this.units.size === 0 || !this.checking) return;
    let out: GatewayEvent[] | undefined;
    const stats = this.stats;
    // the gateway's clock as the batch reaches the watch (a few ms after receivedAt): parsing each report's time would cost more than judging it
    const at = Date.now();
    for (const e of events) {
      if (e.kind !== 'position') continue;
      const p = e.position;
      const unit = this.units.get(p.terminal);
      if (unit === undefined) continue;
      // heard again after silence: the area's counts changed
      if (unit.heardAt === undefined || at - unit.heardAt >= this.settings.noSignalMs) this.coverageVersion++;
      unit.heardAt = at;
      unit.silentFor = undefined;
      // moved to another org unit: counted in another scope
      if (unit.org !== p.org) this.coverageVersion++;
      unit.org = p.org;
      unit.category = p.category;
      if (!p.valid || p.backfill) continue;
      unit.lat = p.lat;
      unit.lng = p.lng;
      for (const post of unit.posts) {
        let inside: boolean;
        if (p.h3 !== null && p.h3 === post.cell) {
          // still in the cell that decided last time (an officer on foot stays in one for minutes)
          inside = post.inside!;
          if (inside) stats.interior++;
          else stats.outside++;
        } else {
          const v = post.held.cover.judge(p.lat, p.lng, p.h3, this.positionRes);
          if (v === Verdict.interior) stats.interior++;
          else if (v === Verdict.outside) stats.outside++;
          else stats.exact++;
          inside = v === Verdict.interior || v === Verdict.boundaryIn;
          post.cell = v === Verdict.interior || v === Verdict.outside ? p.h3 : null;
        }
        if (inside === post.inside) continue;
        const first = post.inside === undefined;
        this.coverageVersion++;
        post.inside = inside;
        post.since = at;
        post.raisedFor = undefined;
        if (first) continue;
        if (inside) stats.entered++;
        else stats.left++;
        (out ??= []).push({ kind: 'duty', duty: this.change(unit, post, inside ? 'entered' : 'left', p.receivedAt, at) });
      }
    }
    if (out) this.hooks.publish(out);
  }

  /**
   * Devices off post or silent past their limits during a shift (every `checkMs`; `now` for
   * tests). Returns what it raised.
   */
  sweep(now = Date.now()): number {
    if (this.units.size === 0 || !this.checking) return 0;
    const { offPostGraceMs, noSignalMs } = this.settings;
    for (const held of this.areas.values()) held.shiftStart = this.clock.shiftStart(held.shifts, now);
    let raised = 0;
    let silent = 0;
    const here = this.hooks.here;
    for (const unit of this.units.values()) {
      if (unit.heardAt === undefined || now - unit.heardAt >= noSignalMs) silent++;
      if (here && !here(unit.terminal)) continue;
      // the earliest running shift among its areas: silence counts from there
      let onShiftSince: number | undefined;
      for (const post of unit.posts) {
        const started = post.held.shiftStart;
        if (started === undefined) continue;
        if (onShiftSince === undefined || started < onShiftSince) onShiftSince = started;
        if (post.inside !== false || post.raisedFor === started) continue;
        if (now - Math.max(post.since, started) < offPostGraceMs) continue;
        post.raisedFor = started;
        this.stats.offPost++;
        raised++;
        this.hooks.raise({ terminal: unit.terminal, kind: 'off-post', org: unit.org, location: Number.isNaN(unit.lat) ? null : { lat: unit.lat, lng: unit.lng }, at: new Date(now) });
      }
      if (onShiftSince === undefined || unit.silentFor === onShiftSince) continue;
      if (now - Math.max(unit.heardAt ?? unit.watchedSince, onShiftSince) < noSignalMs) continue;
      unit.silentFor = onShiftSince;
      this.stats.noSignal++;
      raised++;
      this.hooks.raise({ terminal: unit.terminal, kind: 'no-signal', org: unit.org, location: Number.isNaN(unit.lat) ? null : { lat: unit.lat, lng: unit.lng }, at: new Date(now) });
    }
    if (silent !== this.silentAtSweep) {
      this.silentAtSweep = silent;
      this.coverageVersion++;
    }
    return raised;
  }

  /**
   * Every area with the count of its units on post, off post and silent now, as status() judges
   * them; `units` narrows the units counted to the caller's scope (by the device's org unit now),
   * as status() shows them.
   */
  coverage(now = Date.now(), units: (org: string) => boolean = () => true): AreaCoverage[] {
    const out: AreaCoverage[] = [];
    const counts = new Map<HeldArea, AreaCoverage>();
    for (const held of this.areas.values()) {
      const c: AreaCoverage = { area: held.area, assigned: 0, onPost: 0, offPost: 0, silent: 0, onShift: this.clock.shiftStart(held.shifts, now) !== undefined };
      counts.set(held, c);
      out.push(c);
    }
    for (const unit of this.units.values()) {
      if (!units(unit.org)) continue;
      for (const post of unit.posts) {
        const c = counts.get(post.held);
        if (!c) continue;
        c.assigned++;
        c[this.stateOf(unit, post, now)]++;
      }
    }
    return out;
  }

  /**
   * Who of an area's units is on post (heard from within noSignalMs, last fix inside), off post
   * (last fix outside) or silent (not heard from within noSignalMs, or with no fix since the
   * watch began), now.
   */
  status(id: string, now = Date.now()): AreaStatus | undefined {
    const held = this.areas.get(id);
    if (!held) return undefined;
    const units: PostStatus[] = [];
    for (const { terminal } of held.units) {
      const unit = this.units.get(terminal);
      const post = unit?.posts.find((p) => p.held === held);
      if (!unit || !post) continue;
      const state = this.stateOf(unit, post, now);
      const fixed = !Number.isNaN(unit.lat);
      units.push({ terminal, org: unit.org, category: unit.category, state, heardAt: unit.heardAt, since: post.inside === undefined ? undefined : post.since, lat: fixed ? unit.lat : undefined, lng: fixed ? unit.lng : undefined });
    }
    return { area: held.area, shiftStart: this.clock.shiftStart(held.shifts, now), units };
  }

  /** where a unit stands at one of its areas now: status() lists it so, coverage() counts it so */
  private stateOf(unit: Unit, post: Post, now: number): PostState {
    const heard = unit.heardAt !== undefined && now - unit.heardAt < this.settings.noSignalMs;
    return !heard || post.inside === undefined ? 'silent' : post.inside ? 'onPost' : 'offPost';
  }

  private change(unit: Unit, post: Post, change: DutyChange['change'], receivedAt: string, at: number): DutyChange {
    const a = post.held.area;
    return { terminal: unit.terminal, category: unit.category, org: unit.org, area: a.id, areaOrg: a.org, change, onShift: this.clock.shiftStart(post.held.shifts, at) !== undefined, at: receivedAt, lat: unit.lat, lng: unit.lng };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    clearInterval(this.sweeper);
    await this.loading?.catch(() => undefined);
  }
}
