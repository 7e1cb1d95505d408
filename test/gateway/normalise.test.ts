/** Position building, invalid-fix flags, H3 cells, alarm edges, and the published schemas. */
import { readFileSync } from 'node:fs';
import { cellToParent, getResolution, latLngToCell } from 'h3-js';
import t from 'tap';
import { Metrics } from '../../gateway/metrics.js';
import { AlarmTracker } from '../../gateway/normalise/alarms.js';
import { locationEvents } from '../../gateway/normalise/index.js';
import { invalidReason, toPosition } from '../../gateway/normalise/position.js';
import type { LocationLike } from '../../gateway/normalise/position.js';
import type { Device } from '../../gateway/registry/devices.js';
import { SCHEMAS, schemaText } from '../../events/schemas/write.js';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { AlarmSchema, PositionSchema } from '../../events/model.js';

FormatRegistry.Set('date-time', (v) => !Number.isNaN(Date.parse(v)));

const options = { resolution: 9, parents: [7, 5], maxFutureMs: 600_000 };
const device: Device = { terminal: '13912345678', category: 'vehicle', org: 'wuhan/jianghan/squad-3', plate: '鄂A12345' };
const now = Date.parse('2026-03-01T08:00:00Z');

function loc(over: Partial<LocationLike> = {}): LocationLike {
  return { alarm: 0, status: 0x3, lat: 30.583, lng: 114.271, altitude: 23, speed: 36.5, heading: 90, time: '2026-03-01T07:59:50.000Z', alarms: [], flags: ['acc', 'fix'], extras: { mileageKm: 1234.5 }, ...over };
}

t.test('a good fix', async (t) => {
  const { position, invalid } = toPosition(loc(), device, now, false, options);
  t.equal(invalid, undefined);
  t.same(Object.keys(position).sort(), ['alarm', 'alarms', 'altitude', 'backfill', 'category', 'extras', 'flags', 'h3', 'h3Parents', 'heading', 'lat', 'lng', 'org', 'receivedAt', 'speed', 'status', 'terminal', 'time', 'valid'].sort(), 'exactly the published fields');
  t.equal(position.valid, true);
  t.equal(position.category, 'vehicle');
  t.equal(position.org, 'wuhan/jianghan/squad-3');
  t.equal(position.receivedAt, '2026-03-01T08:00:00.000Z');
  const cell = latLngToCell(30.583, 114.271, 9);
  t.equal(position.h3, cell);
  t.equal(getResolution(position.h3!), 9);
  t.same(position.h3Parents, { 7: cellToParent(cell, 7), 5: cellToParent(cell, 5) });
  t.same(position.extras, { mileageKm: 1234.5 });
  t.ok(Value.Check(PositionSchema, position), 'valid against the published Position schema');
  t.ok(Value.Check(PositionSchema, toPosition(loc({ status: 0 }), device, now, false, options).position), 'an invalid fix too');
});

t.test('invalid fixes are flagged and get no cell', async (t) => {
  const cases: [string, Partial<LocationLike>, string][] = [
    ['no fix bit', { status: 0x1 }, 'no-fix'],
    ['latitude over 90', { lat: 91 }, 'out-of-range'],
    ['longitude under -180', { lng: -180.5 }, 'out-of-range'],
    ['0,0', { lat: 0, lng: 0 }, 'zero'],
    ['an hour ahead', { time: '2026-03-01T09:00:00.000Z' }, 'future'],
  ];
  for (const [what, over, reason] of cases) {
    t.equal(invalidReason(loc(over), now, options.maxFutureMs), reason, what);
    const { position } = toPosition(loc(over), device, now, false, options);
    t.equal(position.valid, false, `${what}: valid false`);
    t.equal(position.h3, null, `${what}: no cell`);
  }
  t.equal(invalidReason(loc({ time: null }), now, options.maxFutureMs), undefined, 'a missing time alone does not void the fix');
  t.equal(invalidReason(loc({ lat: -33.9, lng: -70.6 }), now, options.maxFutureMs), undefined, 'south and west are fine');
});

t.test('the future limit: exactly maxFutureMs ahead is fine, a millisecond more is not, in any ISO form', async (t) => {
  // now = 08:00:00Z, maxFutureMs = 10 min
  const at = (time: string) => invalidReason(loc({ time }), now, options.maxFutureMs);
  t.equal(at('2026-03-01T08:10:00.000Z'), undefined, 'the limit itself');
  t.equal(at('2026-03-01T08:10:00.001Z'), 'future', 'one ms past it');
  t.equal(at('2026-03-01T08:09:59.999Z'), undefined);
  t.equal(at('2026-03-01T08:10:00Z'), undefined, 'without milliseconds: the limit itself');
  t.equal(at('2026-03-01T08:10:01Z'), 'future', 'without milliseconds: a second past');
  t.equal(at('2026-03-01T16:10:00+08:00'), undefined, 'with an offset: the limit itself');
  t.equal(at('2026-03-01T16:10:01+08:00'), 'future', 'with an offset: a second past');
  t.equal(at('2025-12-31T23:59:59.000Z'), undefined, 'the past');
  t.equal(at('2027-01-01T00:00:00.000Z'), 'future', 'next year');
});

t.test('alarm edges', async (t) => {
  const tracker = new AlarmTracker();
  const metrics = new Metrics();
  const ctx = { options, alarms: tracker, metrics };
  const first = locationEvents([loc({ alarm: 0x80000001, alarms: ['sos', 'illegalDoorOpen'] })], device, false, ctx, now);
  t.same(
    first.filter((e) => e.kind === 'alarm').map((e) => e.kind === 'alarm' && [e.alarm.alarm, e.alarm.bit, e.alarm.state]),
    [
      ['sos', 0, 'start'],
      ['illegalDoorOpen', 31, 'start'],
    ],
    'two rising bits, including the high bit of the DWORD',
  );
  for (const e of first) if (e.kind === 'alarm') t.ok(Value.Check(AlarmSchema, e.alarm), 'schema-valid alarm');
  const backfill = locationEvents([loc({ alarm: 0 })], device, true, ctx, now);
  t.same(backfill.map((e) => e.kind), ['position'], 'backfill never moves alarm state');
  const second = locationEvents([loc({ alarm: 0x80000000, alarms: ['illegalDoorOpen'] })], device, false, ctx, now);
  const alarms = second.filter((e) => e.kind === 'alarm');
  t.equal(alarms.length, 1);
  t.same(alarms[0]!.kind === 'alarm' && [alarms[0]!.alarm.alarm, alarms[0]!.alarm.state], ['sos', 'end'], 'falling edge named from the previous report');
  t.equal(locationEvents([loc({ alarm: 0x80000000, alarms: ['illegalDoorOpen'] })], device, false, ctx, now).length, 1, 'no edge, no alarm');
});

t.test('a T/JSATL12 ADAS item becomes an Alarm with its own fix', async (t) => {
  const ctx = { options, alarms: new AlarmTracker(), metrics: new Metrics() };
  const adas = { alarmId: 7, flag: 1, type: 1, level: 2, frontSpeed: 40, distance: 12, departureType: 0, roadSignType: 0, roadSignData: 0, speed: 42, altitude: 20, lat: 30.6, lng: 114.3, time: '2026-03-01T07:59:40.000Z', vehicleStatus: 1, identifier: { terminalId: 'T000001', time: '2026-03-01T07:59:40.000Z', seq: 0, attachments: 1, reserved: 0 } };
  const events = locationEvents([loc({ extras: { adas } })], device, false, ctx, now);
  const alarm = events.find((e) => e.kind === 'alarm');
  t.ok(alarm && alarm.kind === 'alarm');
  if (alarm?.kind !== 'alarm') return;
  t.same([alarm.alarm.source, alarm.alarm.alarm, alarm.alarm.type, alarm.alarm.bit, alarm.alarm.state], ['adas', 'adas.forwardCollision', 1, null, 'start']);
  t.equal(alarm.alarm.position.lat, 30.6, "the alarm's own fix");
  t.equal(alarm.alarm.position.time, '2026-03-01T07:59:40.000Z');
  t.equal(alarm.alarm.position.valid, true);
  t.ok(Value.Check(AlarmSchema, alarm.alarm), 'valid against the published Alarm schema');
  const backfill = locationEvents([loc({ extras: { adas } })], device, true, ctx, now);
  t.equal(backfill.filter((e) => e.kind === 'alarm').length, 0, 'not from backfill');
});

t.test('published JSON Schemas match the TypeBox definitions', async (t) => {
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    t.equal(readFileSync(new URL(`../../events/schemas/${name}`, import.meta.url), 'utf8'), schemaText(schema), `${name} is current (regenerate: npx tsx events/schemas/write.ts)`);
  }
});
