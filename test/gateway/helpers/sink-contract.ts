/**
 * The EventSink contract, as a test suite every sink runs (aedes-persistence's abstract.js
 * model): the in-memory ones here, and later Kafka, external MQTT and InfluxDB against their
 * real servers. A harness gives the sink and a way to read back what reached its far side.
 */
import type { Test } from 'tap';
import type { GatewayEvent, Position } from '../../../events/model.js';
import type { EventSink } from '../../../events/sink.js';

export interface SinkHarness {
  sink: EventSink;
  /** Positions that reached the far side, in arrival order, once at least `n` have. */
  positions(n: number): Promise<Position[]>;
  teardown?(): Promise<void>;
}

export function position(terminal: string, i: number): Position {
  return {
    terminal,
    category: 'vehicle',
    org: 'wuhan/test',
    time: new Date(Date.UTC(2026, 2, 1, 8, 0, i)).toISOString(),
    receivedAt: new Date(Date.UTC(2026, 2, 1, 8, 0, i)).toISOString(),
    lat: 30 + i / 1000,
    lng: 114,
    speed: i,
    heading: 0,
    altitude: 0,
    alarm: 0,
    status: 3,
    alarms: [],
    flags: ['acc', 'fix'],
    extras: {},
    h3: null,
    h3Parents: {},
    valid: true,
    backfill: false,
  };
}

export function sinkContract(t: Test, name: string, make: () => Promise<SinkHarness>): void {
  t.test(`${name}: EventSink contract`, async (t) => {
    const h = await make();
    t.teardown(async () => {
      await h.sink.close();
      await h.teardown?.();
    });
    t.type(h.sink.name, 'string');
    await h.sink.publish([]);
    t.pass('an empty batch resolves');

    const batch: GatewayEvent[] = Array.from({ length: 50 }, (_, i) => ({ kind: 'position', position: position('13912345678', i) }));
    await h.sink.publish(batch.slice(0, 25));
    await h.sink.publish(batch.slice(25));
    const got = await h.positions(50);
    const mine = got.filter((p) => p.terminal === '13912345678');
    t.equal(mine.length, 50, 'every event arrives once publish resolved');
    t.same(
      mine.map((p) => p.speed),
      batch.map((e) => (e.kind === 'position' ? e.position.speed : -1)),
      'in order, per terminal',
    );
  });
}
