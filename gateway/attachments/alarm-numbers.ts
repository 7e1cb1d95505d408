/**
 * The alarm numbers the gateway issued in 0x9208, and for whom. An alarm number is 32 random
 * characters (128 bits): it is the capability that lets a connection to the attachment port
 * upload files for that alarm, so one a terminal made up, or one issued to another terminal, is
 * refused (upload.ts). Completed file names are kept with it, so a list sent again (0x1210 info
 * type 1, after a broken connection) does not store a finished file twice.
 *
 * Bounded: at most `maxTotal` numbers (past it none is issued: counted by the caller), at most
 * `maxPerTerminal` per terminal (past it the terminal's oldest is forgotten), each for `ttlMs`.
 * Entries are kept in issue order, so expiry walks from the oldest and stops at the first live one.
 */
import { randomBytes } from 'node:crypto';
import type { SuBiaoAlarmIdentifier } from '../../decoders/index.js';

export interface IssuedAlarm {
  alarmNo: string;
  terminal: string;
  org: string;
  category: string;
  /** the alarm's name, as its Alarm event and incident have it */
  alarm: string;
  identifier: SuBiaoAlarmIdentifier;
  issuedAt: number;
  /** files of this alarm already stored (by name), at most the list's length */
  done: Set<string>;
  /** a connection is uploading for it now */
  busy: boolean;
}

export class AlarmNumbers {
  private readonly byNo = new Map<string, IssuedAlarm>();
  private readonly byTerminal = new Map<string, string[]>();

  constructor(
    private readonly limits: { maxTotal: number; maxPerTerminal: number; ttlMs: number },
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.byNo.size;
  }

  /** A fresh alarm number for this alarm, or undefined when the table is full. */
  issue(alarm: Omit<IssuedAlarm, 'alarmNo' | 'issuedAt' | 'done' | 'busy'>): IssuedAlarm | undefined {
    this.expire();
    const mine = this.byTerminal.get(alarm.terminal);
    if (mine && mine.length >= this.limits.maxPerTerminal) this.forget(mine[0]!);
    if (this.byNo.size >= this.limits.maxTotal) return undefined;
    const entry: IssuedAlarm = { ...alarm, alarmNo: randomBytes(16).toString('hex'), issuedAt: this.now(), done: new Set(), busy: false };
    this.byNo.set(entry.alarmNo, entry);
    const list = this.byTerminal.get(alarm.terminal);
    if (list) list.push(entry.alarmNo);
    else this.byTerminal.set(alarm.terminal, [entry.alarmNo]);
    return entry;
  }

  /** The live entry of this number, if any. */
  get(alarmNo: string): IssuedAlarm | undefined {
    this.expire();
    return this.byNo.get(alarmNo);
  }

  /** Drops the entries older than the TTL (oldest first; stops at the first live one). */
  expire(): void {
    const cutoff = this.now() - this.limits.ttlMs;
    for (const entry of this.byNo.values()) {
      if (entry.issuedAt > cutoff) break;
      this.forget(entry.alarmNo);
    }
  }

  private forget(alarmNo: string): void {
    const entry = this.byNo.get(alarmNo);
    if (!entry) return;
    this.byNo.delete(alarmNo);
    const list = this.byTerminal.get(entry.terminal)!;
    list.splice(list.indexOf(alarmNo), 1);
    if (list.length === 0) this.byTerminal.delete(entry.terminal);
  }
}
