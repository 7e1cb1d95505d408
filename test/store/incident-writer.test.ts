/**
 * The incident writer: alarms raised without waiting for the database, repeats coalesced while
 * it is away, a bound said out loud, and nothing accepted lost across a real PostgreSQL outage
 * (its own server on 15462, stopped and started by scripts/postgres.sh).
 */
import t from 'tap';
import { IncidentWriter } from '../../store/incident-writer.js';
import type { WriterOutcome } from '../../store/incident-writer.js';
import { IncidentRepository } from '../../store/incidents.js';
import type { AlarmRaised } from '../../store/incidents.js';
import { migrate } from '../../store/migrate.js';
import { openPglite } from '../../store/pglite.js';
import { openPostgres } from '../../store/postgres.js';
import { script } from '../sinks/helpers/servers.js';

const env = { POSTGRES_PORT: '15462' };
const alarm = (terminal: string, kind = 'emergency', i = 0): AlarmRaised => ({ terminal, kind, org: 'wuhan/jianghan', location: { lat: 30.58, lng: 114.27 }, at: new Date(Date.UTC(2026, 11, 1, 8, 0, i)) });

async function until(what: string, ok: () => boolean | Promise<boolean>): Promise<void> {
  // the test's own timeout bounds this; each poll yields to the writer
  while (!(await ok())) await new Promise((r) => setTimeout(r, 10));
  void what;
}

function recorder() {
  const counts: Record<WriterOutcome, number> = { opened: 0, joined: 0, refused: 0 };
  const health: (string | undefined)[] = [];
  return {
    counts,
    health,
    hooks: {
      written: () => {},
      counted: (o: WriterOutcome, n: number) => void (counts[o] += n),
      health: (err: Error | undefined) => void health.push(err?.message),
    },
  };
}

t.test('pglite: raise returns at once; every alarm is counted into its incident', async (t) => {
  const db = await openPglite(undefined);
  t.teardown(() => db.close());
  await migrate(db);
  const repo = new IncidentRepository(db);
  const rec = recorder();
  const writer = new IncidentWriter(repo, { maxPending: 100, retryMs: 10, maxRetryMs: 100 }, rec.hooks);
  for (let i = 0; i < 200; i++) t.equal(writer.raise(alarm('013800000001', 'emergency', i)), true);
  await until('written', () => rec.counts.opened + rec.counts.joined === 200);
  await writer.close();
  const [only, ...rest] = (await repo.list({ scope: '', limit: 5 })).items;
  t.same(rest, []);
  t.equal(only!.alarmCount, 200);
  t.equal(rec.counts.opened, 1);
});

t.test('postgres: an outage delays, coalesces and bounds; it loses nothing accepted', async (t) => {
  await script('postgres.sh', 'start', env);
  t.teardown(() => script('postgres.sh', 'stop', env));
  const url = (await script('postgres.sh', 'url', env)).trim();
  const idleErrors: Error[] = [];
  const db = await openPostgres(url, 2, (e) => idleErrors.push(e));
  t.teardown(() => db.close());
  await db.query('DROP TABLE IF EXISTS duty_area_devices, duty_area_people, duty_shifts, duty_areas, dispatches, incident_events, incidents, case_events, cases, person_devices, people, resources, devices, org_units, schema_migrations CASCADE');
  await migrate(db);
  const repo = new IncidentRepository(db);
  const rec = recorder();
  const writer = new IncidentWriter(repo, { maxPending: 8, retryMs: 20, maxRetryMs: 200 }, rec.hooks);

  for (let i = 0; i < 50; i++) writer.raise(alarm('A', 'emergency', i));
  await until('the first 50 written', () => rec.counts.opened + rec.counts.joined === 50);

  await script('postgres.sh', 'stop', env);
  for (let i = 50; i < 150; i++) writer.raise(alarm('A', 'emergency', i));
  for (let i = 0; i < 10; i++) writer.raise(alarm('B', 'overspeed', i));
  for (const x of ['T1', 'T2', 'T3', 'T4', 'T5', 'T6']) t.equal(writer.raise(alarm(x)), true, `${x} accepted`);
  await until('the outage seen', () => rec.health.length === 1);
  t.ok(rec.health[0], 'reported with the error');
  t.ok(writer.depth <= 8, `coalesced: ${writer.depth} entries pending for 116 alarms`);
  t.equal(writer.raise(alarm('T7')), false, 'past maxPending a new entry is refused');
  t.equal(rec.counts.refused, 1, 'and counted');
  t.equal(writer.raise(alarm('A', 'emergency', 200)), true, 'a repeat of a pending entry is still taken');

  await script('postgres.sh', 'start', env);
  await until('drained', () => writer.depth === 0 && rec.health.length === 2);
  t.equal(rec.health[1], undefined, 'reported back');
  await writer.close();
  const rows = await db.query<{ terminal: string; kind: string; alarm_count: number }>('SELECT terminal, kind, alarm_count FROM incidents ORDER BY terminal');
  t.same(
    rows.map((r) => [r.terminal, r.kind, Number(r.alarm_count)]),
    [['A', 'emergency', 151], ['B', 'overspeed', 10], ['T1', 'emergency', 1], ['T2', 'emergency', 1], ['T3', 'emergency', 1], ['T4', 'emergency', 1], ['T5', 'emergency', 1], ['T6', 'emergency', 1]],
  );
  t.equal(rec.counts.opened + rec.counts.joined, 50 + 101 + 10 + 6, 'every accepted alarm counted as written');
});
