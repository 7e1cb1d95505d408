/**
 * The sink that turns alarms into incidents: each alarm that starts (or an instantaneous
 * active-safety event) is handed to the incident writer and the publish resolves at once, so
 * acknowledging a terminal never waits on the database. An alarm's end changes nothing: the
 * incident stays until a person closes it. Times are the gateway's (receivedAt): a terminal's
 * clock, which may be years off, must not order the command centre's incidents.
 */
import type { GatewayEvent } from '../events/model.js';
import type { EventSink } from '../events/sink.js';
import type { IncidentWriter } from './incident-writer.js';

export class AlarmIntake implements EventSink {
  readonly name = 'incidents';

  constructor(private readonly writer: IncidentWriter) {}

  async publish(events: readonly GatewayEvent[]): Promise<void> {
    for (const e of events) {
      if (e.kind !== 'alarm' || e.alarm.state === 'end') continue;
      const a = e.alarm;
      const p = a.position;
      // refused at the writer's bound: counted there; the report itself is still acknowledged
      this.writer.raise({ terminal: a.terminal, kind: a.alarm, org: a.org, location: p.valid ? { lat: p.lat, lng: p.lng } : null, at: new Date(p.receivedAt) });
    }
  }

  async close(): Promise<void> {}
}
