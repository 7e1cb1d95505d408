/**
 * Incidents on both engines: an alarm episode is one incident, the lifecycle the issue names
 * (open -> acknowledged -> assigned -> resolved -> closed) with every step on record, scopes.
 */
import t from 'tap';
import type { Incident } from '../../events/incident.js';
import { BadCursor } from '../../store/cursor.js';
import { IncidentRepository, IncidentTransitionRefused } from '../../store/incidents.js';
import type { AlarmRaised } from '../../store/incidents.js';
import { migrate } from '../../store/migrate.js';
import { ENGINES, freshDatabase } from './engines.js';

interface Tap {
  teardown(fn: () => unknown): void;
}

const T0 = Date.parse('2026-12-01T08:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000);
const sos = (s: number, terminal = '013800000001'): AlarmRaised => ({ terminal, kind: 'emergency', org: 'wuhan/jianghan/squad-3', location: { lat: 30.58, lng: 114.27 + s * 1e-6 }, at: at(s) });

for (const kind of ENGINES) {
  const repo = async (t: Tap) => {
    const db = await freshDatabase(t, kind);
    await migrate(db);
    return new IncidentRepository(db);
  };

  t.test(`${kind}: an SOS held for five minutes is one incident`, async (t) => {
    const incidents = await repo(t);
    const first = await incidents.raise(sos(0));
    t.equal(first.opened, true);
    // a report a second for five minutes
    for (let s = 1; s < 300; s++) t.equal((await incidents.raise(sos(s))).opened, false);
    const all = await incidents.list({ scope: '', limit: 10 });
    t.equal(all.items.length, 1);
    t.same(all.items[0], {
      id: first.incident.id,
      terminal: '013800000001',
      kind: 'emergency',
      status: 'open',
      org: 'wuhan/jianghan/squad-3',
      location: { lat: 30.58, lng: 114.27 + 299e-6 },
      openedAt: '2026-12-01T08:00:00.000Z',
      lastAlarmAt: '2026-12-01T08:04:59.000Z',
      alarmCount: 300,
      assignee: null,
      updatedAt: '2026-12-01T08:00:00.000Z',
    });
    t.equal((await incidents.history('', first.incident.id))!.length, 1, 'one history row: opened');
    t.ok((await incidents.raise({ ...sos(1), kind: 'overspeed' })).opened, 'another kind is another incident');
    t.ok((await incidents.raise(sos(1, '013800000002'))).opened, 'another terminal is another incident');
  });

  t.test(`${kind}: alarms raised at once still make one incident`, async (t) => {
    const incidents = await repo(t);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => incidents.raise(sos(i))));
    t.equal(results.filter((r) => r.opened).length, 1);
    t.same(new Set(results.map((r) => r.incident.id)).size, 1);
    t.equal((await incidents.list({ scope: '', limit: 5 })).items[0]!.alarmCount, 20);
  });

  t.test(`${kind}: the lifecycle, each step by a named actor with a note, on record`, async (t) => {
    const incidents = await repo(t);
    const { incident } = await incidents.raise(sos(0));
    const scope = 'wuhan/jianghan';
    await t.rejects(incidents.step(scope, incident.id, 'assigned', 'duty-1'), new IncidentTransitionRefused('open', 'assigned'), 'acknowledged before anything else');
    t.equal((await incidents.step(scope, incident.id, 'acknowledged', 'duty-1', 'seen', undefined, at(20)))!.status, 'acknowledged');
    const assigned = (await incidents.step(scope, incident.id, 'assigned', 'duty-1', 'nearest unit', 'squad-3/car-12', at(40)))!;
    t.equal(assigned.assignee, 'squad-3/car-12');
    await incidents.annotate(incident.id, 'terminal:013800000001', 'terminal-answered', { message: 0x8203, result: 0 }, undefined, at(41));
    t.equal((await incidents.step(scope, incident.id, 'resolved', 'officer-7', 'officer safe', undefined, at(600)))!.status, 'resolved');
    const closed = (await incidents.step(scope, incident.id, 'closed', 'duty-2', 'report filed', undefined, at(900)))!;
    t.equal(closed.status, 'closed');
    t.equal(closed.assignee, 'squad-3/car-12', 'the assignee stays on the closed incident');
    t.equal(closed.updatedAt, at(900).toISOString());
    t.same(
      (await incidents.history(scope, incident.id))!.map(({ seq: _, ...e }) => e),
      [
        { at: '2026-12-01T08:00:00.000Z', actor: 'terminal:013800000001', action: 'opened', changes: { kind: 'emergency', location: { lat: 30.58, lng: 114.27 } } },
        { at: '2026-12-01T08:00:20.000Z', actor: 'duty-1', action: 'acknowledged', changes: { status: { from: 'open', to: 'acknowledged' } }, note: 'seen' },
        {
          at: '2026-12-01T08:00:40.000Z',
          actor: 'duty-1',
          action: 'assigned',
          changes: { status: { from: 'acknowledged', to: 'assigned' }, assignee: { from: null, to: 'squad-3/car-12' } },
          note: 'nearest unit',
        },
        { at: '2026-12-01T08:00:41.000Z', actor: 'terminal:013800000001', action: 'terminal-answered', changes: { message: 0x8203, result: 0 } },
        { at: '2026-12-01T08:10:00.000Z', actor: 'officer-7', action: 'resolved', changes: { status: { from: 'assigned', to: 'resolved' } }, note: 'officer safe' },
        { at: '2026-12-01T08:15:00.000Z', actor: 'duty-2', action: 'closed', changes: { status: { from: 'resolved', to: 'closed' } }, note: 'report filed' },
      ],
    );
    for (const to of ['open', 'acknowledged', 'assigned', 'resolved', 'closed'] as const) {
      await t.rejects(incidents.step(scope, incident.id, to, 'x'), { name: 'IncidentTransitionRefused', message: /closed is final/ });
    }
    const next = await incidents.raise(sos(1000));
    t.ok(next.opened, 'after closing, the next SOS opens a new incident');
    t.not(next.incident.id, incident.id);
  });

  t.test(`${kind}: another org's incident is no incident`, async (t) => {
    const incidents = await repo(t);
    const { incident } = await incidents.raise(sos(0));
    for (const scope of ['wuhan/wuchang', 'wuhan/jianghan/squad-30', 'wuhan/jianghan/squad_3']) {
      t.equal(await incidents.get(scope, incident.id), undefined, scope);
      t.equal(await incidents.step(scope, incident.id, 'acknowledged', 'x'), undefined, scope);
      t.equal(await incidents.history(scope, incident.id), undefined, scope);
      t.same((await incidents.list({ scope, limit: 5 })).items, [], scope);
      t.same(await incidents.openCounts(scope), {}, scope);
    }
    t.equal((await incidents.get('', incident.id))!.status, 'open', 'untouched');
  });

  t.test(`${kind}: listing filters and pages; open counts by kind`, async (t) => {
    const incidents = await repo(t);
    const kinds = ['emergency', 'overspeed', 'adas.forwardCollision'];
    const orgs = ['wuhan/jianghan', 'wuhan/wuchang', 'wuhan/jianghan/squad-3'];
    const all: Incident[] = [];
    for (let i = 0; i < 24; i++) {
      const { incident } = await incidents.raise({ terminal: `0138000000${String(i % 8).padStart(2, '0')}`, kind: kinds[i % 3]!, org: orgs[i % 3]!, location: null, at: at(Math.floor(i / 3) * 60) });
      all.push(i % 5 === 0 ? (await incidents.step('', incident.id, 'acknowledged', 'seed'))! : incident);
    }
    const order = (a: Incident, b: Incident) => b.openedAt.localeCompare(a.openedAt) || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);
    const within = (scope: string, org: string) => scope === '' || org === scope || org.startsWith(`${scope}/`);
    const pageAll = async (q: Parameters<IncidentRepository['list']>[0]) => {
      const out: Incident[] = [];
      let after: string | undefined;
      for (let n = 0; n < 100; n++) {
        const page = await incidents.list({ ...q, after });
        out.push(...page.items);
        if (!page.next) return out;
        after = page.next;
      }
      throw new Error('paging did not end');
    };
    const ids = (xs: Incident[]) => xs.map((x) => x.id);
    t.same(ids(await pageAll({ scope: '', limit: 5 })), ids([...all].sort(order)));
    t.same(ids(await pageAll({ scope: 'wuhan/jianghan', status: ['open'], limit: 4 })), ids(all.filter((x) => within('wuhan/jianghan', x.org) && x.status === 'open').sort(order)));
    t.same(ids(await pageAll({ scope: '', kind: ['overspeed'], terminal: '013800000001', limit: 2 })), ids(all.filter((x) => x.kind === 'overspeed' && x.terminal === '013800000001').sort(order)));
    const from = at(120).toISOString();
    const to = at(300).toISOString();
    t.same(ids(await pageAll({ scope: '', from, to, limit: 3 })), ids(all.filter((x) => x.openedAt >= from && x.openedAt < to).sort(order)));
    const counts: Record<string, number> = {};
    for (const x of all) if (within('wuhan/jianghan', x.org)) counts[x.kind] = (counts[x.kind] ?? 0) + 1;
    t.same(await incidents.openCounts('wuhan/jianghan'), counts);
    await t.rejects(incidents.list({ scope: '', limit: 5, after: 'eyJ4IjoxfQ' }), BadCursor);
  });
}
