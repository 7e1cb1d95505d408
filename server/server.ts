/**
 * Composition: builds the whole service from a Config (sinks, gateway, transports, HTTP) and
 * takes it down in order. `npm start` (main.ts) and the end-to-end tests both use this, so the
 * tests run exactly what production runs, on ports chosen by the system (port 0).
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { Gateway } from '../gateway/gateway.js';
import { buildApp } from '../api/app.js';
import { ApiMetrics } from '../api/metrics.js';
import type { Logger } from '../gateway/log.js';
import { MapMetrics } from '../map/metrics.js';
import { MapService } from '../map/service.js';
import type { MapCallback } from '../map/service.js';
import { Metrics } from '../gateway/metrics.js';
import { DeviceRegistry } from '../gateway/registry/devices.js';
import { EventQueue } from '../sinks/queue.js';
import { startExternalSinks } from '../sinks/external.js';
import { SinkMetrics } from '../sinks/metrics.js';
import { InfluxTrackStore } from '../map/tracks/influx.js';
import { MqttBrokerSink } from '../sinks/mqtt-broker.js';
import { TokenTable } from '../events/tokens.js';
import type { EventSink } from '../events/sink.js';
import { listenTcp } from '../gateway/transport/tcp.js';
import type { TcpListener } from '../gateway/transport/tcp.js';
import { listenUdp } from '../gateway/transport/udp.js';
import type { UdpListener } from '../gateway/transport/udp.js';

export interface Ports {
  jt808: number;
  udp: number | null;
  http: number;
  /** null when an external broker (DIPPER_MQTT_URL) replaces the embedded one */
  mqtt: number | null;
  mqttWs: number | null;
}

export interface Server {
  gateway: Gateway;
  /** the live command map: index, heat, cases, tracks, stream (also a sink) */
  map: MapService;
  /** the embedded broker; undefined when DIPPER_MQTT_URL names an external one */
  broker: MqttBrokerSink | undefined;
  http: FastifyInstance;
  ports: Ports;
  /** SIGTERM path: stop accepting, flush queue and sinks, close sessions. Idempotent. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Extra sinks (Kafka, external MQTT, InfluxDB) besides the embedded broker and the live map. */
  sinks?: EventSink[];
  /** prom-client default process metrics (off in tests: one registry each). */
  processMetrics?: boolean;
}

export async function startServer(config: Config, log: Logger, options: StartOptions = {}): Promise<Server> {
  const metrics = new Metrics({ defaults: options.processMetrics ?? false });
  // Kafka, external MQTT, InfluxDB as configured, wrapped for the delivery mode (sinks/external.ts)
  const external = await startExternalSinks(config, log, new SinkMetrics(metrics.registry));
  const registry = new DeviceRegistry(config.devices, log).start();
  const map = new MapService(config.map, config.h3, registry);
  // one token table for the API and the broker: the same credential, scope and rights on both
  const tokens = new TokenTable(config.api.tokens);
  const broker = config.mqttExternal.url
    ? undefined
    : await MqttBrokerSink.start(config.mqtt, {
        tokens,
        orgOfTerminal: (t) => map.index.get(t)?.org ?? registry.lookup(t)?.org,
        registry: metrics.registry,
      });
  const sinks: EventSink[] = [...(broker ? [broker] : []), map, ...external.sinks, ...(options.sinks ?? [])];
  const gateway = new Gateway({ config, log, registry, metrics, pipe: (hooks) => new EventQueue(sinks, { ...config.queue, ...hooks }) });
  external.mqtt?.attach(gateway);
  // track history from InfluxDB when configured (the in-memory ring otherwise)
  if (config.influx.url) map.tracks = new InfluxTrackStore(config.influx);
  map.attach((events) => gateway.queue.push(events));
  // the map's families on the gateway's registry (one /metrics), its timer errors counted by the guard
  const mapMetrics = new MapMetrics(gateway.metrics.registry);
  const report = (where: MapCallback, e: unknown) => gateway.guard.report(where, e);
  map.observe(mapMetrics, report);
  let tcp: TcpListener | undefined;
  let udp: UdpListener | undefined;
  const http = buildApp({ config, gateway, registry, map, tokens, metrics: new ApiMetrics(gateway.metrics.registry), report: (where, e) => gateway.guard.report(where, e) }, log);
  try {
    tcp = await listenTcp(gateway, config.jt808.port, config.jt808.host);
    // UDP on the same port as TCP (the chosen one when the configured port is 0)
    if (config.jt808.udp) udp = await listenUdp(gateway, tcp.port, config.jt808.host);
    await http.listen({ port: config.http.port, host: config.http.host });
  } catch (e) {
    await tcp?.close();
    await udp?.close();
    await http.close();
    external.abandon();
    await gateway.close();
    await Promise.all(sinks.map((s) => s.close().catch(() => undefined)));
    throw e;
  }
  const ports: Ports = { jt808: tcp.port, udp: udp?.port ?? null, http: (http.server.address() as AddressInfo).port, mqtt: broker?.port ?? null, mqttWs: broker?.wsPort ?? null };
  log.info({ ports, devices: gateway.registry.size, dataDir: config.dataDir, anonymous: config.auth.allowAnonymous }, 'dipper gateway listening');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // stop accepting first; the listener's close resolves once the gateway has closed its sockets
      const tcpClosed = tcp.close();
      await udp?.close();
      // a required sink still down at shutdown: its batch is answered result 1, not held forever
      external.abandon();
      await gateway.close();
      await tcpClosed;
      await Promise.all(sinks.map((s) => s.close().catch((err: unknown) => log.error({ err, sink: s.name }, 'sink close failed'))));
      await http.close();
    })());
  return { gateway, map, broker, http, ports, close };
}

