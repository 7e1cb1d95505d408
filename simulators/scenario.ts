/**
 * A scenario: everything a simulated fleet does, with defaults for a Wuhan-sized rehearsal
 * (300 vehicles, 1,153 body cameras and handhelds). Files under config/scenarios/ (JSON or
 * YAML) override the defaults key by key; command-line options override the file.
 * Rates are per terminal per hour and become per-report probabilities.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { load as parseYaml } from 'js-yaml';

export interface Scenario {
  name: string;
  seed: number;
  target: { host: string; port: number; transport: 'tcp' | 'udp' };
  /**
   * Source addresses 127.0.0.1 .. 127.0.0.N, round robin, when the target is on loopback
   * (0 = let the system choose). The gateway caps connections per IP (jt808.maxPerIp, 500).
   */
  localAddresses: number;
  /** First address used, as the last octet (workers of the load runner take disjoint ranges). */
  firstLocalAddress: number;
  vehicles: number;
  /** Body cameras and handhelds (walkers); `handheldShare` of them are handhelds. */
  walkers: number;
  handheldShare: number;
  /** Share of terminals speaking JT/T 808-2019 (the rest 2013). */
  edition2019Share: number;
  /** Added to every phone number, so that several simulators can run side by side. */
  phoneOffset: number;
  /** Seconds between location reports (simulated time). */
  intervalS: number;
  heartbeatS: number;
  /**
   * Reports written together: every `burst` intervals a terminal sends its last `burst`
   * reports back to back in one write, as a terminal holding a few points does (1 = each on
   * its own, on time). The device clock of each report is unchanged.
   */
  burst: number;
  /** Simulated seconds per real second (60 = an hour of patrol in a minute). */
  speedup: number;
  /**
   * Simulated device clock: its time at tick 0, ISO-8601 (each report adds intervalS). null = the
   * wall clock when each report is due, at speedup 1; at another speedup, now + tick x intervalS.
   */
  startTime: string | null;
  /** Stop after this many reports per terminal (null = run until stopped / durationS). */
  ticks: number | null;
  /** Stop after this many real seconds (null = until stopped). */
  durationS: number | null;
  /** Real seconds over which terminals connect. */
  rampS: number;
  city: { lat: number; lng: number; radiusKm: number; blockM: number };
  alarms: { sosPerHour: number; sosS: number; speedingPerHour: number; speedingS: number; overspeedKmh: number };
  blindArea: { perHour: number; minS: number; maxS: number };
  photos: { perHour: number; minBytes: number; maxBytes: number };
  /**
   * Active safety (T/JSATL12 "Su-biao"): `share` of the vehicles carry ADAS/DSM units, each of which
   * raises an alarm with an identifier (0x0200 item 0x64 or 0x65) on average every `everySeconds`
   * simulated seconds and, told by 0x9208, uploads its two or three files (JPEG, MP4, a log) to the
   * attachment server; `dropRanges` is the probability that a 16 KiB range of a file is withheld on
   * the first send, so the platform asks for it again (0x9212). Off (share 0) unless asked for.
   */
  activeSafety: { share: number; everySeconds: number; dropRanges: number };
  reconnect: { minMs: number; maxMs: number };
  /**
   * Duty areas (0 squads: none). The fleet is split into `squads` squads (terminal i in squad
   * i mod squads), each with a duty area: a 12-sided polygon of radius `radiusM` around a post,
   * on duty every day `shift` ("HH:MM-HH:MM" in the gateway's web.timeZone). Its officers walk
   * their beats around the post and its vehicles drive the streets within the area. `strayShare`
   * of the units leave their area `strayAfterS` simulated seconds after the start, to a point
   * 1.6 radii from the post, stay out `strayS`, and come back: the off-post incident to see.
   */
  duty: { squads: number; radiusM: number; shift: string; strayShare: number; strayAfterS: number; strayS: number };
  /** Real milliseconds to wait for 0x8100 / 0x8001 during login. */
  replyTimeoutMs: number;
}

export const DEFAULT_SCENARIO: Scenario = {
  name: 'wuhan',
  seed: 1,
  target: { host: '127.0.0.1', port: 6808, transport: 'tcp' },
  localAddresses: 4,
  firstLocalAddress: 1,
  vehicles: 300,
  walkers: 1153,
  handheldShare: 0.2,
  edition2019Share: 0.3,
  phoneOffset: 0,
  intervalS: 10,
  heartbeatS: 60,
  burst: 1,
  speedup: 1,
  startTime: null,
  ticks: null,
  durationS: null,
  rampS: 10,
  city: { lat: 30.5928, lng: 114.3055, radiusKm: 10, blockM: 400 },
  alarms: { sosPerHour: 0.02, sosS: 120, speedingPerHour: 0.5, speedingS: 60, overspeedKmh: 70 },
  blindArea: { perHour: 0.2, minS: 60, maxS: 300 },
  photos: { perHour: 0.3, minBytes: 3000, maxBytes: 12000 },
  activeSafety: { share: 0, everySeconds: 600, dropRanges: 0 },
  reconnect: { minMs: 1000, maxMs: 60_000 },
  duty: { squads: 0, radiusM: 2000, shift: '00:00-24:00', strayShare: 0, strayAfterS: 600, strayS: 1800 },
  replyTimeoutMs: 10_000,
};

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };
export type ScenarioOverrides = DeepPartial<Scenario>;

/** Defaults <- each override in turn, key by key; an unknown key is an error (a typo must not pass). */
export function buildScenario(...overrides: ScenarioOverrides[]): Scenario {
  const out = structuredClone(DEFAULT_SCENARIO) as unknown as Record<string, unknown>;
  for (const o of overrides) mergeInto(out, o as Record<string, unknown>, '');
  const s = out as unknown as Scenario;
  check(s);
  return s;
}

function mergeInto(into: Record<string, unknown>, from: Record<string, unknown>, path: string): void {
  for (const [k, v] of Object.entries(from)) {
    if (v === undefined) continue;
    const where = path + k;
    if (!(k in into)) throw new Error(`scenario: unknown key "${where}"`);
    const cur = into[k];
    if (cur !== null && typeof cur === 'object' && !Array.isArray(cur)) {
      if (v === null || typeof v !== 'object') throw new Error(`scenario: "${where}" must be an object`);
      mergeInto(cur as Record<string, unknown>, v as Record<string, unknown>, `${where}.`);
    } else into[k] = v;
  }
}

function check(s: Scenario): void {
  const nonNegative = { vehicles: s.vehicles, walkers: s.walkers, localAddresses: s.localAddresses, phoneOffset: s.phoneOffset, rampS: s.rampS };
  for (const [k, v] of Object.entries(nonNegative)) if (!Number.isFinite(v) || v < 0) throw new Error(`scenario: ${k} must be a number >= 0 (got ${String(v)})`);
  for (const [k, v] of Object.entries({ intervalS: s.intervalS, heartbeatS: s.heartbeatS, speedup: s.speedup })) if (!(v > 0)) throw new Error(`scenario: ${k} must be > 0`);
  if (!Number.isInteger(s.burst) || s.burst < 1) throw new Error('scenario: burst must be an integer >= 1');
  if (!['tcp', 'udp'].includes(s.target.transport)) throw new Error('scenario: target.transport must be tcp or udp');
  if (s.localAddresses > 0 && s.firstLocalAddress + s.localAddresses - 1 > 254) throw new Error('scenario: source addresses run past 127.0.0.254');
  if (s.startTime !== null && Number.isNaN(Date.parse(s.startTime))) throw new Error('scenario: startTime is not an ISO-8601 time');
  if (s.edition2019Share < 0 || s.edition2019Share > 1 || s.handheldShare < 0 || s.handheldShare > 1 || s.duty.strayShare < 0 || s.duty.strayShare > 1) throw new Error('scenario: shares are between 0 and 1');
  const a = s.activeSafety;
  if (!(a.share >= 0 && a.share <= 1) || !(a.dropRanges >= 0 && a.dropRanges <= 1)) throw new Error('scenario: activeSafety.share and activeSafety.dropRanges are between 0 and 1');
  if (!(a.everySeconds > 0)) throw new Error('scenario: activeSafety.everySeconds must be > 0');
  if (!Number.isInteger(s.duty.squads) || s.duty.squads < 0) throw new Error('scenario: duty.squads must be an integer >= 0');
  if (!(s.duty.radiusM >= 200)) throw new Error('scenario: duty.radiusM must be >= 200');
  if (!/^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$/.test(s.duty.shift)) throw new Error('scenario: duty.shift must be "HH:MM-HH:MM" (end 24:00 for midnight)');
  if (!(s.duty.strayAfterS >= 0) || !(s.duty.strayS >= 0)) throw new Error('scenario: duty.strayAfterS and duty.strayS must be >= 0');
}

/** A scenario file, JSON or YAML by extension. */
export function readScenarioFile(path: string): ScenarioOverrides {
  const text = readFileSync(path, 'utf8');
  const data = ['.yaml', '.yml'].includes(extname(path)) ? parseYaml(text) : JSON.parse(text);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Error(`${path}: a scenario is an object`);
  return data as ScenarioOverrides;
}
