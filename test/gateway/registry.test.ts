/** Device registry: JSON and CSV, static resources, reload on change, the unknown-terminal policy end to end. */
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { silentLogger } from '../../gateway/log.js';
import { terminalId } from '../../events/commands.js';
import { DeviceRegistry, parseCsv, parseRegistry } from '../../gateway/registry/devices.js';
import { startTestServer } from './helpers/server.js';
import { TestTerminal, locationBody } from './helpers/terminal.js';

const CSV = `type,id,category,org,plate,officer,lat,lng,name
terminal,013912345678,vehicle,wuhan/jianghan/squad-3,鄂A12345,,,,
terminal,13800000001,bodycam,wuhan/jianghan/squad-3,,"Li, Wei",,,
resource,cam-17,fixedcam,wuhan/jianghan,,,30.58,114.27,"Jianghan Rd ""north"""
`;

t.test('parse CSV and JSON', async (t) => {
  t.same(parseCsv('a,"b,c",d\n\n# comment\n1,"say ""hi""",3'), [['a', 'b,c', 'd'], ['1', 'say "hi"', '3']]);
  const csv = parseRegistry(CSV, 'csv');
  t.same(csv.devices.get('13912345678'), { terminal: '13912345678', category: 'vehicle', org: 'wuhan/jianghan/squad-3', plate: '鄂A12345' }, 'leading zeros dropped');
  t.same(csv.devices.get('13800000001'), { terminal: '13800000001', category: 'bodycam', org: 'wuhan/jianghan/squad-3', officer: 'Li, Wei' });
  t.same(csv.resources, [{ id: 'cam-17', kind: 'fixedcam', org: 'wuhan/jianghan', lat: 30.58, lng: 114.27, name: 'Jianghan Rd "north"' }]);

  const json = parseRegistry(JSON.stringify({ terminals: [{ terminal: '13700000001', category: 'handheld', org: 'wuhan', officer: 'Wang' }], resources: [{ id: 'post-1', kind: 'post', org: 'wuhan', lat: 30.5, lng: 114.3 }] }), 'json');
  t.equal(json.devices.get('13700000001')?.category, 'handheld');
  t.equal(json.resources[0]?.kind, 'post');

  t.throws(() => parseRegistry('type,id,category\nterminal,123,spaceship', 'csv'), /line 2: category "spaceship"/);
  t.throws(() => parseRegistry(JSON.stringify({ terminals: [{ terminal: 'xyz' }] }), 'json'), /terminals\[0\]: terminal "xyz"/);
  t.throws(() => parseRegistry(JSON.stringify({ resources: [{ id: 'x', lat: 95, lng: 0 }] }), 'json'), /bad coordinates/);
  t.equal(terminalId('00000000013912345678'), '13912345678');
  t.equal(terminalId('000000000000'), '0');
  t.equal(terminalId('004E5DE66FBA22'), '4e5de66fba22', 'hex IDs some devices put in the phone field');
});

t.test('reload keeps the old registry when the new file is bad', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'dipper-reg-')), 'devices.csv');
  writeFileSync(file, CSV);
  const reg = new DeviceRegistry(file, silentLogger()).start();
  t.teardown(() => reg.close());
  t.equal(reg.size, 2);
  writeFileSync(file, `${CSV}terminal,13600000001,handheld,wuhan,,,,,\n`);
  t.equal(reg.reload(), true);
  t.equal(reg.lookup('13600000001')?.category, 'handheld');
  writeFileSync(file, 'type,id,category\nterminal,1,nonsense\n');
  t.equal(reg.reload(), false, 'refused');
  t.equal(reg.size, 3, 'previous registry still in force');
});

t.test('an edit saved by rename is picked up by the watcher', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dipper-reg-'));
  const file = join(dir, 'devices.json');
  writeFileSync(file, JSON.stringify({ terminals: [] }));
  const reg = new DeviceRegistry(file, silentLogger()).start();
  t.teardown(() => reg.close());
  t.equal(reg.size, 0);
  writeFileSync(join(dir, 'tmp.json'), JSON.stringify({ terminals: [{ terminal: '13500000001', category: 'bodycam', org: 'wuhan' }] }));
  renameSync(join(dir, 'tmp.json'), file);
  while (!reg.lookup('13500000001')) await new Promise((r) => setTimeout(r, 20));
  t.equal(reg.lookup('13500000001')?.category, 'bodycam', 'reloaded');
  writeFileSync(file, JSON.stringify({ terminals: [{ terminal: '13500000002', category: 'handheld', org: 'wuhan' }] }));
  while (!reg.lookup('13500000002')) await new Promise((r) => setTimeout(r, 20));
  t.pass('and still watched after the rename');
});

t.test('the registry names the terminal in published positions; unknown terminals refused when so configured', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'dipper-reg-')), 'devices.csv');
  writeFileSync(file, CSV);
  const server = await startTestServer(t, { devices: file, auth: { unknownTerminals: 'refuse' } });
  const known = await TestTerminal.tcp(server.ports.jt808);
  t.teardown(() => known.close());
  // the plate the registry has for it: a registry plate must match (0x8100 result 2 otherwise)
  await known.login({ plate: '鄂A12345' });
  await known.ackOf(known.send(0x0200, locationBody()));
  const p = server.map.index.position('13912345678');
  t.equal(p?.category, 'vehicle');
  t.equal(p?.org, 'wuhan/jianghan/squad-3');

  const stranger = await TestTerminal.tcp(server.ports.jt808, { phone: '015500000000' });
  t.teardown(() => stranger.close());
  t.equal((await stranger.register()).result, 4, 'unknown terminal refused');

  const res = await fetch(`http://127.0.0.1:${server.ports.http}/api/live`);
  const live = (await res.json()) as { positions: unknown[]; resources: { id: string }[] };
  t.equal(live.positions.length, 1);
  t.same(
    live.resources.map((r) => r.id),
    ['cam-17'],
    'static resources stand beside the live terminals',
  );
});
