/**
 * A simulated terminal's parts without sockets: what each tick sends (behaviour.ts), the
 * report clock (scheduler.ts) and the reconnect delays (backoff.ts). Expected values are
 * worked out from the scenario by hand.
 */
import t from 'tap';
import { Backoff } from '../../simulators/backoff.js';
import { Behaviour, PARAM_OVERSPEED_KMH } from '../../simulators/behaviour.js';
import type { Tick } from '../../simulators/behaviour.js';
import { generateCity } from '../../simulators/city.js';
import { Vehicle, Walker } from '../../simulators/movers.js';
import { Rng } from '../../simulators/rng.js';
import { buildScenario } from '../../simulators/scenario.js';
import type { ScenarioOverrides } from '../../simulators/scenario.js';
import { ReportClock } from '../../simulators/scheduler.js';
import { until } from '../gateway/helpers/http.js';

const city = generateCity(new Rng(9).fork('city'));

type Body = { alarm: number; time: string; extras: Record<string, unknown> };

function behaviour(kind: 'vehicle' | 'bodycam', over: ScenarioOverrides, overspeedKmh = 1000, seed = 1) {
  const scenario = buildScenario({ startTime: '2026-01-15T08:00:00.000Z', intervalS: 5, heartbeatS: 20 }, over);
  const mover = kind === 'vehicle' ? new Vehicle(city, new Rng(seed).fork('move')) : new Walker(city, new Rng(seed).fork('move'));
  const params = new Map<number, number | string>([[PARAM_OVERSPEED_KMH, overspeedKmh]]);
  return { b: new Behaviour(kind, scenario, mover, new Rng(seed).fork('behave'), params), params };
}

function run(b: Behaviour, n: number): Tick[] {
  return Array.from({ length: n }, () => b.next());
}

t.test('behaviour: device time is start + tick x interval; a heartbeat every heartbeatS/intervalS ticks', async (t) => {
  const { b } = behaviour('vehicle', { ticks: 8 });
  t.equal((b.current() as Body).time, '2026-01-15T08:00:00.000Z', 'before the first tick: the start');
  const ticks = run(b, 8);
  // interval 5 s: tick k at 08:00:(5k)
  t.same(
    ticks.map((x) => (x.body as Body).time),
    ['05', '10', '15', '20', '25', '30', '35', '40'].map((s) => `2026-01-15T08:00:${s}.000Z`),
  );
  // heartbeat 20 s / interval 5 s = every 4th tick
  t.same(
    ticks.map((x) => x.heartbeat),
    [false, false, false, true, false, false, false, true],
  );
  t.equal(b.current(), ticks[7]!.body, 'current() is the latest report');
  t.equal(b.done(), true, 'ticks: 8 reached');
});

t.test('behaviour: alarm bits, blind-area episodes and photos follow the scenario', async (t) => {
  // 720 an hour at 5 s a tick = probability 1 a tick
  const sure = { alarms: { sosPerHour: 720, sosS: 15 }, blindArea: { perHour: 720, minS: 10, maxS: 10 }, photos: { perHour: 720 } };
  const vehicle = run(behaviour('vehicle', sure, -1).b, 6);
  for (const x of vehicle) {
    const body = x.body as Body;
    t.equal(body.alarm, 0b11, 'SOS (bit 0) and overspeed (bit 1): any speed is over -1 km/h');
    t.same(body.extras.overspeed, { locationType: 0 }, 'overspeed item 0x11, no area');
    t.equal(x.blindTicks, 2, 'a 10 s episode at 5 s a tick is 2 ticks');
    t.equal(x.photo, false, 'vehicles take no timed photos');
  }
  const never = { alarms: { sosPerHour: 0, speedingPerHour: 0 }, blindArea: { perHour: 0 }, photos: { perHour: 720 } };
  const walker = run(behaviour('bodycam', never).b, 6);
  for (const x of walker) {
    t.equal((x.body as Body).alarm, 0, 'no SOS, and walking is under 1000 km/h');
    t.equal((x.body as Body).extras.overspeed, undefined);
    t.equal(x.blindTicks, 0);
    t.equal(x.photo, true, 'a body camera takes its photos');
    t.equal(x.event, 1, 'a timed photo without SOS: event 1');
  }
});

t.test('behaviour: the same seed replays the same ticks; a parameter changes the bits, never the draws', async (t) => {
  const over = { alarms: { sosPerHour: 200, speedingPerHour: 300 }, blindArea: { perHour: 100, minS: 10, maxS: 60 } };
  const a = run(behaviour('vehicle', over, 50, 7).b, 40);
  const b = run(behaviour('vehicle', over, 50, 7).b, 40);
  t.same(b, a);
  const other = behaviour('vehicle', over, 50, 7);
  const first = run(other.b, 20);
  other.params.set(PARAM_OVERSPEED_KMH, 1000); // as a 0x8103 would
  const rest = run(other.b, 20);
  t.same(first, a.slice(0, 20));
  t.same(
    rest.map((x) => [(x.body as Body).time, x.blindTicks, x.photo]),
    a.slice(20).map((x) => [(x.body as Body).time, x.blindTicks, x.photo]),
  );
  for (const x of rest) t.equal((x.body as Body).alarm & 0b10, 0, 'no overspeed under a 1000 km/h threshold');
  t.not(run(behaviour('vehicle', over, 50, 8).b, 40).map((x) => (x.body as Body).extras.mileageKm).join(), a.map((x) => (x.body as Body).extras.mileageKm).join(), 'another seed drives elsewhere');
});

t.test('backoff: each wait is [0.5, 1) of a step that doubles to the cap; a login resets it', async (t) => {
  const backoff = new Backoff(100, 1000, new Rng(3));
  const steps = [100, 200, 400, 800, 1000, 1000];
  for (const step of steps) {
    const wait = backoff.next();
    t.ok(wait >= step / 2 && wait < step, `${wait.toFixed(1)} ms in [${step / 2}, ${step})`);
  }
  backoff.reset();
  const wait = backoff.next();
  t.ok(wait >= 50 && wait < 100, `after a reset: ${wait.toFixed(1)} ms in [50, 100)`);
  const waits = (seed: number) => {
    const b = new Backoff(100, 1000, new Rng(seed));
    return Array.from({ length: 6 }, () => b.next());
  };
  t.same(waits(3), waits(3), 'the same network stream, the same waits');
  t.notSame(waits(4), waits(3));
});

/** Collects ticks in the groups they ran in: a group is what one timer callback ran. */
function grouped() {
  const groups: number[][] = [];
  let open: number[] | undefined;
  let n = 0;
  return {
    groups,
    get count() {
      return n;
    },
    tick() {
      if (!open) {
        open = [];
        groups.push(open);
        queueMicrotask(() => (open = undefined));
      }
      open.push(n++);
    },
  };
}

t.test('report clock: parks while busy, runs bursts once resumed, stops mid-burst', async (t) => {
  const seen = grouped();
  let busy = true;
  let busyChecks = 0;
  let stopped: () => void = () => {};
  const stoppedNow = new Promise<void>((r) => (stopped = r));
  const clock = new ReportClock(1, 3, {
    busy: () => (busyChecks++, busy),
    tick: () => {
      seen.tick();
      if (seen.count === 8) {
        clock.stop();
        stopped();
      }
    },
  });
  t.teardown(() => clock.stop());
  let firstCalls = 0;
  clock.start(0, () => firstCalls++);
  await until('the clock to find the terminal busy', () => busyChecks > 0);
  t.equal(firstCalls, 1, 'start runs its first step once');
  t.equal(seen.count, 0, 'no tick while a login is under way');
  busy = false;
  clock.resume();
  await stoppedNow;
  // ticks 0-2 and 3-5 in bursts of three; the third burst stopped after its second tick (6, 7)
  t.same(seen.groups, [
    [0, 1, 2],
    [3, 4, 5],
    [6, 7],
  ]);
  clock.resume(); // not parked: does nothing, and a stopped clock stays stopped
  t.equal(seen.count, 8);
});
