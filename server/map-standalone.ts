/**
 * The map API as its own process, for several API replicas behind a load balancer: no
 * terminals, no JT/T 808 listener; the live index is fed from Kafka (dipper.positions,
 * dipper.alarms, dipper.cases, dipper.incidents: JSON values as the gateway publishes them), and cases created
 * here are produced to dipper.cases through the sinks' Kafka sink (the gateway's key, value and
 * dedup header) so every replica, and the gateway's consumers, see them. No gateway: no
 * terminals, no commands, no sessions; the API's routes for those are not mounted.
 *
 * Each replica reads every partition (its own consumer group, from the latest offset): a new
 * replica fills as terminals report (within one report interval), which keeps start-up cheap.
 *
 *   npm run map:standalone -- [--config FILE]    (DIPPER_KAFKA_BROKERS, DIPPER_HTTP_PORT, ...)
 */
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { Consumer } from 'kafkajs';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { ConfigError, configArgument, loadConfig } from './config.js';
import { kafkaBrokers } from '../sinks/kafka-brokers.js';
import { buildApp } from '../api/app.js';
import { ApiMetrics } from '../api/metrics.js';
import { KafkaSink } from '../sinks/kafka.js';
import { createLogger } from '../gateway/log.js';
import type { Logger } from '../gateway/log.js';
import { Metrics } from '../gateway/metrics.js';
import type { GatewayEvent } from '../events/model.js';
import { DeviceRegistry } from '../gateway/registry/devices.js';
import type { Case } from '../map/cases.js';
import { MapMetrics } from '../map/metrics.js';
import { MapService } from '../map/service.js';
import type { Incident } from '../events/incident.js';
import type { DutyChange } from '../events/duty.js';
import type { Presence } from '../events/presence.js';
import { StoreMetrics } from '../store/metrics.js';
import { Store } from '../store/store.js';
import { restoreCases } from './restore-cases.js';

export interface StandaloneMap {
  map: MapService;
  http: FastifyInstance;
  port: number;
  close(): Promise<void>;
}

export async function startStandalone(config: Config, log: Logger): Promise<StandaloneMap> {
  if (kafkaBrokers(config.kafka.brokers).length === 0) throw new ConfigError('the standalone map API needs kafka.brokers (DIPPER_KAFKA_BROKERS)');
  const topics = config.kafka.topics;
  // the sinks' own Kafka client and sink: cases created here go out as the gateway's do (key, value, dedup header)
  const kafkaOptions = { ...config.kafka, clientId: `${config.kafka.clientId}-map` };
  const kafka = KafkaSink.client(kafkaOptions, log.child({ component: 'map-kafka' }));
  const cases = await KafkaSink.start(kafkaOptions, log.child({ component: 'map-kafka' }));
  // no gateway here: the process's own registry, with its process metrics (lag, CPU, memory), for /metrics
  const metrics = new Metrics({ defaults: true });
  // cases and incidents are kept in a database: replicas share one with database.url (PostgreSQL);
  // without it each keeps its own PGlite. A step taken here goes out on the incidents topic.
  const store = await Store.open({
    database: config.database,
    incidents: config.incidents,
    mediaRecords: config.mediaRecords,
    dataDir: config.dataDir,
    metrics: new StoreMetrics(metrics.registry),
    log: log.child({ component: 'store' }),
    incidentChanged: (incident) => void cases.publish([{ kind: 'incident', incident }]).catch((err: unknown) => log.warn({ err }, 'incident not published')),
  });
  const registry = new DeviceRegistry(config.devices, log).start();
  const map = new MapService(config.map, config.h3, registry);
  await restoreCases(store, map);
  const mapMetrics = new MapMetrics(metrics.registry);
  map.observe(mapMetrics);
  map.attach((events) => cases.publish(events.filter((e) => e.kind === 'case')));

  const consumer: Consumer = kafka.consumer({ groupId: `${config.kafka.clientId}-map-${hostname()}-${process.pid}-${Date.now().toString(36)}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topics.positions, topics.alarms, topics.cases, topics.incidents, topics.duty, topics.presence], fromBeginning: false });
  // the consumer joins its group asynchronously: wait until it has partitions, so callers can produce right away
  const joined = new Promise<void>((resolve) => {
    const off = consumer.on(consumer.events.GROUP_JOIN, () => {
      off();
      resolve();
    });
  });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const events: GatewayEvent[] = [];
      for (const m of batch.messages) {
        if (!m.value) continue;
        try {
          const value = JSON.parse(m.value.toString()) as never;
          if (batch.topic === topics.positions) events.push({ kind: 'position', position: value });
          else if (batch.topic === topics.alarms) events.push({ kind: 'alarm', alarm: value });
          else if (batch.topic === topics.incidents) events.push({ kind: 'incident', incident: value as Incident });
          else if (batch.topic === topics.duty) events.push({ kind: 'duty', duty: value as DutyChange });
          else if (batch.topic === topics.presence) events.push({ kind: 'presence', presence: value as Presence });
          else events.push({ kind: 'case', case: value as Case });
        } catch (err) {
          log.warn({ err, topic: batch.topic, offset: m.offset }, 'map: a message that is not JSON, skipped');
        }
      }
      await map.publish(events);
    },
  });
  await joined;
  const report = (where: string, err: unknown) => log.error({ err, where }, 'internal error caught');
  const http = buildApp({ config, registry, map, store, metrics: new ApiMetrics(metrics.registry), report }, log);
  await http.listen({ port: config.http.port, host: config.http.host });
  const port = (http.server.address() as AddressInfo).port;
  log.info({ port, brokers: config.kafka.brokers, topics: [topics.positions, topics.alarms, topics.cases] }, 'dipper map API (standalone) listening');
  let closing: Promise<void> | undefined;
  return {
    map,
    http,
    port,
    close: () =>
      (closing ??= (async () => {
        await http.close();
        await consumer.disconnect();
        await cases.close();
        await map.close();
        registry.close();
        await store.close();
      })()),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let config: Config;
  try {
    config = loadConfig({ file: configArgument(process.argv.slice(2)), env: process.env });
  } catch (e) {
    process.stderr.write(`dipper-map: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const log = createLogger(config.log.level);
  const server = await startStandalone(config, log).catch((e: unknown) => {
    log.error({ err: e }, 'map API failed to start');
    process.exit(1);
  });
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
