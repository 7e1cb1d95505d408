/**
 * Cases with their history on both engines. Expected values are written from the issue's
 * lifecycle and by hand (the filters against a brute-force filter of the same cases in memory).
 */
import t from 'tap';
import type { Case } from '../../events/case.js';
import { BadCursor, CaseRepository, TransitionRefused } from '../../store/cases.js';
import type { CaseInput } from '../../store/cases.js';
import { migrate } from '../../store/migrate.js';
import { ENGINES, freshDatabase } from './engines.js';

const T0 = new Date('2026-12-01T08:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

const fight: CaseInput = { id: 'C-1', type: 'dispute', location: { lat: 30.58, lng: 114.27 }, time: '2026-12-01T07:55:00+08:00' };

for (const kind of ENGINES) {
  const repo = async (t: Tap) => {
    const db = await freshDatabase(t, kind);
    await migrate(db);
    return new CaseRepository(db);
  };

  t.test(`${kind}: create, read back, ids unique within an org unit only`, async (t) => {
    const cases = await repo(t);
    const c = await cases.create(fight, 'wuhan/jianghan', 'duty-1', 'called in', T0);
    t.same(c, {
      id: 'C-1',
      type: 'dispute',
      status: 'open',
      location: { lat: 30.58, lng: 114.27 },
      time: '2026-11-30T23:55:00.000Z',
      org: 'wuhan/jianghan',
      createdAt: '2026-12-01T08:00:00.000Z',
      updatedAt: '2026-12-01T08:00:00.000Z',
    });
    t.same(await cases.get('wuhan/jianghan', 'C-1'), c);
    t.equal(await cases.create({ ...fight, type: 'theft' }, 'wuhan/jianghan', 'duty-1'), undefined, 'the same id in the same unit: not created');
    t.equal((await cases.get('wuhan/jianghan', 'C-1'))!.type, 'dispute', 'and the first is untouched');
    t.ok(await cases.create(fight, 'wuhan/wuchang', 'duty-2'), 'the same id in another unit is another case');
    t.equal(await cases.get('wuhan/qiaokou', 'C-1'), undefined);
  });

  t.test(`${kind}: every change is on record, with who, when, what and a note`, async (t) => {
    const cases = await repo(t);
    await cases.create({ ...fight, description: 'two men' }, 'wuhan/jianghan', 'duty-1', 'called in', at(0));
    await cases.update('wuhan/jianghan', 'C-1', { status: 'dispatched' }, 'duty-1', 'sent squad 3', at(2));
    await cases.update('wuhan/jianghan', 'C-1', { status: 'onscene', location: { lat: 30.581, lng: 114.271 } }, 'officer-7', undefined, at(9));
    t.same(await cases.update('wuhan/jianghan', 'C-1', { status: 'onscene' }, 'officer-7', undefined, at(10)), await cases.get('wuhan/jianghan', 'C-1'), 'a change that changes nothing, without a note, is not recorded');
    const done = await cases.update('wuhan/jianghan', 'C-1', { status: 'closed' }, 'officer-7', 'settled', at(30));
    t.equal(done!.status, 'closed');
    t.equal(done!.updatedAt, at(30).toISOString());
    t.same(await cases.history('wuhan/jianghan', 'C-1'), [
      {
        seq: 1,
        at: '2026-12-01T08:00:00.000Z',
        actor: 'duty-1',
        action: 'created',
        changes: { type: { to: 'dispute' }, status: { to: 'open' }, location: { to: { lat: 30.58, lng: 114.27 } }, time: { to: '2026-11-30T23:55:00.000Z' }, description: { to: 'two men' } },
        note: 'called in',
      },
      { seq: 2, at: '2026-12-01T08:02:00.000Z', actor: 'duty-1', action: 'changed', changes: { status: { from: 'open', to: 'dispatched' } }, note: 'sent squad 3' },
      {
        seq: 3,
        at: '2026-12-01T08:09:00.000Z',
        actor: 'officer-7',
        action: 'changed',
        changes: { status: { from: 'dispatched', to: 'onscene' }, location: { from: { lat: 30.58, lng: 114.27 }, to: { lat: 30.581, lng: 114.271 } } },
      },
      { seq: 4, at: '2026-12-01T08:30:00.000Z', actor: 'officer-7', action: 'changed', changes: { status: { from: 'onscene', to: 'closed' } }, note: 'settled' },
    ]);
    t.equal(await cases.history('wuhan/jianghan', 'nope'), undefined);
    t.equal(await cases.history('wuhan/wuchang', 'C-1'), undefined, "another unit's id space");
  });

  t.test(`${kind}: impossible transitions are refused, naming them, and change nothing`, async (t) => {
    const cases = await repo(t);
    await cases.create(fight, 'wuhan', 'duty-1');
    await t.rejects(cases.update('wuhan', 'C-1', { status: 'onscene' }, 'x').then(() => cases.update('wuhan', 'C-1', { status: 'dispatched' }, 'x')), new TransitionRefused('onscene', 'dispatched'));
    await cases.update('wuhan', 'C-1', { status: 'closed' }, 'x');
    for (const to of ['open', 'dispatched', 'onscene', 'cancelled'] as const) {
      await t.rejects(cases.update('wuhan', 'C-1', { status: to, type: 'changed too' }, 'x'), { name: 'TransitionRefused', message: new RegExp(`from closed to ${to}`) });
    }
    t.equal((await cases.get('wuhan', 'C-1'))!.type, 'dispute', 'a refused change changes nothing else either');
    t.equal((await cases.history('wuhan', 'C-1'))!.length, 3);
    t.equal(await cases.update('wuhan', 'nope', { status: 'closed' }, 'x'), undefined);
  });

  t.test(`${kind}: changes at the same moment are taken one after the other`, async (t) => {
    const cases = await repo(t);
    await cases.create(fight, 'wuhan', 'duty-1');
    await Promise.all(Array.from({ length: 8 }, (_, i) => cases.update('wuhan', 'C-1', { description: `note ${i}` }, `officer-${i}`)));
    const history = (await cases.history('wuhan', 'C-1'))!;
    t.equal(history.length, 9, 'all eight recorded');
    // each change's "from" is the previous change's "to": none was lost between a read and a write
    for (let i = 2; i < history.length; i++) t.same(history[i]!.changes.description!.from, history[i - 1]!.changes.description!.to);
    t.equal((await cases.get('wuhan', 'C-1'))!.description, history[8]!.changes.description!.to);
  });

  t.test(`${kind}: listing filters and pages, within the scope`, async (t) => {
    const cases = await repo(t);
    const orgs = ['wuhan', 'wuhan/jianghan', 'wuhan/jianghan/squad-3', 'wuhan/jianghanx', 'wuhan/wuchang', 'wu_han'];
    const types = ['theft', 'dispute', 'traffic'];
    const all: Case[] = [];
    for (let i = 0; i < 36; i++) {
      const org = orgs[i % orgs.length]!;
      const input: CaseInput = {
        id: `K${i}`,
        type: types[i % 3]!,
        location: { lat: 30.4 + (i % 7) * 0.05, lng: 114.1 + (i % 5) * 0.08 },
        // two cases share each time, so the order falls back to (org, id)
        time: at(Math.floor(i / 2)).toISOString(),
      };
      const c = (await cases.create(input, org, 'seed'))!;
      all.push(i % 4 === 0 ? (await cases.update(org, c.id, { status: 'closed' }, 'seed'))! : c);
    }
    const order = (a: Case, b: Case) => b.time.localeCompare(a.time) || (b.org < a.org ? -1 : b.org > a.org ? 1 : 0) || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);
    const within = (scope: string, org: string) => scope === '' || org === scope || org.startsWith(`${scope}/`);
    const pageAll = async (q: Parameters<CaseRepository['list']>[0]) => {
      const out: Case[] = [];
      let after: string | undefined;
      for (let n = 0; n < 100; n++) {
        const page = await cases.list({ ...q, after });
        t.ok(page.items.length <= q.limit);
        out.push(...page.items);
        if (!page.next) return out;
        after = page.next;
      }
      throw new Error('paging did not end');
    };
    const ids = (cs: Case[]) => cs.map((c) => `${c.org}:${c.id}`);

    t.same(ids(await pageAll({ scope: '', limit: 5 })), ids([...all].sort(order)), 'everything, newest first, in pages of 5');
    t.same(ids(await pageAll({ scope: 'wuhan/jianghan', limit: 4 })), ids(all.filter((c) => within('wuhan/jianghan', c.org)).sort(order)), 'a scope is a subtree: not wuhan/jianghanx');
    t.same(ids(await pageAll({ scope: 'wu_an', limit: 4 })), [], "a scope's _ is not a wildcard");
    t.same(
      ids(await pageAll({ scope: 'wuhan', status: ['open'], type: ['theft', 'traffic'], limit: 3 })),
      ids(all.filter((c) => within('wuhan', c.org) && c.status === 'open' && c.type !== 'dispute').sort(order)),
      'status and type',
    );
    const from = at(4).toISOString();
    const to = at(11).toISOString();
    t.same(ids(await pageAll({ scope: '', from, to, limit: 7 })), ids(all.filter((c) => c.time >= from && c.time < to).sort(order)), 'time range, from inclusive, to exclusive');
    const bbox = [114.15, 30.45, 114.3, 30.62] as const;
    const inBox = (c: Case) => c.location.lng >= bbox[0] && c.location.lng <= bbox[2] && c.location.lat >= bbox[1] && c.location.lat <= bbox[3];
    const boxed = await pageAll({ scope: '', bbox, limit: 50 });
    t.same(ids(boxed), ids(all.filter(inBox).sort(order)), 'bbox');
    t.ok(boxed.length > 0 && boxed.length < all.length, 'the box cuts the set');
    await t.rejects(cases.list({ scope: '', limit: 5, after: 'garbage' }), BadCursor);
  });
}

interface Tap {
  teardown(fn: () => unknown): void;
}
