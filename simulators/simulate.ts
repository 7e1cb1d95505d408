/**
 * `npm run simulate -- [options]`: a virtual fleet against a gateway, until stopped (Ctrl-C),
 * `--ticks` reports per terminal or `--duration` seconds; then a summary table and, with
 * `--report`, the same as JSON. `--record FILE` writes every uplink frame as JSON lines
 * ({"phone","hex"}), `--devices-out FILE` the gateway's registry CSV for this fleet, `--register`
 * imports that registry into the gateway through its API before the fleet connects.
 */
import { createWriteStream, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SCENARIO_HELP, SCENARIO_OPTIONS, overridesFrom } from './args.js';
import { Fleet } from './fleet.js';
import { registerDutyAreas, registerFleet } from './register.js';
import { buildReport, progressLine, summaryTable, writeReport } from './report.js';
import { buildScenario, readScenarioFile } from './scenario.js';

const HELP = `usage: npm run simulate -- [options]

${SCENARIO_HELP}
  --record FILE            every uplink frame as JSON lines {"phone","hex"}
  --devices-out FILE       write the gateway's device registry (CSV) for this fleet and go on
  --duty-out FILE          write the squads' duty areas (GeoJSON, for POST /api/duty-areas/import) and go on
  --dry                    with --devices-out or --duty-out: write them and exit
  --register               import the fleet's registry into the gateway (POST /api/devices/import) before
                           connecting, so the map shows its categories; needs the admin right: with
                           api.tokens configured, set DIPPER_TOKEN to such a token (never on the command line);
                           with duty.squads in the scenario, their duty areas too
  --api URL                the gateway's API for --register (default http://HOST:8080, HOST from --host)
`;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { ...SCENARIO_OPTIONS, record: { type: 'string' }, 'devices-out': { type: 'string' }, 'duty-out': { type: 'string' }, dry: { type: 'boolean' }, register: { type: 'boolean' }, api: { type: 'string' } }, strict: true });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const scenario = buildScenario(values.scenario ? readScenarioFile(values.scenario) : {}, overridesFrom(values));
  const recordStream = values.record ? createWriteStream(values.record) : undefined;
  const fleet = new Fleet(scenario, recordStream ? { record: (phone, frame) => recordStream.write(`{"phone":"${phone}","hex":"${frame.toString('hex')}"}\n`) } : {});
  if (values['devices-out']) writeFileSync(values['devices-out'], fleet.devicesCsv());
  if (values['duty-out']) writeFileSync(values['duty-out'], JSON.stringify(fleet.dutyAreas(), null, 1));
  if (values.dry) return 0;
  if (values.api !== undefined && !values.register) throw new Error('--api is for --register');
  if (values.register) {
    const api = values.api ?? `http://${scenario.target.host.includes(':') ? `[${scenario.target.host}]` : scenario.target.host}:8080`;
    const done = await registerFleet(fleet.devicesCsv(), api, process.env.DIPPER_TOKEN || undefined);
    process.stderr.write(`registered ${done.devices} devices at ${api}\n`);
    if (fleet.squads.length > 0) {
      const areas = await registerDutyAreas(fleet.dutyAreas(), api, process.env.DIPPER_TOKEN || undefined);
      process.stderr.write(`registered ${areas} duty areas, one per squad; ${fleet.strays.length} units will stray off post after ${scenario.duty.strayAfterS} s (simulated)\n`);
    }
  }

  const startedAt = Date.now();
  const tty = process.stderr.isTTY;
  let lastSent = 0;
  let lastAt = startedAt;
  const progress = setInterval(() => {
    const snap = fleet.stats.snapshot();
    const now = Date.now();
    const sent = Object.values(snap.sent).reduce((a, b) => a + b, 0);
    if (tty) process.stderr.write(`\r${progressLine((now - startedAt) / 1000, snap, fleet.stats.latency, ((sent - lastSent) * 1000) / Math.max(1, now - lastAt))}\x1b[K`);
    lastSent = sent;
    lastAt = now;
  }, 1000);

  let stoppedBy = 'ticks';
  const stopped = new Promise<void>((resolve) => {
    const stop = (why: string) => {
      stoppedBy = why;
      void fleet.stop().then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    if (scenario.durationS !== null) setTimeout(() => stop('duration'), scenario.durationS * 1000).unref();
    void fleet.finished.then(() => resolve());
  });
  process.stderr.write(`simulating ${scenario.vehicles} vehicles and ${scenario.walkers} body cameras/handhelds (${scenario.name}, seed ${scenario.seed}) -> ${scenario.target.transport}://${scenario.target.host}:${scenario.target.port}\n`);
  fleet.start();
  await stopped;
  clearInterval(progress);
  if (tty) process.stderr.write('\n');
  await new Promise<void>((resolve) => (recordStream ? recordStream.end(resolve) : resolve()));

  const report = buildReport('dipper-simulate', fleet.stats.snapshot(), fleet.stats.latency, { startedAt, endedAt: Date.now(), stoppedBy, settings: { ...scenario }, workers: 1 });
  process.stdout.write(summaryTable(report) + '\n');
  if (values.report) writeReport(values.report, report);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`simulate: ${(e as Error).message}\n`);
    process.exit(2);
  },
);
