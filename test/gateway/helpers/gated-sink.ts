/** An in-memory sink that holds every publish until `open()`: a sink whose server has stalled. */
import type { GatewayEvent } from '../../../events/model.js';
import type { EventSink } from '../../../events/sink.js';

export class GatedSink implements EventSink {
  readonly name: string;
  readonly events: GatewayEvent[] = [];
  private readonly gate: Promise<void>;
  open!: () => void;
  constructor(name = 'gated') {
    this.name = name;
    this.gate = new Promise((r) => (this.open = r));
  }
  async publish(events: readonly GatewayEvent[]): Promise<void> {
    await this.gate;
    this.events.push(...events);
  }
  async close(): Promise<void> {
    this.open();
  }
}
