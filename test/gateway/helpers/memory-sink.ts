/** A sink that remembers what it was given (a real implementation of the interface, in memory). */
import type { GatewayEvent } from '../../../events/model.js';
import type { EventSink } from '../../../events/sink.js';

export class MemorySink implements EventSink {
  readonly name = 'memory';
  readonly events: GatewayEvent[] = [];
  async publish(events: readonly GatewayEvent[]): Promise<void> {
    this.events.push(...events);
  }
  async close(): Promise<void> {}
}
