/**
 * The opened database with its repositories, and whether it answers. Opened once at start
 * (migrated, a newer schema refused); a server that cannot be reached at start stops the start,
 * as Kafka does. Once running, an outage only degrades what needs the database: `run` turns a
 * lost connection into DatabaseUnavailable (the API answers 503), alarms wait in the incident
 * writer, and a probe every `probeMs` says when it is back (dipper_database_up, /readyz).
 */
import type { Incident } from '../events/incident.js';
import { CaseRepository } from './cases.js';
import type { Database, DatabaseKind } from './database.js';
import { DispatchRepository } from './dispatches.js';
import { DutyAreaRepository } from './duty-areas.js';
import { EvidenceRepository } from './evidence.js';
import { IncidentWriter } from './incident-writer.js';
import { IncidentRepository } from './incidents.js';
import { MediaRepository } from './media.js';
import { MediaWriter } from './media-writer.js';
import type { StoreMetrics } from './metrics.js';
import { openDatabase } from './open.js';
import { RegistryRepository } from './registry.js';
import { StoreRefusal } from './refusal.js';
import type { DatabaseSettings, IncidentSettings, MediaRecordSettings } from './settings.js';

/** The database does not answer: the operation was not done (HTTP 503, retry later). */
export class DatabaseUnavailable extends Error {
  override name = 'DatabaseUnavailable';
}

interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface StoreOptions {
  database: DatabaseSettings;
  incidents: IncidentSettings;
  mediaRecords: MediaRecordSettings;
  dataDir: string;
  metrics: StoreMetrics;
  log: Log;
  /** an incident opened or joined by an alarm (for the stream, the sinks, the map) */
  incidentChanged(incident: Incident, opened: boolean): void;
}

// SQLSTATE classes that mean "the server or the connection", not "this statement": 08 connection,
// 53 resources, 57 operator intervention (shutdown), 58 system error
const SQLSTATE = /^(?:[0-9]{2}|HV|P0|XX|F0)[0-9A-Z]{3}$/;
const OUTAGE_CLASSES = new Set(['08', '53', '57', '58']);

/** true when the error says the database is away rather than the statement wrong */
export function isOutage(e: unknown): boolean {
  if (e instanceof StoreRefusal) return false;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && SQLSTATE.test(code)) return OUTAGE_CLASSES.has(code.slice(0, 2));
  // a socket's error (ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE), node-postgres' "Connection
  // terminated", a closed PGlite; the store's own refusals (a forbidden step) are none of these
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true;
  return e instanceof Error && /connection|terminated|closed|timeout/i.test(e.message);
}

export class Store {
  readonly cases: CaseRepository;
  readonly dispatches: DispatchRepository;
  readonly dutyAreas: DutyAreaRepository;
  /** media records tied to incidents and cases */
  readonly evidence: EvidenceRepository;
  readonly incidents: IncidentRepository;
  readonly media: MediaRepository;
  readonly registry: RegistryRepository;
  readonly writer: IncidentWriter;
  /** media files' records, off the ingest path (media-intake.ts hands it the Media events) */
  readonly mediaWriter: MediaWriter;
  /** a refused media record is logged once per outage */
  private mediaRefusalLogged = false;
  private answering = true;
  private lastError: string | undefined;
  private readonly probe: NodeJS.Timeout;
  private probing = false;
  private closed = false;

  private constructor(
    readonly db: Database,
    readonly schemaVersion: number,
    private readonly options: StoreOptions,
  ) {
    this.cases = new CaseRepository(db);
    this.dispatches = new DispatchRepository(db);
    this.dutyAreas = new DutyAreaRepository(db);
    this.evidence = new EvidenceRepository(db);
    this.incidents = new IncidentRepository(db);
    this.media = new MediaRepository(db);
    this.registry = new RegistryRepository(db);
    const { metrics } = options;
    metrics.up.set(1);
    this.writer = new IncidentWriter(this.incidents, options.incidents, {
      written: (incident, opened) => options.incidentChanged(incident, opened),
      counted: (outcome, n) => {
        metrics.alarms.inc({ outcome }, n);
        metrics.pending.set(this.writer.depth);
      },
      health: (err) => (err ? this.down(err) : this.up()),
    });
    this.mediaWriter = new MediaWriter(this.media, options.mediaRecords, {
      counted: (outcome, n) => {
        metrics.mediaRecords.inc({ outcome }, n);
        metrics.mediaPending.set(this.mediaWriter.depth);
        if (outcome !== 'refused' || this.mediaRefusalLogged) return;
        this.mediaRefusalLogged = true;
        options.log.error({ maxPending: options.mediaRecords.maxPending }, 'media records refused: the database is away and mediaRecords.maxPending are waiting; the files are kept but not listed (dipper_media_records_total{outcome="refused"})');
      },
      health: (err) => (err ? this.down(err) : this.up()),
    });
    this.probe = setInterval(() => void this.check(), options.database.probeMs);
    this.probe.unref();
  }

  static async open(options: StoreOptions): Promise<Store> {
    const { db, migration } = await openDatabase(options.database, options.dataDir, (err) => options.log.warn({ err }, 'database connection lost (idle): the next query reconnects'));
    options.log.info({ engine: db.kind, schema: migration.version, applied: migration.applied }, 'database ready');
    return new Store(db, migration.version, options);
  }

  get kind(): DatabaseKind {
    return this.db.kind;
  }

  /** whether the last operation or probe reached the database */
  get available(): boolean {
    return this.answering;
  }

  /** what /readyz says about it */
  get detail(): { engine: DatabaseKind; up: boolean; error?: string; pendingAlarms: number; pendingMedia: number } {
    return { engine: this.db.kind, up: this.answering, ...(this.answering ? {} : { error: this.lastError }), pendingAlarms: this.writer.depth, pendingMedia: this.mediaWriter.depth };
  }

  /** fn against the database; a lost connection becomes DatabaseUnavailable (503), other errors pass */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const result = await fn();
      this.up();
      return result;
    } catch (e) {
      if (!isOutage(e) || !(e instanceof Error)) throw e;
      this.down(e);
      throw new DatabaseUnavailable(`the database does not answer (${e.message}): nothing was changed; try again`);
    }
  }

  /** a person's step on an incident, out like the writer's (stream, broker, Kafka) */
  changed(incident: Incident): void {
    this.options.incidentChanged(incident, false);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.probe);
    await this.writer.close();
    await this.mediaWriter.close();
    await this.db.close();
  }

  private async check(): Promise<void> {
    if (this.probing || this.closed) return;
    this.probing = true;
    try {
      await this.db.query('SELECT 1');
      this.up();
    } catch (e) {
      this.down(e instanceof Error ? e : new Error(String(e)));
    } finally {
      this.probing = false;
    }
  }

  private up(): void {
    if (this.answering) return;
    this.answering = true;
    this.lastError = undefined;
    this.mediaRefusalLogged = false;
    this.options.metrics.up.set(1);
    this.options.log.info({ engine: this.db.kind }, 'database answers again');
  }

  private down(err: Error): void {
    this.options.metrics.errors.inc();
    if (!this.answering) return;
    this.answering = false;
    this.lastError = err.message;
    this.options.metrics.up.set(0);
    // once per outage: the probe and each failing request count, only the first is logged
    this.options.log.error({ err, engine: this.db.kind }, 'database unavailable: cases, incidents, media and the registry answer 503 until it is back; alarms and media records wait in memory');
  }
}
