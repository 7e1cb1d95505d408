/**
 * Track history read from InfluxDB (Flux over /api/v2/query: InfluxDB 1.8 with flux-enabled,
 * 2.x), from the `position` measurement the Influx sink writes. It implements the map API's
 * TrackSource, so the track endpoint reads whole history when InfluxDB is configured instead
 * of the in-memory ring. Only valid fixes are returned, in device-time order.
 */
import { InfluxDB } from '@influxdata/influxdb-client';
import type { QueryApi } from '@influxdata/influxdb-client';
import type { TrackPoint, TrackSource } from '../track-ring.js';

/** The interface the map API reads tracks through (`track(terminal, fromMs, toMs)`). */
export type TrackStore = TrackSource;
export type { TrackPoint };

export class InfluxTrackStore implements TrackStore {
  private readonly query: QueryApi;

  constructor(private readonly options: { url: string; token: string; org: string; bucket: string }) {
    this.query = new InfluxDB({ url: options.url.replace(/\/+$/, ''), token: options.token, timeout: 30_000 }).getQueryApi(options.org);
  }

  async track(terminal: string, fromMs: number, toMs: number): Promise<TrackPoint[]> {
    // range() stop is exclusive: +1 ms keeps a fix at exactly toMs
    const flux = `from(bucket: ${JSON.stringify(this.options.bucket)})
  |> range(start: time(v: ${JSON.stringify(new Date(fromMs).toISOString())}), stop: time(v: ${JSON.stringify(new Date(toMs + 1).toISOString())}))
  |> filter(fn: (r) => r._measurement == "position" and r.terminal == ${JSON.stringify(terminal)})
  |> filter(fn: (r) => r._field == "lat" or r._field == "lng" or r._field == "speed" or r._field == "heading" or r._field == "valid")
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
  |> group()
  |> sort(columns: ["_time"])`;
    const rows = await this.query.collectRows<{ _time: string; lat: number; lng: number; speed: number; heading: number; valid?: boolean }>(flux);
    const out: TrackPoint[] = [];
    for (const r of rows) {
      if (r.valid === false) continue;
      out.push({ t: Date.parse(r._time), lng: Number(r.lng), lat: Number(r.lat), speed: Number(r.speed), heading: Number(r.heading) });
    }
    return out;
  }
}
