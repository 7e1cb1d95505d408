/** MQTT topic names: the documented layout, made once per terminal, following a category change. */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { topicOf } from '../../sinks/mqtt-topics.js';
import type { GatewayEvent } from '../../events/model.js';
import { position } from '../gateway/helpers/sink-contract.js';

t.test('topics per kind, and which are retained', async (t) => {
  const p = { ...position('13600000011', 1), category: 'vehicle' as const };
  t.same(topicOf('dipper', { kind: 'position', position: p }), { topic: 'dipper/vehicle/13600000011/position', retain: true });
  t.same(topicOf('dipper', { kind: 'position', position: { ...p, backfill: true } }), { topic: 'dipper/vehicle/13600000011/position', retain: false }, 'backfill not retained');
  t.same(topicOf('dipper', { kind: 'position', position: { ...p, valid: false } }).retain, false, 'invalid fix not retained');
  const alarm = { kind: 'alarm', alarm: { terminal: p.terminal, category: p.category, org: p.org, source: 'alarmWord', alarm: 'sos', bit: 0, type: null, state: 'start', time: p.time, position: p } } as GatewayEvent;
  t.same(topicOf('dipper', alarm), { topic: 'dipper/vehicle/13600000011/alarm', retain: false });
  const c = { kind: 'case', case: { id: 'c-1' } } as unknown as GatewayEvent;
  t.same(topicOf('dipper', c), { topic: 'dipper/cases/c-1', retain: true });
});

t.test('the same string each time; a new one when the category or prefix changes', async (t) => {
  const p = { ...position('13600000012', 1), category: 'bodycam' as const };
  const a = topicOf('dipper', { kind: 'position', position: p }).topic;
  const b = topicOf('dipper', { kind: 'position', position: { ...p, lat: p.lat + 0.01 } }).topic;
  t.equal(a, b);
  t.equal(topicOf('dipper', { kind: 'position', position: { ...p, category: 'handheld' } }).topic, 'dipper/handheld/13600000012/position', 'recategorised');
  t.equal(topicOf('other', { kind: 'position', position: p }).topic, 'other/bodycam/13600000012/position', 'another prefix');
  t.equal(topicOf('dipper', { kind: 'position', position: p }).topic, 'dipper/bodycam/13600000012/position', 'and back');
});

t.test("sinks/README.md's MQTT topic table lists every topic an event goes to", async (t) => {
  const readme = readFileSync(new URL('../../sinks/README.md', import.meta.url), 'utf8');
  const table = readme.slice(readme.indexOf('## MQTT topics'), readme.indexOf('## Kafka topics'));
  const listed = new Set([...table.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!));
  const p = { ...position('13600000013', 1), category: 'vehicle' as const };
  const events: GatewayEvent[] = [
    { kind: 'position', position: p },
    { kind: 'alarm', alarm: { terminal: p.terminal, category: p.category, org: p.org, source: 'alarmWord', alarm: 'sos', bit: 0, type: null, state: 'start', time: p.time, position: p } } as GatewayEvent,
    { kind: 'media', media: { terminal: p.terminal, category: p.category, org: p.org } } as unknown as GatewayEvent,
    { kind: 'case', case: { id: 'c-9' } } as unknown as GatewayEvent,
    { kind: 'incident', incident: { id: 'i-9', terminal: p.terminal } } as unknown as GatewayEvent,
  ];
  for (const e of events) {
    const generic = topicOf('dipper', e).topic.replace('/vehicle/', '/{category}/').replace('/13600000013/', '/{terminal}/').replace('/c-9', '/{id}').replace('/i-9', '/{id}');
    t.ok(listed.has(generic), `${generic} (${e.kind}) is in the table`);
  }
});
