/**
 * What a terminal does at each report ("tick"), decided from its seeded behaviour stream:
 * where it is, which alarms are on, whether a blind-area episode starts, whether it takes a
 * photo, whether its active-safety units raise an alarm (active-safety.ts). No sockets and no timers: the same seed gives the same ticks, however fast the
 * gateway answers.
 *
 * The device clock: with no `startTime` and real time (`speedup` 1) it is the wall clock when the
 * report was due (the terminal's own GNSS time), so a fix is as fresh as it is on a real road; a
 * scenario that sets `startTime` or another `speedup` asks for simulated time instead, its start
 * plus tick x interval, so that a seed replays byte-identical frames.
 */
import type { ActiveSafety } from './active-safety.js';
import type { Fix, Mover } from './movers.js';
import type { Rng } from './rng.js';
import type { Scenario } from './scenario.js';
import type { Kind } from './spec.js';

const ALARM_SOS = 1 << 0;
const ALARM_OVERSPEED = 1 << 1;
const STATUS_ACC = 1 << 0;
const STATUS_FIX = 1 << 1;

/** The terminal parameter holding the overspeed threshold (JT/T 808 table 12, km/h). */
export const PARAM_OVERSPEED_KMH = 0x0055;

/** One live report: the 0x0200 body, and what goes with it. */
export interface Report {
  body: object;
  heartbeat: boolean;
  photo: boolean;
  /** 0x0800 event code of a photo taken with it: 1 timed, 2 SOS. */
  event: number;
}

export interface Tick extends Report {
  /** Length in ticks of a blind-area episode that begins after this tick's report, or 0 if none starts. */
  blindTicks: number;
}

export class Behaviour {
  tick = 0;
  private sosTicks = 0;
  private last: Fix;
  private lastBody: object | undefined;
  private readonly startMs: number;
  /** Device time = the wall clock at each report (no startTime, speedup 1). */
  private readonly wallClock: boolean;
  private dueMs: number;
  private readonly hbTicks: number;
  private readonly p: { sos: number; speeding: number; blind: number; photo: number };

  constructor(
    private readonly kind: Kind,
    private readonly scenario: Scenario,
    private readonly mover: Mover,
    /** Consumed per tick only, always in the same order, so that a seed replays the ticks. */
    private readonly rng: Rng,
    /** The terminal's parameters as the platform last set them (read for the overspeed threshold). */
    private readonly params: ReadonlyMap<number, number | string>,
    /** A vehicle's ADAS/DSM units: their alarms ride on the tick's report (their own stream). */
    private readonly safety?: ActiveSafety,
  ) {
    const s = scenario;
    this.startMs = s.startTime ? Date.parse(s.startTime) : Math.floor(Date.now() / 1000) * 1000;
    this.wallClock = s.startTime === null && s.speedup === 1;
    this.dueMs = Date.now();
    this.hbTicks = Math.max(1, Math.round(s.heartbeatS / s.intervalS));
    const perTick = (perHour: number) => Math.min(1, (perHour * s.intervalS) / 3600);
    this.p = { sos: perTick(s.alarms.sosPerHour), speeding: kind === 'vehicle' ? perTick(s.alarms.speedingPerHour) : 0, blind: perTick(s.blindArea.perHour), photo: kind === 'vehicle' ? 0 : perTick(s.photos.perHour) };
    this.last = mover.step(0);
  }

  /** Moves one interval on and draws this tick's decisions; `dueMs` is when the report was due on the wall clock. */
  next(dueMs = Date.now()): Tick {
    const s = this.scenario;
    this.tick++;
    this.dueMs = dueMs;
    this.last = this.mover.step(s.intervalS);
    // decisions, always drawn in this order so a seed replays them
    const r = this.rng;
    const startSos = r.chance(this.p.sos);
    const startSpeeding = r.chance(this.p.speeding);
    const startBlind = r.chance(this.p.blind);
    const takePhoto = r.chance(this.p.photo);
    const blindTicks = Math.max(1, Math.round(r.float(s.blindArea.minS, s.blindArea.maxS) / s.intervalS));

    if (startSos && this.sosTicks === 0) this.sosTicks = Math.max(1, Math.round(s.alarms.sosS / s.intervalS));
    if (startSpeeding) this.mover.speed(s.alarms.speedingS);
    const fix = this.locationBody(this.last);
    // current() keeps the plain report: an answer to 0x8201 must not raise the alarm again
    const body = this.safety ? this.safety.report(fix as Parameters<ActiveSafety['report']>[0]) : fix;
    if (this.sosTicks > 0) this.sosTicks--;
    return { body, heartbeat: this.tick % this.hbTicks === 0, photo: takePhoto, event: this.sosTicks > 0 ? 2 : 1, blindTicks: startBlind ? blindTicks : 0 };
  }

  /** The latest position body (for 0x8201/0x8500 answers and commanded photos). */
  current(): object {
    return this.lastBody ?? this.locationBody(this.last);
  }

  /** Whether `ticks` reports have been made (the scenario's end, when it has one). */
  done(): boolean {
    const ticks = this.scenario.ticks;
    return ticks !== null && this.tick >= ticks;
  }

  private locationBody(fix: Fix): object {
    let alarm = 0;
    const overspeedKmh = Number(this.params.get(PARAM_OVERSPEED_KMH));
    if (this.sosTicks > 0) alarm |= ALARM_SOS;
    if (fix.speedKmh > overspeedKmh) alarm |= ALARM_OVERSPEED;
    const extras: Record<string, unknown> = { mileageKm: fix.odometerKm, rssi: 20 + (this.tick % 11), satellites: 9 + (this.tick % 5) };
    if (alarm & ALARM_OVERSPEED) extras.overspeed = { locationType: 0 };
    const body = {
      alarm,
      status: (this.kind === 'vehicle' ? STATUS_ACC : 0) | STATUS_FIX,
      lat: Math.round(fix.lat * 1e6) / 1e6,
      lng: Math.round(fix.lng * 1e6) / 1e6,
      altitude: fix.altitude,
      speed: fix.speedKmh,
      heading: fix.heading,
      time: new Date(this.wallClock ? Math.floor(this.dueMs / 1000) * 1000 : this.startMs + Math.round(this.tick * this.scenario.intervalS) * 1000).toISOString(),
      alarms: [],
      flags: [],
      extras,
    };
    this.lastBody = body;
    return body;
  }
}
