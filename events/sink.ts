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

/** What the gateway reports about the way to its sinks (the queue calls these). */
export interface PipeHooks {
  onDepth: (depth: number) => void;
  onError: (sink: string, error: unknown) => void;
  /** A bug, not a delivery failure: a sink that threw instead of rejecting, or the pump itself. */
  onInternalError: (error: unknown) => void;
}

/**
 * The gateway's way to its sinks (sinks/queue.ts is the one implementation): bounded, so the
 * gateway pauses sockets while it is `full` and resumes them on `drain`. The gateway is given
 * a factory, so it knows no sink.
 */
export interface EventPipe {
  push(events: readonly GatewayEvent[]): Promise<void>;
  readonly full: boolean;
  readonly depth: number;
  flush(): Promise<void>;
  on(event: 'drain', listener: () => void): unknown;
}
