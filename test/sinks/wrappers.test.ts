/**
 * The delivery wrappers and the batcher, over an in-process sink whose availability the test
 * switches: RequiredSink holds a batch until the sink takes it (and gives up on shutdown or
 * a permanent refusal), BacklogSink acknowledges at once behind a bounded backlog, Batcher
 * groups by linger and size. The same wrappers run against the real servers in the other files.
 */
import { Registry } from 'prom-client';
import t from 'tap';
import type { GatewayEvent } from '../../events/model.js';
import { BacklogSink } from '../../sinks/backlog.js';
import { Batcher } from '../../sinks/batcher.js';
import { isDurable } from '../../sinks/external.js';
import { SinkMetrics } from '../../sinks/metrics.js';
import { RequiredSink } from '../../sinks/required.js';
import type { EventSink } from '../../events/sink.js';
import { validate } from '../../server/config.js';
import { position } from '../gateway/helpers/sink-contract.js';

class Switchable implements EventSink {
  readonly name = 'switchable';
  up = true;
  error: Error = new Error('down');
  readonly got: GatewayEvent[] = [];
  attempts = 0;
  closed = false;
  async publish(events: readonly GatewayEvent[]): Promise<void> {
    this.attempts++;
    await new Promise((r) => setImmediate(r));
    if (!this.up) throw this.error;
    this.got.push(...events);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

const ev = (i: number): GatewayEvent => ({ kind: 'position', position: position('1', i) });
const speeds = (s: Switchable) => s.got.map((e) => (e.kind === 'position' ? e.position.speed : -1));
const value = async (m: SinkMetrics, name: 'held' | 'backlog' | 'retries' | 'dropped') => (await m[name].get()).values.find((v) => v.labels.sink === 'switchable')?.value ?? 0;

t.test('RequiredSink: resolves only once the sink took the batch, retrying with backoff', async (t) => {
  const inner = new Switchable();
  const metrics = new SinkMetrics(new Registry());
  const errors: number[] = [];
  const sink = new RequiredSink(inner, { firstMs: 5, maxMs: 20, onError: (_e, attempt) => errors.push(attempt) }, metrics);
  await sink.publish([]);
  inner.up = false;
  let done = false;
  const p = sink.publish([ev(1), ev(2)]).then(() => (done = true));
  await new Promise((r) => setTimeout(r, 60));
  t.notOk(done, 'not resolved while the sink is down');
  t.equal(await value(metrics, 'held'), 2, 'held events shown');
  inner.up = true;
  await p;
  t.same(speeds(inner), [1, 2]);
  t.ok(errors.length >= 2 && errors[1] === 2, 'each failed attempt reported');
  t.equal(await value(metrics, 'held'), 0, 'nothing held once through');
  t.ok((await value(metrics, 'retries')) >= 2);
});

t.test('RequiredSink: a permanent refusal fails at once; abandon() ends the wait and fails later batches fast', async (t) => {
  const inner = new Switchable();
  const sink = new RequiredSink(inner, { firstMs: 10_000, maxMs: 10_000 });
  inner.up = false;
  inner.error = Object.assign(new Error('bad request'), { statusCode: 400 });
  await t.rejects(sink.publish([ev(1)]), /bad request/, '4xx: no retry');
  t.equal(inner.attempts, 1);
  inner.error = new Error('connection refused');
  const waiting = sink.publish([ev(2)]);
  await new Promise((r) => setTimeout(r, 20));
  sink.abandon();
  await t.rejects(waiting, /connection refused/, 'the held batch fails on shutdown (answered result 1)');
  const attempts = inner.attempts;
  await t.rejects(sink.publish([ev(3)]), /connection refused/, 'later batches fail without waiting');
  t.equal(inner.attempts, attempts, 'without another attempt');
  await sink.close();
  t.ok(inner.closed);
});

t.test('BacklogSink: acknowledges at once, delivers in order, bounded while down, recovers', async (t) => {
  const inner = new Switchable();
  const metrics = new SinkMetrics(new Registry());
  const errors: unknown[] = [];
  const sink = new BacklogSink(inner, { limit: 5, batch: 2, firstRetryMs: 5, maxRetryMs: 20, onError: (e) => errors.push(e) }, metrics);
  await sink.publish([ev(0), ev(1), ev(2)]);
  await sink.drained();
  t.same(speeds(inner), [0, 1, 2], 'in order, in batches of 2');
  inner.up = false;
  await sink.publish([ev(3), ev(4), ev(5)]);
  await sink.publish([ev(6), ev(7), ev(8), ev(9)]);
  await new Promise((r) => setTimeout(r, 30));
  t.equal(sink.size, 5, 'at most `limit` held');
  t.equal(sink.dropped, 2, 'the oldest dropped');
  t.equal(await value(metrics, 'backlog'), 5);
  t.equal(await value(metrics, 'dropped'), 2);
  t.ok(errors.length > 0, 'failures reported');
  inner.up = true;
  await sink.drained();
  // the batch in flight when the drops happened (3,4) is delivered when the sink returns
  t.same(speeds(inner).slice(0, 3), [0, 1, 2]);
  t.same(speeds(inner).slice(3).filter((s) => s >= 5), [5, 6, 7, 8, 9], 'the newest arrive, in order, after recovery');
  t.equal(sink.size, 0);
  // a batch refused for good is dropped, not retried forever
  inner.up = false;
  inner.error = Object.assign(new Error('unprocessable'), { statusCode: 422 });
  await sink.publish([ev(10)]);
  await sink.drained();
  t.equal(sink.dropped, 3, 'refused batch counted as dropped');
  await sink.close();
  await t.rejects(sink.publish([ev(11)]), /closed/);
});

t.test('BacklogSink: close() gives a dead sink a grace period, then gives up', async (t) => {
  const inner = new Switchable();
  inner.up = false;
  const sink = new BacklogSink(inner, { limit: 10, batch: 10, firstRetryMs: 5, maxRetryMs: 5 });
  await sink.publish([ev(1)]);
  const started = Date.now();
  await sink.close(50);
  t.ok(Date.now() - started < 2000, 'closed after the grace period');
  t.ok(inner.closed);
});

t.test('Batcher: linger and size, one send at a time, failures reach their callers', async (t) => {
  const sent: number[][] = [];
  let fail = false;
  const b = new Batcher<number>(
    async (items) => {
      if (fail) throw new Error('nope');
      sent.push(items);
    },
    4,
    20,
  );
  await Promise.all([b.add([1]), b.add([2, 3])]);
  t.same(sent, [[1, 2, 3]], 'publishes within the linger go out together');
  await Promise.all([b.add([4, 5, 6]), b.add([7, 8]), b.add([9])]);
  t.same(sent.slice(1), [[4, 5, 6], [7, 8, 9]], 'size bounds a request; order kept');
  fail = true;
  await t.rejects(b.add([10]), /nope/);
  fail = false;
  await b.flush();
  const zero = new Batcher<number>(async (items) => void sent.push(items), 100, 0);
  await zero.add([11]);
  t.same(sent.at(-1), [11], 'linger 0 sends at once');
});

t.test('delivery mode: durable by default with Kafka, fast without, or as set', async (t) => {
  t.equal(isDurable(validate({})), false);
  t.equal(isDurable(validate({ kafka: { brokers: '127.0.0.1:9092' } })), true);
  t.equal(isDurable(validate({ kafka: { brokers: '127.0.0.1:9092' }, delivery: { mode: 'fast' } })), false);
  t.equal(isDurable(validate({ delivery: { mode: 'durable' } })), true);
});
