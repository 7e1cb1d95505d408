/**
 * A clean durable start logs no warning and no error (against a real Apache Kafka 3.9 from
 * scripts/kafka.sh, its own broker on 19892). A broker just started answers the first
 * InitProducerId with COORDINATOR_LOAD_IN_PROGRESS (error 14: KRaft brokers fetch their block of
 * producer ids from the controller on first use) and kafkajs retries it: that is debug while
 * starting. kafkajs' caution about the bounded retries of an idempotent producer is said at
 * info. A broker that is not there is still an error.
 */
import { pino } from 'pino';
import type { Logger } from 'pino';
import t from 'tap';
import { startServer } from '../../server/server.js';
import { validate } from '../../server/config.js';
import { KafkaSink, KafkaStartError } from '../../sinks/kafka.js';
import { testConfig } from '../gateway/helpers/server.js';
import { kafka } from './helpers/servers.js';

// the first run on a machine installs the servers (Maven jars): allow for it
t.setTimeout(20 * 60_000);

const broker = await kafka(t, 19892);

interface Line {
  level: number;
  msg: string;
  sink?: string;
  namespace?: string;
  kafka?: { error?: string };
}

function capture(): { log: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) });
  return { log, lines };
}

const above = (lines: Line[], level: number) => lines.filter((l) => l.level >= level).map((l) => `${l.level} ${l.namespace ?? ''} ${l.msg} ${l.kafka?.error ?? ''}`);

t.test('a durable start on a broker just started: no warning, no error; the retried answer at debug', async (t) => {
  // a broker of its own, restarted: its first producer id is not ready at once
  await broker.stop();
  await broker.start();
  const { log, lines } = capture();
  const tag = `s${Date.now().toString(36)}`;
  const config = { ...testConfig({ delivery: { mode: 'durable' } }), kafka: { ...validate({}).kafka, brokers: broker.url, partitions: 1, topics: { positions: `${tag}.p`, alarms: `${tag}.a`, media: `${tag}.m`, cases: `${tag}.c`, incidents: `${tag}.i`, duty: `${tag}.d`, presence: `${tag}.pr` } } };
  const server = await startServer(config, log);
  t.teardown(() => server.close());
  t.ok(lines.some((l) => l.msg === 'dipper gateway listening'), 'started');

  t.same(above(lines, 40), [], 'no warning or error at start');
  const retried = lines.filter((l) => l.sink === 'kafka' && l.level === 20 && /coordinator is loading/.test(l.kafka?.error ?? ''));
  t.ok(retried.length > 0, "the broker's COORDINATOR_LOAD_IN_PROGRESS was answered and logged at debug");
  const bounded = lines.filter((l) => l.sink === 'kafka' && /Limiting retries for the idempotent producer/.test(l.msg));
  t.same(
    bounded.map((l) => l.level),
    [30],
    "kafkajs' caution about bounded retries, at info",
  );
});

t.test('a broker that is not there: the start fails, and its errors are still errors', async (t) => {
  const { log, lines } = capture();
  const options = { ...validate({}).kafka, brokers: '127.0.0.1:1', retries: 0 };
  await t.rejects(KafkaSink.start(options, log), KafkaStartError);
  t.ok(
    lines.some((l) => l.sink === 'kafka' && l.level === 50 && /ECONNREFUSED/.test(JSON.stringify(l))),
    'the refused connection is an error',
  );
});
