/**
 * Duty areas on both engines: written whole with shifts and assignments, read back as written,
 * scoped (another org's area is not found, not replaced, not deleted), assignments only of the
 * area's own org unit or below, the number of areas bounded (also when two connections add the
 * last one at once), an import all or nothing with every refused area named, and what the
 * gateway's watch reads (the devices the assigned people carry) changing its fingerprint.
 */
import t from 'tap';
import type { DutyAreaInput } from '../../events/duty.js';
import { DutyAreaRepository } from '../../store/duty-areas.js';
import { migrate } from '../../store/migrate.js';
import { RegistryRepository } from '../../store/registry.js';
import { ENGINES, freshDatabase } from './engines.js';
import { square } from '../helpers/duty.js';

const area = (id: string, over: Partial<DutyAreaInput> = {}): DutyAreaInput => ({ id, name: `beat ${id}`, org: 'wuhan/jianghan', geometry: square(114.27, 30.58, 0.01), shifts: [], devices: [], people: [], ...over });

for (const kind of ENGINES) {
  t.test(`${kind}: areas written whole, read back, scoped, assignments under the area's org`, async (t) => {
    const db = await freshDatabase(t, kind);
    await migrate(db);
    const registry = new RegistryRepository(db);
    const duty = new DutyAreaRepository(db);
    for (const [terminal, org] of [
      ['1001', 'wuhan/jianghan/s1'],
      ['1002', 'wuhan/jianghan'],
      ['1003', 'wuhan/hongshan'],
      ['1004', 'wuhan'],
      ['1005', 'wuhan/jianghan/s2'],
    ] as const) {
      await registry.putDevice('', { terminal, category: 'bodycam', org, epoch: 0, channels: [] });
    }
    await registry.putPerson('', { id: 'p-li', name: '李警官', role: 'officer', org: 'wuhan/jianghan/s1', devices: ['1005'] });
    await registry.putPerson('', { id: 'p-wang', name: '王警官', role: 'officer', org: 'wuhan/hongshan', devices: [] });

    const night = { day: 'sun' as const, start: '22:00', end: '06:00' };
    const first = await duty.put('wuhan/jianghan', area('jh-1', { shifts: [{ day: 'mon', start: '08:00', end: '16:00' }, night, { day: 'tue', start: '00:00', end: '24:00' }], devices: ['1001', '1002'], people: ['p-li'] }), 10);
    t.same(first, {
      created: true,
      area: {
        ...area('jh-1'),
        shifts: [{ day: 'mon', start: '08:00', end: '16:00' }, { day: 'tue', start: '00:00', end: '24:00' }, night],
        devices: ['1001', '1002'],
        people: ['p-li'],
        updatedAt: (first as { area: { updatedAt: string } }).area.updatedAt,
      },
    }, 'read back as written, shifts in week order');
    t.same(await duty.get('wuhan', 'jh-1').then((a) => a?.geometry), square(114.27, 30.58, 0.01), 'the geometry as sent');

    t.same(await duty.put('wuhan/jianghan', area('jh-2', { devices: ['1003', '1004', '1001'] }), 10), { refused: 'unknown-device', terminals: ['1003', '1004'] }, "another district's device and the city's are not this area's to have");
    t.same(await duty.put('wuhan/jianghan', area('jh-2', { people: ['p-wang', 'p-nobody'] }), 10), { refused: 'unknown-person', people: ['p-wang', 'p-nobody'] });
    t.same(await duty.put('wuhan/jianghan', area('jh-2', { org: 'wuhan/hongshan' }), 10), { refused: 'out-of-scope', field: 'org' });
    t.equal(await duty.get('wuhan/jianghan', 'jh-2'), undefined, 'nothing of the refused writes');

    t.same(await duty.put('wuhan/hongshan', area('jh-1', { org: 'wuhan/hongshan' }), 10), { refused: 'not-found' }, "another org's area is not replaced");
    t.equal(await duty.get('wuhan/hongshan', 'jh-1'), undefined, "another org's area is not found");
    t.equal(await duty.delete('wuhan/hongshan', 'jh-1'), false, "nor deleted");
    t.same((await duty.list('wuhan/hongshan')).length, 0);
    t.same((await duty.list('')).map((a) => a.id), ['jh-1']);

    const replaced = await duty.put('wuhan/jianghan', area('jh-1', { name: '江汉一巡区', devices: ['1001'] }), 10);
    t.same(replaced && 'created' in replaced ? [replaced.created, replaced.area.name, replaced.area.shifts, replaced.area.people] : replaced, [false, '江汉一巡区', [], []], 'replaced whole');

    // the watch's view: devices, and those the people carry
    await duty.put('wuhan/jianghan', area('jh-1', { devices: ['1001'], people: ['p-li'] }), 10);
    const before = await duty.fingerprint();
    t.same((await duty.watched()).map((w) => [w.area.id, w.units]), [['jh-1', [{ terminal: '1001', org: 'wuhan/jianghan/s1', category: 'bodycam' }, { terminal: '1005', org: 'wuhan/jianghan/s2', category: 'bodycam' }]]], 'with their org units: an incident names them before they are heard from');
    await registry.putPerson('', { id: 'p-li', name: '李警官', role: 'officer', org: 'wuhan/jianghan/s1', devices: ['1005', '1002'] });
    const after = await duty.fingerprint();
    t.not(after, before, 'a person carrying another device changes the fingerprint');
    t.same((await duty.watched()).map((w) => w.units.map((u) => u.terminal)), [['1001', '1002', '1005']]);
    t.equal(await duty.fingerprint(), after, 'nothing changed: the same');
    await registry.deleteDevice('', '1001');
    t.same((await duty.watched()).map((w) => w.units.map((u) => u.terminal)), [['1002', '1005']], 'a deleted device is no longer assigned');
    t.not(await duty.fingerprint(), after);
    // an org unit with a duty area under it is not empty
    await registry.createOrg('', { path: 'wuhan', kind: 'city', name: '武汉市' });
    await registry.createOrg('', { path: 'wuhan/jianghan', kind: 'district', name: '江汉区' });
    await registry.deleteDevice('', '1002');
    await registry.deleteDevice('', '1005');
    await registry.deletePerson('', 'p-li');
    t.same(await registry.deleteOrg('', 'wuhan/jianghan'), { refused: 'in-use', by: 'duty-areas' });
    t.equal(await duty.delete('wuhan/jianghan', 'jh-1'), true);
    t.same(await duty.watched(), []);
    t.same(await db.query('SELECT count(*)::int AS n FROM duty_shifts'), [{ n: 0 }], 'its shifts went with it');
  });

  t.test(`${kind}: the number of areas is bounded, also for two writers at once`, async (t) => {
    const db = await freshDatabase(t, kind);
    await migrate(db);
    const duty = new DutyAreaRepository(db);
    t.ok('created' in (await duty.put('', area('a1'), 2)));
    t.same(await Promise.all([duty.put('', area('a2'), 2), duty.put('', area('a3'), 2)]).then((r) => r.map((x) => ('created' in x ? 'written' : x.refused)).sort()), ['too-many', 'written'], 'one of two gets the last place');
    t.ok('created' in (await duty.put('', area('a1', { name: 'renamed' }), 2)), 'replacing one needs no new place');
    t.same((await duty.list('')).length, 2);
  });

  t.test(`${kind}: an import is all or nothing, every refused area named`, async (t) => {
    const db = await freshDatabase(t, kind);
    await migrate(db);
    const registry = new RegistryRepository(db);
    await registry.putDevice('', { terminal: '2001', category: 'vehicle', org: 'wuhan/jianghan', epoch: 0, channels: [] });
    const duty = new DutyAreaRepository(db);
    await duty.put('wuhan/hongshan', area('hs-1', { org: 'wuhan/hongshan' }), 10);
    const bad = await duty.importAreas('wuhan/jianghan', [area('i-1', { devices: ['2001'] }), area('hs-1'), area('i-3', { devices: ['2999'] }), area('i-4')], 10);
    t.same(bad, {
      refused: 'problems',
      problems: [
        { index: 1, message: "no duty area hs-1 in this token's scope (the id is another org unit's)" },
        { index: 2, message: "devices: 2999 not in the registry under the area's org unit" },
      ],
    });
    t.same((await duty.list('wuhan/jianghan')).length, 0, 'nothing imported');
    t.same(await duty.importAreas('wuhan/jianghan', [area('i-1'), area('i-2', { org: 'wuhan/hongshan' })], 10), { refused: 'problems', problems: [{ index: 1, message: `org: "wuhan/hongshan" is outside this token's scope` }] });
    t.same(await duty.importAreas('wuhan/jianghan', [area('i-1', { devices: ['2001'] }), area('i-2')], 10), { created: 2, replaced: 0 });
    t.same(await duty.importAreas('wuhan/jianghan', [area('i-2'), area('i-3'), area('i-4')], 4), { refused: 'problems', problems: [{ index: 2, message: 'there are 4 duty areas, the most allowed (duty.maxAreas)' }] }, 'the bound counts the import as it goes');
    t.same(await duty.importAreas('wuhan/jianghan', [area('i-2'), area('i-3')], 4), { created: 1, replaced: 1 });
  });
}
