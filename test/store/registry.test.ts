/**
 * The registry on both engines: org units as a tree, devices, people with what they carry,
 * the registry file as an import (all or nothing), and scopes on every read and write.
 */
import t from 'tap';
import { migrate } from '../../store/migrate.js';
import { RegistryRepository } from '../../store/registry.js';
import type { DeviceRecord } from '../../store/registry.js';
import { ENGINES, freshDatabase } from './engines.js';

type Tap = Pick<typeof t, 'teardown' | 'ok'>;

const car = (terminal: string, org: string, extra: Partial<DeviceRecord> = {}): Omit<DeviceRecord, 'person'> => ({ terminal, category: 'vehicle', org, epoch: 0, channels: [], ...extra });

for (const kind of ENGINES) {
  const repo = async (t: Tap) => {
    const db = await freshDatabase(t, kind);
    await migrate(db);
    const r = new RegistryRepository(db);
    t.ok(!('refused' in (await r.createOrg('', { path: 'wuhan', kind: 'city', name: '武汉市' }))));
    t.ok(!('refused' in (await r.createOrg('wuhan', { path: 'wuhan/jianghan', kind: 'district', name: '江汉区' }))));
    t.ok(!('refused' in (await r.createOrg('wuhan', { path: 'wuhan/wuchang', kind: 'district', name: '武昌区' }))));
    return r;
  };

  t.test(`${kind}: org units form a tree of paths`, async (t) => {
    const r = await repo(t);
    t.same(await r.createOrg('wuhan/jianghan', { path: 'wuhan/jianghan/squad-3', kind: 'squad', name: '三中队' }), { path: 'wuhan/jianghan/squad-3', parent: 'wuhan/jianghan', kind: 'squad', name: '三中队' });
    t.same(await r.createOrg('wuhan', { path: 'wuhan/hanyang/squad-1', kind: 'squad', name: 'x' }), { refused: 'no-parent', parent: 'wuhan/hanyang' });
    t.same(await r.createOrg('wuhan', { path: 'wuhan/jianghan', kind: 'district', name: 'again' }), { refused: 'exists' });
    t.same(await r.createOrg('wuhan/jianghan', { path: 'wuhan/wuchang/squad-1', kind: 'squad', name: 'x' }), { refused: 'out-of-scope', field: 'path' }, 'not beside its scope');
    t.same(await r.createOrg('wuhan/jianghan', { path: 'wuhan/jianghan', kind: 'squad', name: 'x' }), { refused: 'out-of-scope', field: 'path' }, 'not its own root');
    t.same((await r.listOrgs('wuhan/jianghan')).map((o) => o.path), ['wuhan/jianghan', 'wuhan/jianghan/squad-3']);
    t.same((await r.listOrgs('')).map((o) => o.path), ['wuhan', 'wuhan/jianghan', 'wuhan/jianghan/squad-3', 'wuhan/wuchang']);
    t.same(await r.updateOrg('wuhan/wuchang', 'wuhan/jianghan', { name: 'x' }), { refused: 'not-found' });
    t.equal(((await r.updateOrg('wuhan', 'wuhan/jianghan', { name: '江汉区城管' })) as { name: string }).name, '江汉区城管');
    t.same(await r.deleteOrg('wuhan', 'wuhan/jianghan'), { refused: 'in-use', by: 'org-units' });
    await r.putDevice('wuhan', car('13800000001', 'wuhan/jianghan/squad-3'));
    t.same(await r.deleteOrg('wuhan', 'wuhan/jianghan/squad-3'), { refused: 'in-use', by: 'devices' });
    t.same(await r.deleteOrg('wuhan/jianghan', 'wuhan/jianghan'), { refused: 'not-found' }, 'a scope cannot delete its own root');
    t.equal(await r.deleteOrg('wuhan', 'wuhan/wuchang'), true);
    t.same(await r.deleteOrg('wuhan', 'wuhan/wuchang'), { refused: 'not-found' });
  });

  t.test(`${kind}: devices, scoped`, async (t) => {
    const r = await repo(t);
    const d = car('13800000001', 'wuhan/jianghan', { plate: '鄂A12345', terminalId: 't000001', epoch: 2, channels: [1, 2] });
    t.same(await r.putDevice('wuhan/jianghan', d), d);
    t.same(await r.putDevice('wuhan/wuchang', { ...d, org: 'wuhan/wuchang' }), { refused: 'not-found' }, "another scope's terminal is not taken over");
    t.same(await r.putDevice('wuhan/wuchang', car('13800000002', 'wuhan/jianghan')), { refused: 'out-of-scope', field: 'org' });
    t.equal(await r.getDevice('wuhan/wuchang', '13800000001'), undefined);
    t.same(await r.getDevice('wuhan', '13800000001'), d);
    const moved = await r.putDevice('wuhan', { ...d, org: 'wuhan/wuchang', category: 'bodycam' });
    t.same(moved, { ...d, org: 'wuhan/wuchang', category: 'bodycam' }, 'moved to another unit by a scope over both');
    t.equal(await r.deleteDevice('wuhan/jianghan', '13800000001'), false);
    for (let i = 2; i <= 9; i++) await r.putDevice('wuhan', car(`1380000000${i}`, i % 2 ? 'wuhan/jianghan' : 'wuhan/wuchang', { category: i % 3 ? 'vehicle' : 'handheld' }));
    const pages: string[] = [];
    let after: string | undefined;
    do {
      const page = await r.listDevices({ scope: 'wuhan/wuchang', limit: 2, after });
      pages.push(...page.items.map((x) => x.terminal));
      after = page.next;
    } while (after);
    t.same(pages, ['13800000001', '13800000002', '13800000004', '13800000006', '13800000008']);
    t.same((await r.listDevices({ scope: '', category: ['handheld'], limit: 10 })).items.map((x) => x.terminal), ['13800000003', '13800000006', '13800000009']);
    t.equal(await r.deleteDevice('wuhan/wuchang', '13800000001'), true);
  });

  t.test(`${kind}: people and the devices they carry`, async (t) => {
    const r = await repo(t);
    await r.putDevice('wuhan', car('13800000001', 'wuhan/jianghan', { category: 'bodycam' }));
    await r.putDevice('wuhan', car('13800000002', 'wuhan/jianghan', { category: 'handheld' }));
    await r.putDevice('wuhan', car('13800000003', 'wuhan/wuchang', { category: 'bodycam' }));
    const li = { id: 'p-li', name: '李警官', role: 'officer' as const, org: 'wuhan/jianghan', devices: ['13800000002', '13800000001'] };
    t.same(await r.putPerson('wuhan/jianghan', li), { ...li, devices: ['13800000001', '13800000002'] });
    t.same(await r.putPerson('wuhan/jianghan', { ...li, devices: ['13800000003'] }), { refused: 'unknown-device', terminals: ['13800000003'] }, "another scope's device is unknown");
    t.same(await r.putPerson('wuhan/jianghan', { ...li, devices: ['nope'] }), { refused: 'unknown-device', terminals: ['nope'] });
    t.equal((await r.getDevice('wuhan', '13800000001'))!.person, 'p-li');
    const wang = { id: 'p-wang', name: '王协管', role: 'auxiliary' as const, org: 'wuhan/jianghan', devices: ['13800000001'] };
    await r.putPerson('wuhan', wang);
    t.same((await r.getPerson('wuhan', 'p-li'))!.devices, ['13800000002'], 'a device passed to another person leaves the first');
    t.same((await r.listPeople('wuhan/wuchang')), []);
    t.same((await r.listPeople('wuhan')).map((p) => p.id), ['p-li', 'p-wang']);
    t.equal(await r.deletePerson('wuhan/wuchang', 'p-li'), false);
    t.equal(await r.deletePerson('wuhan', 'p-li'), true);
    t.equal((await r.getDevice('wuhan', '13800000002'))!.person, undefined, 'the device stays, carried by no one');
    await r.deleteDevice('wuhan', '13800000001');
    t.same((await r.getPerson('wuhan', 'p-wang'))!.devices, [], 'a deleted device is carried by no one');
  });

  t.test(`${kind}: the registry file as an import: all of it or none of it`, async (t) => {
    const r = await repo(t);
    await r.putDevice('wuhan/wuchang', car('13800000009', 'wuhan/wuchang'));
    const devices = [car('13800000001', 'wuhan/jianghan', { plate: '鄂A1' }), car('13800000002', 'wuhan/jianghan', { category: 'bodycam', officer: '李' })];
    const resources = [{ id: 'cam-17', kind: 'fixedcam', org: 'wuhan/jianghan', lat: 30.58, lng: 114.27, name: 'Jianghan Rd north' }];
    t.same(await r.importRegistry('wuhan/jianghan', [...devices, car('13800000003', 'wuhan/wuchang')], resources), { refused: 'out-of-scope', rows: [2] });
    t.same(await r.importRegistry('wuhan/jianghan', [...devices, car('13800000009', 'wuhan/jianghan')], resources), { refused: 'out-of-scope', rows: [2] }, "a terminal of another scope's is not taken over");
    t.same((await r.snapshot()).devices.map((d) => d.terminal), ['13800000009'], 'nothing of a refused import was kept');
    t.same(await r.importRegistry('wuhan/jianghan', devices, resources), { devices: 2, resources: 1 });
    const snap = await r.snapshot();
    t.same(snap.devices, [...devices, car('13800000009', 'wuhan/wuchang')]);
    t.same(snap.resources, resources);
  });
}
