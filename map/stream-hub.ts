/**
 * Fan-out of live updates (positions, alarms, cases, incidents, duty changes) to the SSE clients. Each subscriber
 * brings its own filter (scope, types, category, bbox); the hub does no per-client work for
 * events nobody asked for (no subscribers: one length check).
 */
export type StreamType = 'position' | 'alarm' | 'case' | 'incident' | 'duty';

export interface StreamEvent {
  type: StreamType;
  org: string;
  category: string;
  lng: number;
  lat: number;
  data: object;
}

export type Subscriber = (event: StreamEvent) => void;

export class StreamHub {
  private readonly subscribers = new Set<Subscriber>();

  get size(): number {
    return this.subscribers.size;
  }

  subscribe(fn: Subscriber): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  publish(event: StreamEvent): void {
    if (this.subscribers.size === 0) return;
    for (const fn of this.subscribers) fn(event);
  }
}
