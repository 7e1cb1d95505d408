/**
 * Where normalised events go. Every sink (the embedded broker, the live index, later Kafka,
 * an external MQTT broker, InfluxDB) implements this one interface: `publish` resolves only
 * once the events are safe with that sink, which is what lets the gateway acknowledge a
 * terminal after the data is stored, never before.
 */
import type { GatewayEvent } from './model.js';

export interface EventSink {
  readonly name: string;
  publish(events: readonly GatewayEvent[]): Promise<void>;
  /** Flushes anything buffered and releases connections. */
  close(): Promise<void>;
}
