/**
 * The embedded MQTT broker (aedes, MQTT 3.1.1) as an event sink: the command centre's map and
 * any other subscriber connect to it directly, over TCP or WebSocket, with no external
 * service. Topics as in mqtt-topics.ts, all QoS 1.
 * Only the gateway publishes under the prefix: client publishes there are refused.
 */
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { Aedes } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { topicOf } from './mqtt-topics.js';
import { jsonOf } from './records.js';
import type { GatewayEvent } from '../normalise/events.js';
import type { EventSink } from './sink.js';

export interface BrokerOptions {
  host: string;
  port: number;
  wsPort: number;
  topicPrefix: string;
}

export class MqttBrokerSink implements EventSink {
  readonly name = 'mqtt-embedded';
  private constructor(
    readonly broker: Aedes,
    private readonly server: Server,
    private readonly httpServer: HttpServer,
    private readonly wss: WebSocketServer,
    private readonly prefix: string,
  ) {}

  static async start(options: BrokerOptions): Promise<MqttBrokerSink> {
    const broker = await Aedes.createBroker();
    const prefix = options.topicPrefix;
    broker.authorizePublish = (client, packet, done) => {
      if (client && (packet.topic === prefix || packet.topic.startsWith(`${prefix}/`))) done(new Error(`only the gateway publishes under ${prefix}/`));
      else done(null);
    };
    const server = createServer(broker.handle);
    const httpServer = createHttpServer();
    const wss = new WebSocketServer({ server: httpServer });
    wss.on('connection', (socket, req) => broker.handle(createWebSocketStream(socket), req));
    await listen(server, options.port, options.host);
    await listen(httpServer, options.wsPort, options.host);
    return new MqttBrokerSink(broker, server, httpServer, wss, prefix);
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
    const { topic, retain } = topicOf(this.prefix, event);
    // the payload stays a string: mqtt-packet writes it straight into each subscriber's frame
    const packet = { cmd: 'publish' as const, topic, payload: jsonOf(event), qos: 1 as const, retain: false, dup: false };
    // aedes 1.2.0 stores a retained QoS 1 publish from broker.publish() but does not deliver
    // it to current subscribers: store the retained copy ourselves, publish the live one plain
    if (retain) await this.retained.storeRetained({ ...packet, retain: true });
    // handed to aedes, not awaited: aedes calls back only once every subscriber's socket took
    // the packet, so one subscriber that stopped reading would hold every terminal's 0x8001.
    // Delivery to subscribers is the broker's job (its own per-client queues and timeouts).
    this.broker.publish(packet, (err) => {
      if (err) this.deliveryErrors++;
    });
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
