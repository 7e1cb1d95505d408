/**
 * A vehicle's active-safety units (T/JSATL12 "Su-biao": ADAS, the forward camera's driver
 * assistance, and DSM, the driver monitor): now and then one raises an alarm, reported as item
 * 0x64 or 0x65 of that tick's 0x0200 with an alarm identifier announcing its two or three files;
 * the platform's 0x9208 for it starts their upload (attachments.ts).
 *
 * Determinism: the alarms are drawn per tick from a stream of their own (forked from the
 * terminal's behaviour stream, so equipping a vehicle never moves its other draws), and each
 * alarm's files and withheld ranges from streams forked per alarm. Bounded: the last KEPT
 * alarms can be asked for (older ones are refused, as a unit whose storage has rotated), and
 * at most MAX_UPLOADS run at once.
 */
import type { AdasAlarm, AttachmentUploadCommand, DsmAlarm, SuBiaoAlarmIdentifier } from '../decoders/index.js';
import { uploadAttachments } from './attachments.js';
import { PERIPHERAL, evidenceFiles } from './evidence.js';
import type { EvidenceFile, RaisedAlarm } from './evidence.js';
import type { Rng } from './rng.js';
import type { Scenario } from './scenario.js';
import type { TerminalSpec } from './spec.js';
import type { Stats } from './stats.js';

/** Alarms whose files can still be asked for. */
const KEPT = 16;
/** Uploads at once (a platform asking for more is refused: 0x0001 result 1). */
const MAX_UPLOADS = 2;
/** ADAS alarm types 0x01-0x07 (forward collision ... obstacle), DSM 0x01-0x05 (fatigue ... driver abnormal). */
const TYPES = { [PERIPHERAL.adas]: 7, [PERIPHERAL.dsm]: 5 } as const;
/** Vehicle status WORD of the item: bit 0 ACC on, bit 10 positioned. */
const VEHICLE_STATUS = 0x0401;
const RESULT_OK = 0;
const RESULT_FAILED = 1;

export interface ActiveSafetyOptions {
  spec: TerminalSpec;
  /** The 7-character terminal ID the identifiers carry. */
  terminalId: string;
  scenario: Scenario;
  stats: Stats;
  /** Source address of the terminal's link, for an attachment server on loopback. */
  localAddress?: string;
}

interface Body {
  lat: number;
  lng: number;
  altitude: number;
  speed: number;
  time: string | null;
  extras: Record<string, unknown>;
}

/** The identifier's key: terminal, time and sequence name one alarm (the attachment count does not). */
function keyOf(id: SuBiaoAlarmIdentifier): string {
  return `${id.terminalId}/${id.time === null ? '' : Date.parse(id.time)}/${id.seq}`;
}

export class ActiveSafety {
  private alarmId = 0;
  private lastTime: string | null = null;
  private seq = 0;
  /** By identifier key, oldest first. */
  private readonly kept = new Map<string, RaisedAlarm>();
  private readonly uploading = new Set<string>();
  private readonly perTick: number;

  constructor(
    /** The units' own stream: drawn once a tick, then per alarm. */
    private readonly rng: Rng,
    private readonly o: ActiveSafetyOptions,
  ) {
    this.perTick = Math.min(1, o.scenario.intervalS / o.scenario.activeSafety.everySeconds);
  }

  /** This tick's draw: the report as it goes out, with an ADAS or DSM item when an alarm is raised. */
  report<T extends Body>(body: T): T {
    const r = this.rng;
    if (!r.chance(this.perTick)) return body;
    const peripheral = r.chance(0.5) ? PERIPHERAL.adas : PERIPHERAL.dsm;
    const type = r.int(1, TYPES[peripheral]);
    const level = r.int(1, 2);
    const attachments = r.chance(0.5) ? 3 : 2;
    const distance = r.int(5, 30); // 0.1 s headway of a collision warning
    this.seq = body.time === this.lastTime ? (this.seq + 1) & 0xff : 0;
    this.lastTime = body.time;
    this.alarmId = (this.alarmId + 1) >>> 0;
    const identifier: SuBiaoAlarmIdentifier = { terminalId: this.o.terminalId, time: body.time, seq: this.seq, attachments, reserved: 0 };
    const speed = clamp(Math.round(body.speed), 0xff);
    const tail = { alarmId: this.alarmId, flag: 0, speed, altitude: clamp(Math.round(body.altitude), 0xffff), lat: Math.abs(body.lat), lng: Math.abs(body.lng), time: body.time, vehicleStatus: VEHICLE_STATUS, identifier };
    const item =
      peripheral === PERIPHERAL.adas
        ? ({ ...tail, type, level, frontSpeed: type <= 4 ? speed : 0, distance: [1, 3, 4].includes(type) ? distance : 0, departureType: type === 2 ? 1 + (distance % 2) : 0, roadSignType: type === 6 ? 1 : 0, roadSignData: type === 6 ? 60 : 0 } satisfies AdasAlarm)
        : ({ ...tail, type, level, fatigueLevel: type === 1 ? 3 * level : 0, reserved: Buffer.alloc(4) } satisfies DsmAlarm);
    this.kept.set(keyOf(identifier), { peripheral, type, level, alarmId: this.alarmId, identifier, lat: tail.lat, lng: tail.lng, speed });
    if (this.kept.size > KEPT) this.kept.delete(this.kept.keys().next().value!);
    this.o.stats.attachments.alarms++;
    return { ...body, extras: { ...body.extras, [peripheral === PERIPHERAL.adas ? 'adas' : 'dsm']: item } };
  }

  /** The files this unit uploads for the alarm, named with the platform's alarm number; undefined for an alarm it no longer keeps. */
  files(identifier: SuBiaoAlarmIdentifier, alarmNo: string): EvidenceFile[] | undefined {
    const alarm = this.kept.get(keyOf(identifier));
    return alarm && evidenceFiles(this.rng.fork('evidence', alarm.alarmId), alarm, alarmNo);
  }

  /** 0x9208: starts the upload and returns the result its 0x0001 carries (1: an alarm not kept, or too many uploads). */
  requested(command: AttachmentUploadCommand): number {
    const { stats } = this.o;
    stats.attachments.requests++;
    const key = keyOf(command.identifier);
    const alarm = this.kept.get(key);
    if (!alarm || this.uploading.has(key) || this.uploading.size >= MAX_UPLOADS) {
      stats.error(alarm ? 'attachment-busy' : 'attachment-unknown-alarm');
      stats.attachments.failed++;
      return RESULT_FAILED;
    }
    this.uploading.add(key);
    const { spec, terminalId, scenario, localAddress } = this.o;
    void uploadAttachments(command, this.files(command.identifier, command.alarmNo)!, {
      spec,
      terminalId,
      stats,
      replyTimeoutMs: scenario.replyTimeoutMs,
      ...(localAddress ? { localAddress } : {}),
      dropRanges: scenario.activeSafety.dropRanges,
      rng: this.rng.fork('drop', alarm.alarmId),
    }).finally(() => this.uploading.delete(key));
    return RESULT_OK;
  }
}

function clamp(v: number, max: number): number {
  return Math.min(max, Math.max(0, v));
}
