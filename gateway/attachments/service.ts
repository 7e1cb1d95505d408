/**
 * The attachment server's shared state: the alarm numbers issued in 0x9208 (alarm-numbers.ts),
 * the open connections (upload.ts) with their limits (attachments.maxConnections, maxPerIp), and
 * the bytes reserved for files being received (attachments.maxBytesInFlight). The listener
 * (listener.ts) hands it sockets; the 0x9208 trigger (trigger.ts) asks it for alarm numbers.
 *
 * Partial files live under `{dataDir}/attachments-partial/`; what a crash left there is deleted
 * at start (an upload is never resumed across a restart: the terminal sends its list again).
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { GatewayEvent } from '../../events/model.js';
import type { Guard } from '../guard.js';
import type { Logger } from '../log.js';
import type { MediaStore } from '../media/store.js';
import type { Metrics } from '../metrics.js';
import type { GatewayConfig } from '../settings.js';
import { AlarmNumbers } from './alarm-numbers.js';
import type { IssuedAlarm } from './alarm-numbers.js';
import type { UploadOutcome } from './outcomes.js';
import { Upload } from './upload.js';
import type { UploadContext } from './upload.js';

export interface AttachmentServiceOptions {
  config: GatewayConfig['attachments'];
  dataDir: string;
  media: MediaStore;
  metrics: Metrics;
  log: Logger;
  guard: Guard;
  /** to the sinks (the gateway's queue): resolves once they hold the events */
  publish: (events: readonly GatewayEvent[]) => Promise<void>;
  /** the clock of the alarm numbers' expiry and the connections' deadlines (tests) */
  now?: () => number;
}

export class AttachmentService implements UploadContext {
  readonly config: GatewayConfig['attachments'];
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly guard: Guard;
  readonly media: MediaStore;
  readonly partialDir: string;
  readonly numbers: AlarmNumbers;
  /** the port terminals are told of; undefined until the listener is up (no listener: no 0x9208) */
  port: number | undefined;
  private readonly uploads = new Set<Upload>();
  private readonly perIp = new Map<string, number>();
  private inFlight = 0;
  private closing = false;
  private readonly toSinks: AttachmentServiceOptions['publish'];
  readonly now: () => number;
  /** resolves once every upload closed has cleaned up (close()) */
  private idle: (() => void) | undefined;

  constructor(options: AttachmentServiceOptions) {
    this.config = options.config;
    this.metrics = options.metrics;
    this.log = options.log;
    this.guard = options.guard;
    this.media = options.media;
    this.toSinks = options.publish;
    this.now = options.now ?? Date.now;
    this.partialDir = join(options.dataDir, 'attachments-partial');
    const { maxAlarmNumbers, maxAlarmNumbersPerTerminal, alarmNumberTtlMs } = options.config;
    this.numbers = new AlarmNumbers({ maxTotal: maxAlarmNumbers, maxPerTerminal: maxAlarmNumbersPerTerminal, ttlMs: alarmNumberTtlMs }, this.now);
    this.metrics.attachmentState = () => ({ inFlight: this.inFlight, alarmNumbers: this.numbers.size });
  }

  /** Makes the partial files' directory, emptied of what an earlier run left (listener start). */
  prepare(): void {
    mkdirSync(this.partialDir, { recursive: true });
    for (const name of readdirSync(this.partialDir)) rmSync(join(this.partialDir, name), { force: true, recursive: true });
  }

  /** Announced bytes reserved for files being received. */
  get bytesInFlight(): number {
    return this.inFlight;
  }

  get connections(): number {
    return this.uploads.size;
  }

  /** Partial files on disk over all connections. */
  get partialFiles(): number {
    let n = 0;
    for (const u of this.uploads) n += u.partialFiles;
    return n;
  }

  alarm(alarmNo: string): IssuedAlarm | undefined {
    return this.numbers.get(alarmNo);
  }

  reserve(bytes: number): boolean {
    if (this.inFlight + bytes > this.config.maxBytesInFlight) return false;
    this.inFlight += bytes;
    return true;
  }

  release(bytes: number): void {
    this.inFlight = Math.max(0, this.inFlight - bytes);
  }

  publish(events: readonly GatewayEvent[]): Promise<void> {
    for (const e of events) this.metrics.eventOut(e.kind);
    return this.toSinks(events);
  }

  /** A new connection on the attachment port, from `ip`; closed at once past a limit. */
  accept(stream: Duplex, ip: string): void {
    const refusal = this.closing ? 'shutting-down' : this.uploads.size >= this.config.maxConnections ? 'max-connections' : (this.perIp.get(ip) ?? 0) >= this.config.maxPerIp ? 'per-ip' : undefined;
    if (refusal) {
      this.metrics.attachmentRefused.inc({ reason: refusal });
      stream.destroy();
      return;
    }
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    this.metrics.attachmentConnections.inc();
    this.uploads.add(new Upload(this, stream, ip));
  }

  ended(upload: Upload, outcome: UploadOutcome): void {
    if (!this.uploads.delete(upload)) return;
    this.metrics.attachmentConnections.dec();
    this.metrics.attachmentUploads.inc({ outcome });
    const n = (this.perIp.get(upload.ip) ?? 1) - 1;
    if (n <= 0) this.perIp.delete(upload.ip);
    else this.perIp.set(upload.ip, n);
    if (this.uploads.size === 0) this.idle?.();
  }

  /** Refuses new connections, closes the open ones and waits until their partial files are deleted. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.uploads.size === 0) return;
    const done = new Promise<void>((resolve) => (this.idle = resolve));
    for (const u of [...this.uploads]) u.close('shutdown');
    await done;
  }
}
