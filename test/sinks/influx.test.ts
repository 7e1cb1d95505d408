/**
 * The InfluxDB sink against a real InfluxDB 1.8.10 (scripts/influx.sh, its own server on 18096):
 * the EventSink contract, every point read back with Flux tag by tag and field by field, the
 * track store reading it, InfluxDB down (bounded backlog, oldest dropped and counted, then
 * recovery), and clear start-up errors.
 */
import { latLngToCell } from 'h3-js';
import t from 'tap';
import { ConfigError, validate } from '../../server/config.js';
import type { GatewayEvent, Position } from '../../events/model.js';
import { BacklogSink } from '../../sinks/backlog.js';
import { InfluxSink } from '../../sinks/influx.js';
import { InfluxTrackStore } from '../../map/tracks/influx.js';
import { position, sinkContract } from '../gateway/helpers/sink-contract.js';
import { createDatabase, rows, waitRows } from './helpers/influx-reader.js';
import { influx } from './helpers/servers.js';

// the first run on a machine installs the servers (Maven jars, go install): allow for it
t.setTimeout(20 * 60_000);

const server = await influx(t, 18096);
let run = 0;
async function options(over: Partial<ReturnType<typeof validate>['influx']> = {}) {
  const bucket = `t${Date.now().toString(36)}${run++}`;
  await createDatabase(server.url, bucket);
  return { ...validate({}).influx, url: server.url, bucket, flushMs: 20, ...over };
}

sinkContract(t, 'InfluxSink', async () => {
  const o = await options();
  const sink = await InfluxSink.start(o);
  return { sink, positions: async (n) => (await waitRows(server.url, o.bucket, 'position', n)).map((r) => ({ terminal: r.terminal, speed: r.speed }) as Position) };
});

t.test('one measurement per kind; tags and fields read back with Flux; device time', async (t) => {
  const o = await options();
  const sink = await InfluxSink.start(o);
  t.teardown(() => sink.close());
  const p: Position = { ...position('13600000001', 5), lat: 30.583, lng: 114.271, speed: 36.5, heading: 90, altitude: 23, alarm: 2, status: 3, extras: { mileageKm: 75.7, fuelL: 12, note: 'x', unknown: { '0xe1': 'ab' } }, h3: '8940d1c4e8fffff', h3Parents: { '7': '8740d1c4effffff', '5': '8540d1c7fffffff' } };
  const events: GatewayEvent[] = [
    { kind: 'position', position: p },
    { kind: 'alarm', alarm: { terminal: p.terminal, category: p.category, org: p.org, source: 'alarmWord', alarm: 'overspeed', bit: 1, type: null, state: 'start', time: p.time, position: p } },
    { kind: 'media', media: { terminal: p.terminal, category: 'bodycam', org: p.org, mediaId: 9, type: 0, format: 0, event: 1, channel: 2, path: 'm/9.jpg', bytes: 4096, sha256: 'a'.repeat(64), receivedAt: '2026-03-01T08:10:00.000Z', position: null } },
    { kind: 'case', case: { id: 'c-1', type: 'theft', status: 'open', location: { lat: 30.5, lng: 114.3 }, time: '2026-03-01T07:00:00.000Z', org: 'wuhan/test', createdAt: '2026-03-01T07:01:00.000Z', updatedAt: '2026-03-01T07:01:00.000Z' } },
  ];
  await sink.publish(events);
  t.equal(sink.written, 4, 'writeSuccess saw the four points');
  const located = { lat: 30.583, lng: 114.271, speed: 36.5, heading: 90, altitude: 23, alarm: 2, status: 3, valid: true, backfill: false, mileageKm: 75.7, fuelL: 12 };
  const identity = { terminal: '13600000001', category: 'vehicle', org: 'wuhan/test', h3: '8540d1c7fffffff' };
  t.same(await rows(server.url, o.bucket, 'position'), [{ _time: Date.parse(p.time!), _measurement: 'position', ...identity, ...located }], 'position: tags terminal/category/org/coarse h3, numeric fields only, device time');
  t.same(await rows(server.url, o.bucket, 'alarm'), [{ _time: Date.parse(p.time!), _measurement: 'alarm', ...identity, name: 'overspeed', source: 'alarmWord', state: 'start', ...located }], 'alarm: the fix that raised it, plus name/source/state tags');
  t.same(await rows(server.url, o.bucket, 'media'), [{ _time: Date.parse('2026-03-01T08:10:00Z'), _measurement: 'media', terminal: '13600000001', category: 'bodycam', org: 'wuhan/test', mediaId: 9, type: 0, format: 0, event: 1, channel: 2, bytes: 4096 }], 'media');
  t.same(await rows(server.url, o.bucket, 'case'), [{ _time: Date.parse('2026-03-01T07:00:00Z'), _measurement: 'case', id: 'c-1', type: 'theft', status: 'open', org: 'wuhan/test', h3: latLngToCell(30.5, 114.3, 5), lat: 30.5, lng: 114.3 }], 'case');
});

t.test('track store: history for one terminal between two times, valid fixes only, in order', async (t) => {
  const o = await options();
  const sink = await InfluxSink.start(o);
  t.teardown(() => sink.close());
  const events: GatewayEvent[] = [];
  for (let i = 0; i < 30; i++) events.push({ kind: 'position', position: { ...position('13600000002', i), valid: i !== 7 } }, { kind: 'position', position: position('13600000003', i) });
  await sink.publish(events.reverse());
  const store = new InfluxTrackStore(o);
  const from = Date.UTC(2026, 2, 1, 8, 0, 5);
  const to = Date.UTC(2026, 2, 1, 8, 0, 10);
  const track = await store.track('13600000002', from, to);
  t.same(track.map((p) => p.t), [5, 6, 8, 9, 10].map((s) => Date.UTC(2026, 2, 1, 8, 0, s)), 'seconds 5..10 inclusive, without the invalid fix at 7');
  t.same(track[0], { t: from, lat: 30.005, lng: 114, speed: 5, heading: 0 });
  t.same(await store.track('13600000009', from, to), [], 'an unknown terminal has no track');
});

t.test('InfluxDB down: bounded backlog (oldest dropped, counted), then recovery', async (t) => {
  const o = await options();
  const inner = await InfluxSink.start(o);
  const sink = new BacklogSink(inner, { limit: 100, batch: 50, firstRetryMs: 100, maxRetryMs: 500 });
  t.teardown(() => sink.close());
  const batch = (from: number, n: number): GatewayEvent[] => Array.from({ length: n }, (_, i) => ({ kind: 'position', position: position('13600000004', from + i) }));
  await sink.publish(batch(0, 10));
  await sink.drained();
  await server.stop();
  for (let i = 0; i < 15; i++) await sink.publish(batch(10 + i * 10, 10));
  await new Promise((r) => setTimeout(r, 300));
  t.equal(sink.size, 100, 'the backlog holds its limit while InfluxDB is down');
  t.equal(sink.dropped, 50, 'the 50 oldest were dropped and counted');
  await server.start();
  await sink.drained();
  const got = await waitRows(server.url, o.bucket, 'position', 110);
  t.same(got.map((r) => r.speed), [...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 100 }, (_, i) => 60 + i)], 'before the outage, and the newest 100 after it');
});

t.test('misconfiguration: clear errors', async (t) => {
  await t.rejects(InfluxSink.start({ ...(await options()), url: 'http://127.0.0.1:1' }), /influx: cannot reach http:\/\/127\.0\.0\.1:1: /);
  t.throws(() => validate({ influx: { url: 'influx:8086' } }), new ConfigError('invalid configuration: influx.url: "influx:8086" is not an http(s):// URL'));
  const sink = await InfluxSink.start({ ...(await options()), bucket: 'no-such-database' });
  t.teardown(() => sink.close());
  await t.rejects(sink.publish([{ kind: 'position', position: position('1', 1) }]), /database not found/, 'a missing bucket is the server\'s own words');
});
