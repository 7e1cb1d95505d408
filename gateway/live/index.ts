/**
 * The in-memory live index: the last valid position of every terminal, beside the registry's
 * static resources, for the map and the API. A sink like the others, so it sees exactly what
 * was published. (The tiled map index of the map issue will replace this flat one.)
 */
import type { GatewayEvent, Position } from '../normalise/events.js';
import type { EventSink } from '../sinks/sink.js';

export class LiveIndex implements EventSink {
  readonly name = 'live-index';
  private readonly last = new Map<string, Position>();

  async publish(events: readonly GatewayEvent[]): Promise<void> {
    for (const e of events) {
      if (e.kind !== 'position' || !e.position.valid || e.position.backfill) continue;
      const before = this.last.get(e.position.terminal);
      // out-of-order arrivals (a late frame) never move a terminal back in time
      if (before?.time && e.position.time && before.time > e.position.time) continue;
      this.last.set(e.position.terminal, e.position);
    }
  }

  get(terminal: string): Position | undefined {
    return this.last.get(terminal);
  }

  positions(): Position[] {
    return [...this.last.values()];
  }

  get size(): number {
    return this.last.size;
  }

  async close(): Promise<void> {}
}
