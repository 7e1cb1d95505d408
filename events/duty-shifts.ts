/**
 * Weekly shifts on the command centre's clock: each shift as an interval of minutes from Monday
 * 00:00 local (a night shift runs past midnight, Sunday's past the week's end into Monday), and
 * an instant's place in that week in an IANA zone. The zone's offset is taken at the instant,
 * so a shift follows the local clock; on a daylight-saving change day the shift's start, as
 * an instant, is off by the change (China keeps no daylight saving).
 */
import { WEEKDAYS } from './duty.js';
import type { Shift } from './duty.js';

export const MINUTES_A_DAY = 1440;
export const MINUTES_A_WEEK = 7 * MINUTES_A_DAY;

/** minutes from Monday 00:00 local; `end` after `start`, at most a day later, possibly past the week's end */
export interface WeekInterval {
  start: number;
  end: number;
}

export const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
export const hhmmOf = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** The shift as a week interval: an end at or before the start is the next day's (equal: 24 hours). */
export function weekInterval(s: Shift): WeekInterval {
  const start = WEEKDAYS.indexOf(s.day) * MINUTES_A_DAY + minutesOf(s.start);
  const startMin = minutesOf(s.start);
  const endMin = minutesOf(s.end);
  return { start, end: start + (endMin > startMin ? endMin - startMin : endMin + MINUTES_A_DAY - startMin) };
}

const WEEKDAY_OF: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

/** An instant's minute of the local week in a zone (fractional: seconds count). */
export class WeekClock {
  private readonly format: Intl.DateTimeFormat;
  /** the last whole UTC minute asked for and its local week minute: a sweep asks about one instant many times */
  private cachedUtcMinute = Number.NaN;
  private cachedLocal = 0;

  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  }

  /** minutes from Monday 00:00 local, with the fraction of the minute */
  weekMinute(at: number): number {
    const utcMinute = Math.floor(at / 60_000);
    if (utcMinute !== this.cachedUtcMinute) {
      let day = 0;
      let hour = 0;
      let minute = 0;
      for (const part of this.format.formatToParts(new Date(utcMinute * 60_000))) {
        if (part.type === 'weekday') day = WEEKDAY_OF[part.value] ?? 0;
        else if (part.type === 'hour') hour = Number(part.value);
        else if (part.type === 'minute') minute = Number(part.value);
      }
      this.cachedUtcMinute = utcMinute;
      this.cachedLocal = day * MINUTES_A_DAY + hour * 60 + minute;
    }
    return this.cachedLocal + (at - utcMinute * 60_000) / 60_000;
  }

  /** When the shift running at `at` started (ms), or undefined when none of them runs. */
  shiftStart(intervals: readonly WeekInterval[], at: number): number | undefined {
    if (intervals.length === 0) return undefined;
    const m = this.weekMinute(at);
    let best: number | undefined;
    for (const { start, end } of intervals) {
      // this week's occurrence, or last week's running past the week's end
      const into = m >= start && m < end ? m - start : m + MINUTES_A_WEEK >= start && m + MINUTES_A_WEEK < end ? m + MINUTES_A_WEEK - start : -1;
      if (into < 0) continue;
      const began = at - into * 60_000;
      // overlapping shifts: the earliest start (the post has been manned since then)
      if (best === undefined || began < best) best = began;
    }
    return best === undefined ? undefined : Math.round(best);
  }
}
