/**
 * A fleet: the scenario turned into terminals (vehicles drive the generated city, body
 * cameras and handhelds walk beats), started over the ramp-up, stopped together. Each
 * terminal gets its own seeded streams, derived from the scenario seed and its index, so a
 * terminal's frames do not depend on how many others run beside it.
 */
import type { Edition } from '../decoders/index.js';
import { generateCity, projector } from './city.js';
import type { City, Point } from './city.js';
import type { LinkTarget } from './link.js';
import { Responder, Vehicle, Walker } from './movers.js';
import { Rng } from './rng.js';
import type { Scenario } from './scenario.js';
import { Stats } from './stats.js';
import { SimTerminal } from './terminal.js';
import type { Kind, TerminalSpec } from './spec.js';

/** Wuhan's central districts, for the registry's org units. */
const DISTRICTS = ['jiangan', 'jianghan', 'qiaokou', 'hanyang', 'wuchang', 'qingshan', 'hongshan'];
const PLATE_LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';

const WEEK = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
/** sides of a duty area's polygon */
const SIDES = 12;

/** A squad of the scenario's duty areas: its org unit, its post, its members' phones. */
export interface Squad {
  id: string;
  org: string;
  name: string;
  post: Point;
  members: string[];
}

export interface FleetOptions {
  record?: (phone: string, frame: Buffer) => void;
}

/** Phone numbers by kind, 11 digits like Chinese mobile numbers; phoneOffset shifts them. */
function phoneOf(kind: Kind, n: number, offset: number): string {
  const base = { vehicle: 13_900_000_000, bodycam: 13_800_000_000, handheld: 13_700_000_000 }[kind];
  return String(base + offset + n + 1);
}

export function fleetSpecs(scenario: Scenario): TerminalSpec[] {
  const root = new Rng(scenario.seed);
  const specs: TerminalSpec[] = [];
  let handhelds = 0;
  let bodycams = 0;
  // a plate is one vehicle's (the gateway refuses a registration with another terminal's plate: 0x8100 result 1)
  const plates = new Set<string>();
  for (let i = 0; i < scenario.vehicles + scenario.walkers; i++) {
    const rng = root.fork('spec', i);
    const edition: Edition = rng.chance(scenario.edition2019Share) ? '2019' : '2013';
    if (i < scenario.vehicles) {
      let plate: string;
      do plate = `鄂A${Array.from({ length: 5 }, () => (rng.chance(0.3) ? rng.pick([...PLATE_LETTERS]) : String(rng.int(0, 9)))).join('')}`;
      while (plates.has(plate));
      plates.add(plate);
      // a stream of its own: equipping vehicles never moves another draw of the fleet
      const activeSafety = root.fork('active-safety', i).chance(scenario.activeSafety.share);
      specs.push({ index: i, kind: 'vehicle', edition, phone: phoneOf('vehicle', i, scenario.phoneOffset), plate, ...(activeSafety ? { activeSafety } : {}) });
    } else {
      const handheld = rng.chance(scenario.handheldShare);
      const kind: Kind = handheld ? 'handheld' : 'bodycam';
      const n = handheld ? handhelds++ : bodycams++;
      specs.push({ index: i, kind, edition, phone: phoneOf(kind, n, scenario.phoneOffset) });
    }
  }
  return specs;
}

export class Fleet {
  readonly stats = new Stats();
  readonly terminals: SimTerminal[] = [];
  readonly city: City;
  /** the scenario's squads with their duty areas (none when duty.squads is 0) */
  readonly squads: Squad[] = [];
  /** phones of the units that leave their area (duty.strayShare) */
  readonly strays: string[] = [];
  private stopped = 0;
  private allDone: (() => void) | undefined;
  /** Resolves when every terminal has stopped (ticks reached, or stop()). */
  readonly finished: Promise<void>;

  constructor(
    readonly scenario: Scenario,
    options: FleetOptions = {},
  ) {
    const root = new Rng(scenario.seed);
    this.city = generateCity(root.fork('city'), { centre: scenario.city, radiusKm: scenario.city.radiusKm, blockM: scenario.city.blockM });
    this.finished = new Promise((resolve) => (this.allDone = resolve));
    const duty = scenario.duty;
    const squadRng = root.fork('squads');
    for (let k = 0; k < duty.squads; k++) {
      const district = DISTRICTS[k % DISTRICTS.length]!;
      const n = Math.floor(k / DISTRICTS.length) + 1;
      this.squads.push({ id: `sim.${district}.squad-${n}`, org: `wuhan/${district}/squad-${n}`, name: `${district} squad ${n}`, post: this.city.nodes[squadRng.pick(this.city.drivable)]!, members: [] });
    }
    // the polygon's inscribed circle is radiusM cos(15 deg): streets between junctions within it stay inside
    const inner = duty.radiusM * Math.cos(Math.PI / SIDES);
    for (const spec of fleetSpecs(scenario)) {
      const moverRng = root.fork('move', spec.index);
      const squad = this.squads.length > 0 ? this.squads[spec.index % this.squads.length] : undefined;
      // every unit answers a dispatch order by going to the place (a car faster than a walker)
      const mover =
        spec.kind === 'vehicle'
          ? new Responder(new Vehicle(this.city, moverRng, squad && { centre: squad.post, radiusM: inner * 0.95 }), 40)
          : new Responder(squad ? new Walker(this.city, moverRng, squad.post, Math.min(600, inner * 0.7)) : new Walker(this.city, moverRng), 6);
      if (squad) {
        squad.members.push(spec.phone);
        const strayRng = root.fork('stray', spec.index);
        if (strayRng.chance(duty.strayShare)) {
          const angle = strayRng.float(0, 2 * Math.PI);
          const r = duty.radiusM * 1.6;
          mover.strayTo(projector(squad.post).toPoint(r * Math.sin(angle), r * Math.cos(angle)), duty.strayAfterS, duty.strayS);
          this.strays.push(spec.phone);
        }
      }
      const target: LinkTarget = { ...scenario.target };
      if (scenario.localAddresses > 0 && scenario.target.host.startsWith('127.')) target.localAddress = `127.0.0.${scenario.firstLocalAddress + (spec.index % scenario.localAddresses)}`;
      this.terminals.push(
        new SimTerminal(spec, {
          scenario,
          mover,
          rng: root.fork('behave', spec.index),
          netRng: root.fork('net', spec.index),
          stats: this.stats,
          target,
          ...(options.record ? { record: options.record } : {}),
          done: () => {
            if (++this.stopped === this.terminals.length) this.allDone?.();
          },
        }),
      );
    }
    if (this.terminals.length === 0) this.allDone?.();
  }

  /** Connects every terminal, spread evenly over rampS seconds. */
  start(): void {
    const n = this.terminals.length;
    const rampMs = this.scenario.rampS * 1000;
    this.terminals.forEach((t, i) => t.start(n > 1 ? (rampMs * i) / n : 0));
  }

  async stop(): Promise<void> {
    await Promise.all(this.terminals.map((t) => t.stop()));
    await this.finished;
  }

  /** The gateway's device registry for this fleet (CSV, see gateway/registry/devices.ts). */
  devicesCsv(): string {
    const rows = ['type,id,category,org,plate,officer,lat,lng,name'];
    const rng = new Rng(this.scenario.seed).fork('registry');
    for (const t of this.terminals) {
      const random = `wuhan/${rng.pick(DISTRICTS)}/squad-${rng.int(1, 12)}`;
      const org = this.squads.length > 0 ? this.squads[t.spec.index % this.squads.length]!.org : random;
      const officer = t.spec.kind === 'vehicle' ? '' : `PC${t.spec.phone.slice(-6)}`;
      rows.push(['terminal', t.phone, t.spec.kind, org, t.spec.plate ?? '', officer, '', '', ''].join(','));
    }
    return rows.join('\n') + '\n';
  }

  /**
   * The squads' duty areas as a GeoJSON FeatureCollection, as POST /api/duty-areas/import takes
   * it: a 12-sided polygon of duty.radiusM around each post, on duty every day duty.shift, its
   * members assigned.
   */
  dutyAreas(): { type: 'FeatureCollection'; features: object[] } {
    const [start, end] = this.scenario.duty.shift.split('-') as [string, string];
    const features = this.squads.map((q) => {
      const proj = projector(q.post);
      const ring: [number, number][] = [];
      for (let i = 0; i < SIDES; i++) {
        const a = (2 * Math.PI * i) / SIDES;
        const p = proj.toPoint(this.scenario.duty.radiusM * Math.sin(a), this.scenario.duty.radiusM * Math.cos(a));
        ring.push([round6(p.lng), round6(p.lat)]);
      }
      // counter-clockwise (RFC 7946): the angles above run clockwise from north
      ring.reverse();
      ring.push(ring[0]!);
      return { type: 'Feature', id: q.id, properties: { name: q.name, org: q.org, shifts: WEEK.map((day) => ({ day, start, end })), devices: q.members, people: [] }, geometry: { type: 'Polygon', coordinates: [ring] } };
    });
    return { type: 'FeatureCollection', features };
  }
}

function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
