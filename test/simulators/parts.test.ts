/**
 * The simulator's pieces on their own: seeded streams, the latency histogram, the load plan
 * (sockets per process, connections per source address), scenario files, and movement at
 * believable speeds inside the city.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { generateCity, projector, WUHAN } from '../../simulators/city.js';
import { fleetSpecs } from '../../simulators/fleet.js';
import { Histogram } from '../../simulators/histogram.js';
import { planLoad } from '../../simulators/load-plan.js';
import { Vehicle, Walker } from '../../simulators/movers.js';
import { Rng } from '../../simulators/rng.js';
import { buildScenario, readScenarioFile } from '../../simulators/scenario.js';

t.test('Rng: same seed and labels, same numbers; forks are independent of their use', async (t) => {
  const a = new Rng(42);
  const b = new Rng(42);
  t.same(Array.from({ length: 5 }, () => a.u32()), Array.from({ length: 5 }, () => b.u32()));
  t.not(new Rng(42).u32(), new Rng(43).u32());
  const root = new Rng(7);
  const before = root.fork('move', 3).u32();
  root.u32(); // using the parent does not move its forks
  t.equal(root.fork('move', 3).u32(), before);
  t.not(root.fork('move', 4).u32(), before);
  const r = new Rng(1);
  for (let i = 0; i < 1000; i++) {
    const v = r.int(3, 5);
    if (v < 3 || v > 5) t.fail(`int out of range: ${v}`);
  }
});

t.test('Histogram percentiles stay within 1/64 of the sorted sample', async (t) => {
  const rng = new Rng(5);
  const h = new Histogram();
  const values: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const v = Math.round(Math.exp(rng.float(0, 12))); // 1 us .. 160 ms, log-spread
    values.push(v);
    h.record(v);
  }
  values.sort((x, y) => x - y);
  for (const q of [0.5, 0.95, 0.99]) {
    const exact = values[Math.ceil(q * values.length) - 1]!;
    const got = h.percentile(q);
    t.ok(got <= exact && got >= exact * (1 - 1 / 64) - 1, `p${q * 100}: ${got} vs ${exact}`);
  }
  const other = new Histogram();
  other.merge(h.toJSON());
  t.equal(other.percentile(0.99), h.percentile(0.99), 'merged histograms agree');
  t.equal(other.count, 5000);
});

t.test('load plan: under 20,000 files per worker, under maxPerIp per source address', async (t) => {
  const plan = planLoad({ connections: 50_000, perWorker: 19_000, perAddress: 500, minWorkers: 1, loopback: true });
  t.equal(plan.length, 3);
  t.equal(plan.reduce((a, s) => a + s.count, 0), 50_000);
  const used = new Set<number>();
  for (const s of plan) {
    t.ok(s.count <= 19_000);
    t.ok(s.count / s.addresses <= 500, `worker ${s.worker}: ${s.count} over ${s.addresses} addresses`);
    for (let a = s.firstAddress; a < s.firstAddress + s.addresses; a++) {
      t.notOk(used.has(a), `127.0.0.${a} used by one worker only`);
      used.add(a);
    }
  }
  t.ok(Math.max(...used) <= 254);
  t.same(planLoad({ connections: 10, perWorker: 19_000, perAddress: 500, minWorkers: 2, loopback: false }).map((s) => [s.count, s.addresses]), [[5, 0], [5, 0]]);
  t.throws(() => planLoad({ connections: 200_000, perWorker: 19_000, perAddress: 500, minWorkers: 1, loopback: true }), /127\.0\.0/);
});

t.test('scenario files under config/scenarios all load; unknown keys are refused', async (t) => {
  const dir = 'config/scenarios';
  const files = readdirSync(dir);
  t.ok(files.some((f) => f.endsWith('.yaml')) && files.some((f) => f.endsWith('.json')));
  for (const f of files) {
    const s = buildScenario(readScenarioFile(join(dir, f)));
    t.ok(s.vehicles + s.walkers > 0, `${f}: ${s.name}`);
  }
  t.equal(buildScenario().vehicles, 300);
  t.equal(buildScenario().walkers, 1153);
  t.throws(() => buildScenario({ vehicels: 3 } as never), /unknown key "vehicels"/);
  t.throws(() => buildScenario({ alarms: { sosPerHoure: 1 } } as never), /alarms\.sosPerHoure/);
  t.throws(() => buildScenario({ target: { transport: 'sctp' } } as never), /tcp or udp/);
  t.throws(() => buildScenario({ burst: 0 }), /burst must be an integer >= 1/);
  t.throws(() => buildScenario({ burst: 2.5 }), /burst must be an integer >= 1/);
});

t.test('fleet specs: defaults make 300 vehicles and 1,153 walkers with both editions and distinct phones', async (t) => {
  const specs = fleetSpecs(buildScenario({ seed: 3 }));
  t.equal(specs.filter((s) => s.kind === 'vehicle').length, 300);
  t.equal(specs.filter((s) => s.kind !== 'vehicle').length, 1153);
  t.ok(specs.some((s) => s.kind === 'handheld') && specs.some((s) => s.kind === 'bodycam'));
  const editions = new Set(specs.map((s) => s.edition));
  t.same([...editions].sort(), ['2013', '2019']);
  t.equal(new Set(specs.map((s) => s.phone)).size, specs.length);
  t.same(fleetSpecs(buildScenario({ seed: 3 })), specs, 'same seed, same fleet');
});

t.test('movers: vehicles drive at road speeds inside the city, walkers walk', async (t) => {
  const city = generateCity(new Rng(9).fork('city'));
  const proj = projector(WUHAN);
  let moving = 0;
  for (let i = 0; i < 20; i++) {
    const v = new Vehicle(city, new Rng(i));
    const w = new Walker(city, new Rng(100 + i));
    if (i === 0) v.speed(600);
    for (let k = 0; k < 100; k++) {
      const f = v.step(10);
      const [x, y] = proj.toXY(f);
      if (Math.hypot(x, y) > 10_600) t.fail(`vehicle left the city: ${Math.hypot(x, y)} m`);
      if (f.speedKmh > 60 * 1.35 * 1.05 + 0.1) t.fail(`vehicle at ${f.speedKmh} km/h`);
      if (f.speedKmh > 0) moving++;
      const g = w.step(10);
      if (g.speedKmh > 7) t.fail(`walker at ${g.speedKmh} km/h`);
    }
  }
  t.ok(moving > 1000, `vehicles mostly move (${moving}/2000 steps)`);
});
