/**
 * Weekly shifts on the command centre's clock. The instants are worked out by hand: Wuhan is
 * UTC+8 all year, and 6 December 2026 is a Sunday (1 January 2026 is a Thursday; 6 December is
 * day 340, 339 days later: 48 weeks and 3 days, so Thursday + 3).
 */
import t from 'tap';
import { WeekClock, weekInterval } from '../../events/duty-shifts.js';
import type { Shift } from '../../events/duty.js';

const utc = (s: string) => Date.parse(s);
const clock = new WeekClock('Asia/Shanghai');

t.test('an instant in the local week', async (t) => {
  t.equal(clock.weekMinute(utc('2026-12-06T15:30:00Z')), 6 * 1440 + 23 * 60 + 30, 'Sunday 23:30 in Wuhan');
  t.equal(clock.weekMinute(utc('2026-12-06T16:00:30Z')), 30 / 60, 'Monday 00:00:30: the week starts again');
  t.equal(clock.weekMinute(utc('2026-12-01T00:00:00Z')), 1 * 1440 + 8 * 60, 'Tuesday 08:00');
});

t.test('shifts as week intervals: night shifts run into the next day, Sunday night into Monday', async (t) => {
  const shift = (day: Shift['day'], start: string, end: string): Shift => ({ day, start, end });
  t.same(weekInterval(shift('mon', '08:00', '16:00')), { start: 480, end: 960 });
  t.same(weekInterval(shift('mon', '22:00', '06:00')), { start: 1320, end: 1320 + 480 });
  t.same(weekInterval(shift('tue', '08:00', '08:00')), { start: 1440 + 480, end: 1440 + 480 + 1440 }, 'equal: 24 hours');
  t.same(weekInterval(shift('wed', '00:00', '24:00')), { start: 2880, end: 4320 });
  t.same(weekInterval(shift('sun', '22:00', '06:00')), { start: 6 * 1440 + 1320, end: 6 * 1440 + 1320 + 480 }, 'past the week: 10,080 + 360');
});

t.test("the running shift's start", async (t) => {
  const night = [weekInterval({ day: 'sun', start: '22:00', end: '06:00' })];
  t.equal(clock.shiftStart(night, utc('2026-12-06T15:30:00Z')), utc('2026-12-06T14:00:00Z'), 'Sunday 23:30: since Sunday 22:00');
  t.equal(clock.shiftStart(night, utc('2026-12-06T21:59:00Z')), utc('2026-12-06T14:00:00Z'), 'Monday 05:59: still the Sunday night shift');
  t.equal(clock.shiftStart(night, utc('2026-12-06T22:00:00Z')), undefined, 'Monday 06:00: over');
  t.equal(clock.shiftStart(night, utc('2026-12-06T13:59:59Z')), undefined, 'Sunday 21:59:59: not yet');
  const day = [weekInterval({ day: 'tue', start: '08:00', end: '16:00' }), weekInterval({ day: 'tue', start: '12:00', end: '20:00' })];
  t.equal(clock.shiftStart(day, utc('2026-12-01T05:00:00Z')), utc('2026-12-01T00:00:00Z'), 'Tuesday 13:00, two shifts overlapping: since the earlier began');
  t.equal(clock.shiftStart(day, utc('2026-12-01T10:00:00Z')), utc('2026-12-01T04:00:00Z'), 'Tuesday 18:00: the later one only');
  t.equal(clock.shiftStart([], utc('2026-12-01T05:00:00Z')), undefined, 'no shifts: never on shift');
});
