/**
 * InfluxDB sink (@influxdata/influxdb-client, the v2 write API: InfluxDB 1.8+, 2.x, 3, or
 * anything that speaks /api/v2/write). One measurement per event kind (position, alarm, media,
 * case, incident, duty, presence); tags terminal, category, org and a coarse H3 cell (`influx.h3Resolution`); fields
 * lat, lng, speed, heading, altitude, alarm, status and every numeric extra; time = device
 * time (ms). Publishes within `flushMs` are written as one request of up to `batchSize`
 * points. The client's own retry buffer is switched off (`writeFailed` returns the error), so
 * a write's promise settles with the server's answer and the wrappers decide what is safe.
 */
import { InfluxDB, Point } from '@influxdata/influxdb-client';
import type { WriteApi } from '@influxdata/influxdb-client';
import { cellToParent, getResolution, latLngToCell } from 'h3-js';
import type { SinksConfig } from './settings.js';
import type { Logger } from 'pino';
import type { GatewayEvent, Position } from '../events/model.js';
import { Batcher } from './batcher.js';
import type { EventSink } from '../events/sink.js';

export type InfluxOptions = SinksConfig['influx'];

export class InfluxSink implements EventSink {
  readonly name = 'influx';
  private readonly batcher: Batcher<Point>;
  private constructor(
    private readonly writeApi: WriteApi,
    private readonly options: InfluxOptions,
    private readonly stats: { written: number },
  ) {
    this.batcher = new Batcher((points) => this.write(points), options.batchSize, options.flushMs);
  }

  /** Checks the server answers /ping (a clear error otherwise), then opens the write API. */
  static async start(options: InfluxOptions, log?: Logger): Promise<InfluxSink> {
    const base = options.url.replace(/\/+$/, '');
    try {
      const res = await fetch(`${base}/ping`, { signal: AbortSignal.timeout(5000) });
      if (res.status >= 300) throw new Error(`/ping answered ${res.status}`);
    } catch (e) {
      throw new Error(`influx: cannot reach ${options.url}: ${(e as Error).message}`, { cause: e });
    }
    const stats = { written: 0 };
    const writeApi = new InfluxDB({ url: base, token: options.token, timeout: 10_000 }).getWriteApi(options.org, options.bucket, 'ms', {
      batchSize: options.batchSize + 1,
      flushInterval: 0,
      maxRetries: 0,
      // settle flush() with the failure instead of queueing a retry the caller cannot see
      writeFailed: (error) => Promise.reject(error),
      writeSuccess: (lines) => void (stats.written += lines.length),
    });
    log?.debug({ url: base, bucket: options.bucket }, 'influx sink ready');
    return new InfluxSink(writeApi, options, stats);
  }

  /** Points the server accepted (writeSuccess). */
  get written(): number {
    return this.stats.written;
  }

  publish(events: readonly GatewayEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return this.batcher.add(events.map((e) => this.point(e)));
  }

  private async write(points: Point[]): Promise<void> {
    this.writeApi.writePoints(points);
    await this.writeApi.flush();
  }

  point(event: GatewayEvent): Point {
    switch (event.kind) {
      case 'position':
        return this.located(new Point('position'), event.position, event.position);
      case 'alarm': {
        const a = event.alarm;
        return this.located(new Point('alarm'), a, a.position).tag('name', a.alarm).tag('source', a.source).tag('state', a.state).timestamp(Date.parse(a.time ?? a.position.receivedAt));
      }
      case 'media': {
        const m = event.media;
        const p = new Point('media').intField('mediaId', m.mediaId).intField('type', m.type).intField('format', m.format).intField('event', m.event).intField('channel', m.channel).intField('bytes', m.bytes);
        if (m.position) return this.located(p, m, m.position).timestamp(Date.parse(m.receivedAt));
        return this.identity(p, m).timestamp(Date.parse(m.receivedAt));
      }
      case 'case': {
        const c = event.case;
        return new Point('case')
          .tag('id', c.id)
          .tag('type', c.type)
          .tag('status', c.status)
          .tag('org', c.org)
          .tag('h3', latLngToCell(c.location.lat, c.location.lng, this.options.h3Resolution))
          .floatField('lat', c.location.lat)
          .floatField('lng', c.location.lng)
          .timestamp(Date.parse(c.time));
      }
      case 'incident': {
        // each change of an alarm episode: how many alarms so far, in which state of handling
        const i = event.incident;
        const p = new Point('incident').tag('id', i.id).tag('terminal', i.terminal).tag('kind', i.kind).tag('status', i.status).tag('org', i.org).intField('alarmCount', i.alarmCount);
        if (i.location) p.floatField('lat', i.location.lat).floatField('lng', i.location.lng);
        return p.timestamp(Date.parse(i.updatedAt));
      }
      case 'duty': {
        const d = event.duty;
        return this.identity(new Point('duty'), d).tag('area', d.area).tag('change', d.change).booleanField('onShift', d.onShift).floatField('lat', d.lat).floatField('lng', d.lng).timestamp(Date.parse(d.at));
      }
      case 'presence': {
        const pr = event.presence;
        return this.identity(new Point('presence'), pr).tag('state', pr.state).tag('reason', pr.reason).tag('transport', pr.transport).booleanField('online', pr.state === 'online').timestamp(Date.parse(pr.at));
      }
    }
  }

  private identity(p: Point, who: { terminal: string; category: string; org: string }): Point {
    return p.tag('terminal', who.terminal).tag('category', who.category).tag('org', who.org);
  }

  private located(p: Point, who: { terminal: string; category: string; org: string }, pos: Position): Point {
    this.identity(p, who)
      .tag('h3', this.coarseCell(pos))
      .floatField('lat', pos.lat)
      .floatField('lng', pos.lng)
      .floatField('speed', pos.speed)
      .intField('heading', pos.heading)
      .intField('altitude', pos.altitude)
      // InfluxDB 1.x has no unsigned fields: the DWORDs fit an int64
      .intField('alarm', pos.alarm)
      .intField('status', pos.status)
      .booleanField('valid', pos.valid)
      .booleanField('backfill', pos.backfill);
    for (const [k, v] of Object.entries(pos.extras)) if (typeof v === 'number' && Number.isFinite(v)) p.floatField(k, v);
    return p.timestamp(Date.parse(pos.time ?? pos.receivedAt));
  }

  private coarseCell(pos: Position): string {
    const r = this.options.h3Resolution;
    const known = pos.h3Parents[String(r)];
    if (known) return known;
    if (pos.h3 && getResolution(pos.h3) >= r) return cellToParent(pos.h3, r);
    return pos.valid ? latLngToCell(pos.lat, pos.lng, r) : '';
  }

  async close(): Promise<void> {
    await this.batcher.flush().catch(() => undefined);
    await this.writeApi.close().catch(() => undefined);
  }
}
