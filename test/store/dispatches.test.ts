/**
 * Dispatch orders on both engines: one order per unit at a time (also when two connections
 * send the same unit at once), each order and answer on the target's record, release with the
 * case's end, an arrival that puts a dispatched case on scene, and response times whose
 * percentiles are worked out here by the definition of percentile_cont (linear interpolation).
 */
import t from 'tap';
import { CaseRepository } from '../../store/cases.js';
import { DispatchRepository, UnitsEngaged } from '../../store/dispatches.js';
import { migrate } from '../../store/migrate.js';
import { ENGINES, freshDatabase } from './engines.js';

const T0 = Date.parse('2026-12-01T15:30:00.000Z'); // 23:30 in Wuhan: days differ from UTC's
const at = (s: number) => new Date(T0 + s * 1000);
const SCENE = { lat: 30.58, lng: 114.28 };

for (const kind of ENGINES) {
  t.test(`${kind}: orders, engagement, release, arrival, response times`, async (t) => {
    const db = await freshDatabase(t, kind);
    await migrate(db);
    const cases = new CaseRepository(db);
    const orders = new DispatchRepository(db);
    await cases.create({ id: 'C-1', type: 'dispute', location: SCENE, time: at(0).toISOString() }, 'wuhan/jianghan', 'duty', undefined, at(0));
    await cases.create({ id: 'C-2', type: 'theft', location: SCENE, time: at(0).toISOString() }, 'wuhan/hongshan', 'duty', undefined, at(0));
    const c1 = { type: 'case' as const, org: 'wuhan/jianghan', id: 'C-1' };
    await cases.create({ id: 'C-3', type: 'fight', location: SCENE, time: at(0).toISOString() }, 'wuhan/jianghan', 'duty', undefined, at(0));
    const c2 = { type: 'case' as const, org: 'wuhan/hongshan', id: 'C-2' };
    const c3 = { type: 'case' as const, org: 'wuhan/jianghan', id: 'C-3' };

    const sent = await orders.create(c1, SCENE, [{ terminal: '1001', org: 'wuhan/jianghan' }, { terminal: '1002', org: 'wuhan/jianghan' }], 'duty', 'go', at(10));
    t.same(sent.map((o) => [o.terminal, o.answer, o.arrivedAt, o.releasedAt]), [['1001', null, null, null], ['1002', null, null, null]]);
    await t.rejects(orders.create(c2, SCENE, [{ terminal: '1003', org: 'wuhan/hongshan' }, { terminal: '1002', org: 'wuhan/hongshan' }], 'duty', undefined, at(11)), UnitsEngaged, 'one engaged unit refuses the order');
    t.same((await orders.forTarget(c2)).length, 0, 'all or nothing: 1003 was not sent either');
    t.same((await orders.engaged()).map((o) => o.terminal).sort(), ['1001', '1002']);

    // two connections send one unit at once: one order, one refusal
    const both = await Promise.allSettled([orders.create(c2, SCENE, [{ terminal: '1004', org: 'wuhan/hongshan' }], 'a', undefined, at(12)), orders.create(c3, SCENE, [{ terminal: '1004', org: 'wuhan/jianghan' }], 'b', undefined, at(12))]);
    t.same(both.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    t.ok(both.every((r) => r.status === 'fulfilled' || r.reason instanceof UnitsEngaged), 'the loser is told the unit is engaged');

    await orders.answered(sent[0]!, { result: 0 }, at(13));
    await cases.update('wuhan/jianghan', 'C-1', { status: 'dispatched' }, 'duty', undefined, at(14));
    await orders.answered(sent[1]!, { reason: 'timeout' }, at(25));
    const arrived = await orders.arrived(sent[0]!.id, at(10 + 130));
    t.equal(arrived?.caseOnScene, true, 'the first arrival puts the case on scene');
    t.equal((await cases.get('wuhan/jianghan', 'C-1'))?.status, 'onscene');
    t.equal(await orders.arrived(sent[0]!.id, at(200)), undefined, 'an arrival is recorded once');
    t.equal((await orders.arrived(sent[1]!.id, at(10 + 250)))?.caseOnScene, false, 'the second: the case is on scene already');

    const history = (await cases.history('wuhan/jianghan', 'C-1'))!.map((e) => [e.action, e.actor]);
    t.same(history, [
      ['created', 'duty'],
      ['dispatched', 'duty'],
      ['dispatched', 'duty'],
      ['terminal-answer', 'terminal 1001'],
      ['changed', 'duty'],
      ['terminal-answer', 'terminal 1002'],
      ['arrived', 'terminal 1001'],
      ['changed', 'terminal 1001'],
      ['arrived', 'terminal 1002'],
    ]);
    t.same((await orders.forTarget(c1)).map((o) => o.answer), [0, null], "the answer kept, the timeout's none");

    // response times: C-1 arrived after 130 s and 250 s (sent at 23:30:10 Wuhan time, 1 December)
    const p = (xs: number[], q: number) => {
      const s = [...xs].sort((a, b) => a - b);
      const pos = q * (s.length - 1);
      return s[Math.floor(pos)]! + (s[Math.ceil(pos)]! - s[Math.floor(pos)]!) * (pos - Math.floor(pos));
    };
    const stats = await orders.responseTimes({ scope: 'wuhan/jianghan', from: at(0), to: at(3600), timeZone: 'Asia/Shanghai' });
    t.same(stats, [{ org: 'wuhan/jianghan', day: '2026-12-01', dispatches: 2, arrived: 2, medianS: p([130, 250], 0.5), p90S: p([130, 250], 0.9), meanS: 190 }]);
    // the same order seen from UTC+10 falls on 2 December, and Hongshan's scope has only its own unanswered order
    t.equal((await orders.responseTimes({ scope: '', from: at(0), to: at(3600), timeZone: 'Australia/Brisbane' }))[0]!.day, '2026-12-02');
    t.same(await orders.responseTimes({ scope: 'wuhan/hongshan', from: at(0), to: at(3600), timeZone: 'Asia/Shanghai' }), [{ org: 'wuhan/hongshan', day: '2026-12-01', dispatches: 1, arrived: 0, medianS: null, p90S: null, meanS: null }]);

    // the case closes: its units are free; 1004's order (C-2's or C-3's) stays
    await cases.update('wuhan/jianghan', 'C-1', { status: 'closed' }, 'duty', undefined, at(400));
    t.same((await orders.engaged()).map((o) => o.terminal), ['1004'], 'released with C-1');
    t.ok((await orders.forTarget(c1)).every((o) => o.releasedAt === at(400).toISOString()), 'released at the close');
  });
}
