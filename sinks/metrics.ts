/**
 * Metrics of the external sinks (Kafka, external MQTT, InfluxDB), registered on the gateway's
 * registry. Labels: `sink` is one of a handful of names.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import { SINK_NAMES } from './settings.js';

export class SinkMetrics {
  readonly latency: Histogram<'sink'>;
  readonly retries: Counter<'sink'>;
  readonly failures: Counter<'sink'>;
  readonly backlog: Gauge<'sink'>;
  readonly dropped: Counter<'sink'>;
  readonly held: Gauge<'sink'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.latency = new Histogram({ name: 'dipper_sink_publish_seconds', help: 'Time from handing a batch to a sink until it is safe there', labelNames: ['sink'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers });
    this.retries = new Counter({ name: 'dipper_sink_retries_total', help: 'Batches a sink failed and that were tried again', labelNames: ['sink'], registers });
    this.failures = new Counter({ name: 'dipper_sink_failures_total', help: 'Failed attempts to publish a batch, by sink', labelNames: ['sink'], registers });
    this.backlog = new Gauge({ name: 'dipper_sink_backlog_events', help: 'Events held for a sink that is not required for acknowledgement', labelNames: ['sink'], registers });
    this.dropped = new Counter({ name: 'dipper_sink_dropped_events_total', help: 'Events dropped from a full backlog (not required sinks only)', labelNames: ['sink'], registers });
    this.held = new Gauge({ name: 'dipper_sink_held_events', help: 'Events whose acknowledgement waits on a required sink that is failing', labelNames: ['sink'], registers });
    // every external sink's series from the start (0 for one not configured), so the sinks
    // dashboard shows 0, not "No data"
    for (const sink of SINK_NAMES) {
      this.latency.zero({ sink });
      this.retries.inc({ sink }, 0);
      this.failures.inc({ sink }, 0);
      this.backlog.set({ sink }, 0);
      this.dropped.inc({ sink }, 0);
      this.held.set({ sink }, 0);
    }
  }
}
