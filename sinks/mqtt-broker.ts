/**
 * The embedded MQTT broker (aedes, MQTT 3.1.1) as an event sink: the command centre's map and
 * any other subscriber connect to it directly, over TCP or WebSocket, with no external
 * service. Topics as in mqtt-topics.ts, all QoS 1. Who may connect, subscribe and publish:
 * mqtt-access.ts. Bounds: `mqtt.maxClients` connections, `mqtt.maxPacketBytes` per client
 * packet (mqtt-packet-limit.ts), `mqtt.maxSubscriptions` per client, `mqtt.maxRetained`
 * retained messages (oldest dropped), `mqtt.maxClientBufferBytes` held for a client that does
 * not read (then it is disconnected: mqtt-client-output.ts); `dipper_mqtt_*` metrics.
 */
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { Duplex } from 'node:stream';
import { Aedes } from 'aedes';
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { MQTT_REFUSALS, applyMqttAccess } from './mqtt-access.js';
import type { MqttRefusal } from './mqtt-access.js';
import { ClientOutput } from './mqtt-client-output.js';
import { MqttPacketLimit, PacketTooLarge } from './mqtt-packet-limit.js';
import { topicOf } from './mqtt-topics.js';
import { jsonOf } from '../events/records.js';
import type { SinksConfig } from './settings.js';
import type { GatewayEvent } from '../events/model.js';
import type { TokenTable } from '../events/tokens.js';
import type { EventSink } from '../events/sink.js';

export type BrokerOptions = Pick<SinksConfig['mqtt'], 'host' | 'port' | 'wsPort' | 'topicPrefix' | 'maxClients' | 'maxPacketBytes' | 'maxSubscriptions' | 'maxRetained' | 'maxClientBufferBytes'>;

export interface BrokerAccess {
  tokens: TokenTable;
  orgOfTerminal: (terminal: string) => string | undefined;
  /** where the broker's metrics are registered */
  registry: Registry;
}

/** The embedded broker's families (exported for the metrics catalogue, scripts/metrics-docs.ts). */
export class BrokerMetrics {
  readonly refused: Counter<'reason'>;
  readonly filtered: Counter;
  readonly clients: Gauge;
  readonly retained: Gauge;
  constructor(registry: Registry) {
    const registers = [registry];
    this.refused = new Counter({ name: 'dipper_mqtt_refused_total', help: 'Embedded MQTT broker: connections, packets, publishes and subscriptions refused, by reason', labelNames: ['reason'], registers });
    for (const reason of MQTT_REFUSALS) this.refused.inc({ reason }, 0);
    this.filtered = new Counter({ name: 'dipper_mqtt_forward_filtered_total', help: 'Embedded MQTT broker: messages withheld from a subscriber whose token does not see their terminal or case', registers });
    this.clients = new Gauge({ name: 'dipper_mqtt_clients', help: 'Embedded MQTT broker: open client connections (TCP and WebSocket)', registers });
    this.retained = new Gauge({ name: 'dipper_mqtt_retained_messages', help: 'Embedded MQTT broker: retained messages kept (bounded by mqtt.maxRetained)', registers });
  }
}

export class MqttBrokerSink implements EventSink {
  readonly name = 'mqtt-embedded';
  /** retained topics, oldest first (a Map keeps insertion order): bounded by maxRetained */
  private readonly retainedTopics = new Map<string, true>();
  private constructor(
    readonly broker: Aedes,
    private readonly server: Server,
    private readonly httpServer: HttpServer,
    private readonly wss: WebSocketServer,
    private readonly options: BrokerOptions,
    private readonly metrics: BrokerMetrics,
  ) {}

  static async start(options: BrokerOptions, access: BrokerAccess): Promise<MqttBrokerSink> {
    const broker = await Aedes.createBroker();
    const metrics = new BrokerMetrics(access.registry);
    const refused = (reason: MqttRefusal) => metrics.refused.inc({ reason });
    applyMqttAccess(broker, { ...access, prefix: options.topicPrefix, maxSubscriptions: options.maxSubscriptions, refused, filtered: () => metrics.filtered.inc() });
    let clients = 0;
    /** every client connection, TCP or WebSocket: counted against maxClients, its packets size-limited */
    const accept = (stream: Duplex, destroy: () => void) => {
      if (clients >= options.maxClients) {
        refused('max-clients');
        destroy();
        return;
      }
      clients++;
      metrics.clients.set(clients);
      let counted = true;
      const release = () => {
        if (!counted) return;
        counted = false;
        clients--;
        metrics.clients.set(clients);
      };
      const limit = new MqttPacketLimit(options.maxPacketBytes);
      limit.on('error', (e) => {
        // also a connection closed under it (premature close): only an oversized packet is a refusal
        if (e instanceof PacketTooLarge) refused('packet-too-large');
        destroy();
      });
      stream.on('error', () => destroy());
      stream.on('close', release);
      // aedes never waits on one client's socket: a stalled reader is cut off, not waited for
      const output = new ClientOutput(stream, options.maxClientBufferBytes, () => {
        refused('slow-client');
        destroy();
      });
      broker.handle(Duplex.from({ readable: stream.pipe(limit), writable: output }));
    };
    const server = createServer((socket: Socket) => accept(socket, () => socket.destroy()));
    const httpServer = createHttpServer();
    // ws' own message limit: an MQTT packet may span messages, so the stream limit still applies
    const wss = new WebSocketServer({ server: httpServer, maxPayload: options.maxPacketBytes });
    wss.on('connection', (socket) => accept(createWebSocketStream(socket), () => socket.terminate()));
    await listen(server, options.port, options.host);
    await listen(httpServer, options.wsPort, options.host);
    return new MqttBrokerSink(broker, server, httpServer, wss, options, metrics);
  }

  /** Publishes aedes reported as failed (it logs them too); exposed for tests and debugging. */
  deliveryErrors = 0;

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get wsPort(): number {
    return (this.httpServer.address() as AddressInfo).port;
  }

  async publish(events: readonly GatewayEvent[]): Promise<void> {
    await Promise.all(events.map((event) => this.publishOne(event)));
  }

  private async publishOne(event: GatewayEvent): Promise<void> {
    const { topic, retain } = topicOf(this.options.topicPrefix, event);
    // the payload stays a string: mqtt-packet writes it straight into each subscriber's frame
    const packet = { cmd: 'publish' as const, topic, payload: jsonOf(event), qos: 1 as const, retain: false, dup: false };
    // aedes 1.2.0 stores a retained QoS 1 publish from broker.publish() but does not deliver
    // it to current subscribers: store the retained copy ourselves, publish the live one plain
    if (retain) await this.storeRetained(packet);
    // handed to aedes, not awaited: aedes calls back only once every subscriber's socket took
    // the packet, so one subscriber that stopped reading would hold every terminal's 0x8001.
    // Delivery to subscribers is the broker's job (its own per-client queues and timeouts).
    this.broker.publish(packet, (err) => {
      if (err) this.deliveryErrors++;
    });
  }

  /** Keeps the retained copy, dropping the oldest retained topic past mqtt.maxRetained. */
  private async storeRetained(packet: { topic: string }): Promise<void> {
    const topics = this.retainedTopics;
    // kept in first-stored order, not moved on each update (a Map move per report is measurable
    // at 100k reports/s): past the cap the topic stored longest ago goes, and a live terminal's
    // next report stores it again
    if (!topics.has(packet.topic)) {
      if (topics.size >= this.options.maxRetained) {
        const oldest = topics.keys().next().value!;
        topics.delete(oldest);
        // an empty retained payload removes the topic's retained message (MQTT 3.1.1 §3.3.1.3)
        await this.retained.storeRetained({ cmd: 'publish', topic: oldest, payload: Buffer.alloc(0), qos: 0, retain: true, dup: false });
      }
      topics.set(packet.topic, true);
      this.metrics.retained.set(topics.size);
    }
    await this.retained.storeRetained({ ...packet, retain: true });
  }

  private get retained(): { storeRetained(packet: object): Promise<void> } {
    return (this.broker as unknown as { persistence: { storeRetained(packet: object): Promise<void> } }).persistence;
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.broker.close(() => resolve()));
    await Promise.all([closeServer(this.server), closeServer(this.httpServer), new Promise<void>((r) => this.wss.close(() => r()))]);
  }
}

function listen(server: Server | HttpServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server | HttpServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    if ('closeAllConnections' in server) server.closeAllConnections();
  });
}
