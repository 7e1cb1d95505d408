/**
 * Kafka sink (kafkajs). One topic per event kind (config `kafka.topics`), key = terminal id (case id
 * for cases) so a terminal's events share a partition and keep their order, value = the event's published
 * JSON, header `dedup` = the redelivery key (records.ts). The producer is idempotent, waits
 * for all in-sync replicas (acks -1), gzips, keeps one request in flight (order), and retries
 * with backoff; publishes within `lingerMs` are sent as one request. Missing topics are created
 * at start with the configured partitions. `publish` resolves once Kafka has acknowledged.
 *
 * kafkajs logs through pino, at the level it chose, except two lines every healthy start had
 * (kafkaLogLevel): a retriable protocol error answered while starting (a fresh KRaft broker
 * answers the first InitProducerId with COORDINATOR_LOAD_IN_PROGRESS until its block of
 * producer ids arrives from the controller; kafkajs retries it) is debug, since a start that
 * succeeds got past it and one that fails throws KafkaStartError with the last error; and
 * kafkajs' caution about bounded retries on an idempotent producer is info: `kafka.retries`
 * bounds them on purpose (see the producer below), so it describes the configuration.
 */
import { CompressionTypes, Kafka, Partitioners, logLevel } from 'kafkajs';
import type { Admin, LogEntry, Message, Producer, TopicMessages } from 'kafkajs';
import { errorCodes } from 'kafkajs/src/protocol/error.js';
import type { SinksConfig } from './settings.js';
import type { Logger } from 'pino';
import type { GatewayEvent } from '../events/model.js';
import { Batcher } from './batcher.js';
import { kafkaBrokers } from './kafka-brokers.js';
import { dedupKey, jsonOf, payloadOf } from '../events/records.js';
import type { EventSink } from '../events/sink.js';

export type KafkaOptions = SinksConfig['kafka'];

export class KafkaStartError extends Error {
  override name = 'KafkaStartError';
}

/** The messages of the protocol errors kafkajs marks retriable (its own table: one source). */
const RETRIABLE = new Set(errorCodes.filter((e) => e.retriable).map((e) => e.message));
/** kafkajs' warning for an idempotent producer whose retries are bounded (kafkajs/src/producer/index.js). */
const BOUNDED_RETRIES = 'Limiting retries for the idempotent producer may invalidate EoS guarantees';

export type KafkaLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The pino level of a kafkajs log line (`logLevel.WARN` and above reach here); `starting` until the producer is connected. */
export function kafkaLogLevel(level: logLevel, log: LogEntry['log'], namespace: string, starting: boolean): KafkaLogLevel {
  if (namespace === 'Producer' && log.message === BOUNDED_RETRIES) return 'info';
  const error = (log as { error?: unknown }).error;
  if (starting && typeof error === 'string' && RETRIABLE.has(error)) return 'debug';
  return level <= logLevel.ERROR ? 'error' : 'warn';
}

export class KafkaSink implements EventSink {
  readonly name = 'kafka';
  private readonly batcher: Batcher<GatewayEvent>;

  private constructor(
    private readonly producer: Producer,
    private readonly options: KafkaOptions,
  ) {
    this.batcher = new Batcher((events) => this.send(events), options.batchSize, options.lingerMs);
  }

  /** `starting()`: whether the client is still starting (its retriable answers are then debug). */
  static client(options: KafkaOptions, log?: Logger, starting: () => boolean = () => false): Kafka {
    const child = log?.child({ sink: 'kafka' });
    return new Kafka({
      clientId: options.clientId,
      brokers: kafkaBrokers(options.brokers),
      connectionTimeout: 3000,
      requestTimeout: options.timeoutMs,
      retry: { retries: options.retries, initialRetryTime: 300, maxRetryTime: 5000 },
      logLevel: logLevel.WARN,
      // kafkajs logs through pino (warnings and errors, but for kafkaLogLevel's two)
      logCreator: () => (entry) => {
        if (!child) return;
        const { message, ...rest } = entry.log;
        child[kafkaLogLevel(entry.level, entry.log, entry.namespace, starting())]({ kafka: rest, namespace: entry.namespace }, message);
      },
    });
  }

  /** Connects, creates missing topics, readies the producer. Throws KafkaStartError naming the brokers. */
  static async start(options: KafkaOptions, log?: Logger): Promise<KafkaSink> {
    let starting = true;
    const kafka = KafkaSink.client(options, log, () => starting);
    const admin = kafka.admin();
    try {
      await admin.connect();
      await ensureTopics(admin, options);
    } catch (e) {
      throw new KafkaStartError(`kafka: cannot prepare topics on ${options.brokers}: ${(e as Error).message}`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // kafkajs' default for an idempotent producer is to retry forever; bound it so a long
      // outage surfaces to RequiredSink/BacklogSink, which retry the batch (same sequence numbers)
      // and can give it up at shutdown. kafkajs warns of this at every start: kafkaLogLevel says it at info
      retry: { retries: options.retries, initialRetryTime: 300, maxRetryTime: 5000 },
    });
    try {
      await producer.connect();
    } catch (e) {
      throw new KafkaStartError(`kafka: cannot connect the producer to ${options.brokers}: ${(e as Error).message}`);
    } finally {
      starting = false;
    }
    return new KafkaSink(producer, options);
  }

  publish(events: readonly GatewayEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return this.batcher.add(events);
  }

  private async send(events: GatewayEvent[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const e of events) {
      const topic = this.topicOf(e);
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push({ key: payloadOf(e).key, value: jsonOf(e), headers: { dedup: dedupKey(e) } });
    }
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    await this.producer.sendBatch({
      topicMessages,
      acks: -1,
      timeout: this.options.timeoutMs,
      compression: this.options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
    });
  }

  private topicOf(event: GatewayEvent): string {
    const t = this.options.topics;
    switch (event.kind) {
      case 'position':
        return t.positions;
      case 'alarm':
        return t.alarms;
      case 'media':
        return t.media;
      case 'case':
        return t.cases;
      case 'incident':
        return t.incidents;
      case 'duty':
        return t.duty;
      case 'presence':
        return t.presence;
    }
  }

  async close(): Promise<void> {
    await this.batcher.flush().catch(() => undefined);
    await this.producer.disconnect();
  }
}

async function ensureTopics(admin: Admin, options: KafkaOptions): Promise<void> {
  // a broker that has just started may not serve metadata for new topics yet: retry what is retriable
  const deadline = Date.now() + 30_000;
  for (let wait = 250; ; wait = Math.min(wait * 2, 2000)) {
    try {
      const existing = new Set(await admin.listTopics());
      const missing = Object.values(options.topics).filter((t) => !existing.has(t));
      if (missing.length === 0) return;
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: options.partitions, replicationFactor: options.replicationFactor })),
      });
      return;
    } catch (e) {
      // a protocol refusal (bad replication factor, ...) is final; readiness errors and spent client retries are not
      const err = e as { name?: string; retriable?: boolean };
      const final = (err.name === 'KafkaJSProtocolError' || err.name === 'KafkaJSCreateTopicError') && err.retriable === false;
      if (final || Date.now() + wait > deadline) throw e;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
