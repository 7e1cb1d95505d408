/**
 * Command-line options shared by `simulate` and `load`: each maps onto a scenario key, so a
 * scenario file and the command line say the same things in the same units.
 */
import type { ParseArgsConfig } from 'node:util';
import type { ScenarioOverrides } from './scenario.js';

export const SCENARIO_OPTIONS = {
  scenario: { type: 'string' },
  seed: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  transport: { type: 'string' },
  vehicles: { type: 'string' },
  walkers: { type: 'string' },
  bodycams: { type: 'string' },
  interval: { type: 'string' },
  heartbeat: { type: 'string' },
  burst: { type: 'string' },
  speedup: { type: 'string' },
  ticks: { type: 'string' },
  duration: { type: 'string' },
  ramp: { type: 'string' },
  'start-time': { type: 'string' },
  'edition-2019': { type: 'string' },
  'local-addresses': { type: 'string' },
  'phone-offset': { type: 'string' },
  'sos-per-hour': { type: 'string' },
  'speeding-per-hour': { type: 'string' },
  'blind-per-hour': { type: 'string' },
  'photos-per-hour': { type: 'string' },
  'active-safety': { type: 'string' },
  report: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

type Values = { [K in keyof typeof SCENARIO_OPTIONS]?: (typeof SCENARIO_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name}: "${v}" is not a number`);
  return n;
}

/** The command line as scenario overrides (applied after the scenario file). */
export function overridesFrom(values: Values): ScenarioOverrides {
  const transport = values.transport;
  if (transport !== undefined && transport !== 'tcp' && transport !== 'udp') throw new Error('--transport: tcp or udp');
  const o: ScenarioOverrides = {
    seed: num('seed', values.seed),
    vehicles: num('vehicles', values.vehicles),
    walkers: num('walkers', values.walkers ?? values.bodycams),
    intervalS: num('interval', values.interval),
    heartbeatS: num('heartbeat', values.heartbeat),
    burst: num('burst', values.burst),
    speedup: num('speedup', values.speedup),
    ticks: num('ticks', values.ticks),
    durationS: num('duration', values.duration),
    rampS: num('ramp', values.ramp),
    startTime: values['start-time'],
    edition2019Share: num('edition-2019', values['edition-2019']),
    localAddresses: num('local-addresses', values['local-addresses']),
    phoneOffset: num('phone-offset', values['phone-offset']),
    target: { host: values.host, port: num('port', values.port), transport },
    alarms: { sosPerHour: num('sos-per-hour', values['sos-per-hour']), speedingPerHour: num('speeding-per-hour', values['speeding-per-hour']) },
    blindArea: { perHour: num('blind-per-hour', values['blind-per-hour']) },
    photos: { perHour: num('photos-per-hour', values['photos-per-hour']) },
    activeSafety: { share: num('active-safety', values['active-safety']) },
  };
  return o;
}

export const SCENARIO_HELP = `  --scenario FILE          scenario file (JSON or YAML), e.g. config/scenarios/wuhan.yaml
  --seed N                 seed of every random choice (same seed, same frames)
  --host H --port P        the gateway (default 127.0.0.1:6808)
  --transport tcp|udp
  --vehicles N             vehicle terminals (default 300)
  --walkers N              body cameras and handhelds (alias --bodycams; default 1153)
  --interval S             seconds between location reports (simulated time; default 10)
  --heartbeat S            seconds between heartbeats (default 60)
  --burst N                write N reports at once every N intervals (default 1: each on time)
  --speedup X              simulated seconds per real second (default 1)
  --ticks N                stop after N reports per terminal
  --duration S             stop after S real seconds
  --ramp S                 connect the terminals over S seconds (default 10)
  --start-time ISO         simulated device clock from this time (default: the wall clock at speedup 1)
  --edition-2019 SHARE     share of 2019 terminals, 0..1 (default 0.3)
  --local-addresses N      spread sources over 127.0.0.1..N (loopback targets only)
  --phone-offset N         shift every phone number (to run several simulators)
  --sos-per-hour R --speeding-per-hour R --blind-per-hour R --photos-per-hour R
  --active-safety SHARE    share of vehicles with ADAS/DSM units, 0..1 (Su-biao alarms and attachments; default 0)
  --report FILE            write the final report as JSON`;
