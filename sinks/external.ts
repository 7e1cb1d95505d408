/**
 * The external sinks a SinksConfig asks for (Kafka, an external MQTT broker, InfluxDB), started once
 * and wrapped for the delivery mode, decided here at start:
 *   durable (default when Kafka is configured): sinks named in `delivery.required` are
 *     RequiredSinks: a location is acknowledged only once they hold it;
 *   every other external sink (and all of them in fast mode) is a BacklogSink: acknowledged at
 *     once, delivered behind a bounded backlog that drops its oldest events past the limit.
 * A sink that cannot start stops the gateway's start with an error naming it.
 */
import type { SinksConfig } from './settings.js';
import type { Logger } from 'pino';
import { BacklogSink } from './backlog.js';
import { InfluxSink } from './influx.js';
import { KafkaSink } from './kafka.js';
import { kafkaBrokers } from './kafka-brokers.js';
import type { SinkMetrics } from './metrics.js';
import { ExternalMqttSink } from './mqtt-external.js';
import { RequiredSink } from './required.js';
import type { EventSink } from '../events/sink.js';

export type SinkName = SinksConfig['delivery']['required'][number];

export interface ExternalSinks {
  durable: boolean;
  /** Wrapped, in fan-out order. */
  sinks: EventSink[];
  mqtt: ExternalMqttSink | undefined;
  /** Shutdown: required sinks stop retrying (a batch still failing is answered result 1). */
  abandon(): void;
}

export function isDurable(config: SinksConfig): boolean {
  return config.delivery.mode === 'durable' || (config.delivery.mode === 'auto' && kafkaBrokers(config.kafka.brokers).length > 0);
}

export async function startExternalSinks(config: SinksConfig, log: Logger, metrics?: SinkMetrics): Promise<ExternalSinks> {
  const durable = isDurable(config);
  const started: [SinkName, EventSink][] = [];
  let mqtt: ExternalMqttSink | undefined;
  try {
    if (kafkaBrokers(config.kafka.brokers).length > 0) started.push(['kafka', await KafkaSink.start(config.kafka, log)]);
    if (config.mqttExternal.url) started.push(['mqtt', (mqtt = await ExternalMqttSink.start(config.mqttExternal, log))]);
    if (config.influx.url) started.push(['influx', await InfluxSink.start(config.influx, log)]);
  } catch (e) {
    await Promise.all(started.map(([, s]) => s.close().catch(() => undefined)));
    throw e;
  }
  const retry = { firstMs: config.delivery.retryMs, maxMs: 30_000 };
  const required: RequiredSink[] = [];
  const sinks = started.map(([name, sink]): EventSink => {
    const onError = (err: unknown) => log.warn({ err, sink: name }, 'sink publish failed; retrying');
    if (durable && config.delivery.required.includes(name)) {
      const r = new RequiredSink(sink, { ...retry, onError }, metrics);
      required.push(r);
      return r;
    }
    return new BacklogSink(sink, { limit: config.delivery.backlog, batch: config.queue.batch, firstRetryMs: retry.firstMs, maxRetryMs: retry.maxMs, onError }, metrics);
  });
  log.info({ durable, sinks: started.map(([n]) => n), required: durable ? started.map(([n]) => n).filter((n) => config.delivery.required.includes(n)) : [] }, 'external sinks ready');
  return { durable, sinks, mqtt, abandon: () => required.forEach((r) => r.abandon()) };
}
