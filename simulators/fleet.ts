/**
 * A fleet: the scenario turned into terminals (vehicles drive the generated city, body
 * cameras and handhelds walk beats), started over the ramp-up, stopped together. Each
 * terminal gets its own seeded streams, derived from the scenario seed and its index, so a
 * terminal's frames do not depend on how many others run beside it.
 */
import type { Edition } from '../decoders/index.js';
import { generateCity } from './city.js';
import type { City } from './city.js';
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
      specs.push({ index: i, kind: 'vehicle', edition, phone: phoneOf('vehicle', i, scenario.phoneOffset), plate });
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
    for (const spec of fleetSpecs(scenario)) {
      const moverRng = root.fork('move', spec.index);
      // every unit answers a dispatch order by going to the place (a car faster than a walker)
      const mover = spec.kind === 'vehicle' ? new Responder(new Vehicle(this.city, moverRng), 40) : new Responder(new Walker(this.city, moverRng), 6);
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
      const org = `wuhan/${rng.pick(DISTRICTS)}/squad-${rng.int(1, 12)}`;
      const officer = t.spec.kind === 'vehicle' ? '' : `PC${t.spec.phone.slice(-6)}`;
      rows.push(['terminal', t.phone, t.spec.kind, org, t.spec.plate ?? '', officer, '', '', ''].join(','));
    }
    return rows.join('\n') + '\n';
  }
}
