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
import { CommandRelay } from '../sinks/command-relay.js';
import { CommandRelayMetrics } from '../sinks/command-relay-metrics.js';
import { TokenTable } from '../events/tokens.js';
import { AlarmIntake } from '../store/alarm-intake.js';
import { MediaIntake } from '../store/media-intake.js';
import { DispatchBoard } from '../store/dispatch-board.js';
import { DutyWatch } from '../store/duty-watch.js';
import { StoreMetrics } from '../store/metrics.js';
import { Store } from '../store/store.js';
import { restoreCases } from './restore-cases.js';
import { RegistrySync } from './registry-sync.js';
import type { EventSink } from '../events/sink.js';
import type { Incident } from '../events/incident.js';
import { listenTcp } from '../gateway/transport/tcp.js';
import type { TcpListener } from '../gateway/transport/tcp.js';
import { listenUdp } from '../gateway/transport/udp.js';
import { listenAttachments } from '../gateway/attachments/listener.js';
import type { AttachmentListener } from '../gateway/attachments/listener.js';
import type { UdpListener } from '../gateway/transport/udp.js';

export interface Ports {
  jt808: number;
  udp: number | null;
  http: number;
  /** null when an external broker (DIPPER_MQTT_URL) replaces the embedded one */
  mqtt: number | null;
  mqttWs: number | null;
  /** the T/JSATL12 attachment port; null when attachments.port is 0 (off) */
  attachments: number | null;
}

export interface Server {
  gateway: Gateway;
  /** the live command map: index, heat, cases, tracks, stream (also a sink) */
  map: MapService;
  /** the embedded broker; undefined when DIPPER_MQTT_URL names an external one */
  broker: MqttBrokerSink | undefined;
  /** commands to terminals on other gateways, over the external broker (undefined: commands.relay off, or no mqttExternal.url) */
  relay: CommandRelay | undefined;
  /** the database: registry, cases, incidents (undefined only with StartOptions.database false) */
  store: Store | undefined;
  /** duty areas' watch (with the database) */
  duty: DutyWatch | undefined;
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
  /**
   * false: no database at all (no registry, cases or incidents routes; the registry file only).
   * For measuring what the database costs the ingest path (bench/store.bench.ts); never a setting.
   */
  database?: boolean;
}

export async function startServer(config: Config, log: Logger, options: StartOptions = {}): Promise<Server> {
  const metrics = new Metrics({ defaults: options.processMetrics ?? false });
  // Kafka, external MQTT, InfluxDB as configured, wrapped for the delivery mode (sinks/external.ts)
  const external = await startExternalSinks(config, log, new SinkMetrics(metrics.registry));
  // the database first: a schema newer than the code, or a server that cannot be reached, stops the start here
  let store: Store | undefined;
  const storeMetrics = new StoreMetrics(metrics.registry);
  try {
    if (options.database !== false) store = await Store.open({ database: config.database, incidents: config.incidents, mediaRecords: config.mediaRecords, dataDir: config.dataDir, metrics: storeMetrics, log: log.child({ component: 'store' }), incidentChanged: (incident) => void incidentOut(incident) });
  } catch (e) {
    external.abandon();
    await Promise.all(external.sinks.map((s) => s.close().catch(() => undefined)));
    throw e;
  }
  const registry = new DeviceRegistry(config.devices, log);
  const map = new MapService(config.map, config.h3, registry);
  // eslint-disable-next-line prefer-const -- made below, used by the sync's callback only after start
  let gateway: Gateway | undefined;
  const devices =
    store &&
    new RegistrySync(store, registry, log.child({ component: 'registry' }), (terminal, device) => {
      map.deviceChanged(terminal, device?.category ?? 'unknown', device?.org ?? '');
      gateway?.deviceChanged(terminal);
    }, () => map.syncResources());
  try {
    if (devices) await devices.start();
    else registry.start();
  } catch (e) {
    registry.close();
    await store?.close();
    external.abandon();
    await Promise.all(external.sinks.map((s) => s.close().catch(() => undefined)));
    throw e;
  }
  const restored = store ? await restoreCases(store, map) : 0;
  // engaged units and arrivals: a sink of positions, read from the database before the first one
  const board =
    store &&
    new DispatchBoard(store.dispatches, config.dispatch, log.child({ component: 'dispatch' }), storeMetrics, (order, caseOnScene) => {
      if (!caseOnScene) return;
      void store
        .run(() => store.cases.get(order.target.org, order.target.id))
        .then((c) => {
          if (!c) return;
          map.cases.put(c);
          return map.caseChanged(c, false);
        })
        .catch(() => undefined);
    });
  await board?.reload();
  // duty areas: who is inside their area, judged at ingest; read from the database before the first report
  const duty = store && new DutyWatch(store.dutyAreas, { ...config.duty, timeZone: config.web.timeZone }, config.h3.resolution, { publish: (events) => void gateway?.queue.push(events).catch((err: unknown) => log.warn({ err }, 'duty change not published')), raise: (incident) => store.writer.raise(incident), ...(config.cluster.workers > 1 ? { here: (terminal: string) => gateway?.sessionOf(terminal) !== undefined } : {}) }, log.child({ component: 'duty' }));
  if (duty) {
    storeMetrics.observeDuty(duty);
    await duty.reload();
    map.duty = duty;
  }
  // one token table for the API and the broker: the same credential, scope and rights on both
  const tokens = new TokenTable(config.api.tokens);
  const broker = config.mqttExternal.url
    ? undefined
    : await MqttBrokerSink.start(config.mqtt, {
        tokens,
        orgOfTerminal: (t) => map.index.get(t)?.org ?? registry.lookup(t)?.org,
        registry: metrics.registry,
      });
  const sinks: EventSink[] = [...(broker ? [broker] : []), map, ...(store ? [new AlarmIntake(store.writer), new MediaIntake(store.mediaWriter)] : []), ...(board ? [board] : []), ...(duty ? [duty] : []), ...external.sinks, ...(options.sinks ?? [])];
  // the sinks are known now: each one's failure count starts at 0 (dashboards: 0, not "No data")
  for (const sink of sinks) metrics.sinkErrors.inc({ sink: sink.name }, 0);
  // a media file deleted to make room (drop-oldest): its record says so, and its bytes route answers 410
  gateway = new Gateway({ config, log, registry, metrics, pipe: (hooks) => new EventQueue(sinks, { ...config.queue, ...hooks }), ...(store ? { mediaDropped: (path: string) => void store.mediaWriter.removed(path, new Date()) } : {}) });
  external.mqtt?.attach(gateway);
  // track history from InfluxDB when configured (the in-memory ring otherwise)
  if (config.influx.url) map.tracks = new InfluxTrackStore(config.influx);
  map.attach((events) => gateway.queue.push(events));
  // an incident opened or joined: out through the queue to the stream, the broker and Kafka
  const incidentOut = (incident: Incident) => gateway.queue.push([{ kind: 'incident', incident }]).catch((err: unknown) => log.warn({ err }, 'incident not published'));
  // the map's families on the gateway's registry (one /metrics), its timer errors counted by the guard
  const mapMetrics = new MapMetrics(gateway.metrics.registry);
  const report = (where: MapCallback, e: unknown) => gateway.guard.report(where, e);
  map.observe(mapMetrics, report);
  let tcp: TcpListener | undefined;
  let udp: UdpListener | undefined;
  let attachments: AttachmentListener | undefined;
  let relay: CommandRelay | undefined;
  let http: FastifyInstance | undefined;
  try {
    // commands reach terminals on any gateway through the broker they all share
    if (config.commands.relay === 'auto' && config.mqttExternal.url) {
      const { url, clientId, username, password, topicPrefix } = config.mqttExternal;
      const { relayAcceptMs: acceptMs, maxRelayed, maxRelayedPerToken: maxRelayedPerCaller, timeoutMs } = config.commands;
      relay = await CommandRelay.start(gateway, { url, clientId, username, password, topicPrefix, secret: gateway.config.auth.secret, acceptMs, maxRelayed, maxRelayedPerCaller, timeoutMs }, new CommandRelayMetrics(gateway.metrics.registry), log.child({ component: 'command-relay' }), (e) => gateway.guard.report('command-relay', e));
    }
    http = buildApp({ config, gateway, commands: relay ?? gateway, registry, map, tokens, store, devices, dispatch: board, duty, metrics: new ApiMetrics(gateway.metrics.registry), report: (where, e) => gateway.guard.report(where, e) }, log);
    tcp = await listenTcp(gateway, config.jt808.port, config.jt808.host);
    // UDP on the same port as TCP (the chosen one when the configured port is 0)
    if (config.jt808.udp) udp = await listenUdp(gateway, tcp.port, config.jt808.host);
    // the Su-biao attachment server (0x9208 names it): off with attachments.port 0
    if (config.attachments.port !== 0) attachments = await listenAttachments(gateway.attachments, config.attachments.port, config.jt808.host);
    await http.listen({ port: config.http.port, host: config.http.host });
  } catch (e) {
    await tcp?.close();
    await udp?.close();
    await attachments?.close();
    await http?.close();
    external.abandon();
    await gateway.close();
    await relay?.close();
    await Promise.all(sinks.map((s) => s.close().catch(() => undefined)));
    await store?.close();
    throw e;
  }
  const ports: Ports = { jt808: tcp.port, udp: udp?.port ?? null, http: (http.server.address() as AddressInfo).port, mqtt: broker?.port ?? null, mqttWs: broker?.wsPort ?? null, attachments: attachments?.port ?? null };
  log.info({ ports, devices: gateway.registry.size, cases: restored, database: store?.kind ?? 'none', dataDir: config.dataDir, anonymous: config.auth.allowAnonymous }, 'dipper gateway listening');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // stop accepting first; the listener's close resolves once the gateway has closed its sockets
      const tcpClosed = tcp.close();
      const attachmentsClosed = attachments?.close();
      await udp?.close();
      // a required sink still down at shutdown: its batch is answered result 1, not held forever
      external.abandon();
      await gateway.close();
      await tcpClosed;
      await attachmentsClosed;
      // relayed commands still waiting end now (503), and no more are served
      await relay?.close().catch((err: unknown) => log.error({ err }, 'command relay close failed'));
      await Promise.all(sinks.map((s) => s.close().catch((err: unknown) => log.error({ err, sink: s.name }, 'sink close failed'))));
      await http.close();
      // last: what the queue delivered to the incident writer is written before the database closes
      await store?.close().catch((err: unknown) => log.error({ err }, 'database close failed'));
    })());
  return { gateway, map, broker, relay, store, duty, http, ports, close };
}

