/**
 * What a simulator process counts: frames sent by message ID, frames the platform accepted
 * (0x8001 result 0) by the message ID they answer, downlinks received by kind, frame -> 0x8001
 * latency, errors by reason, blind-area episodes (simulated, so not errors), connects and
 * reconnects, and the active-safety units' alarms and attachment uploads. Plain counters (no
 * per-frame allocation); a snapshot is JSON that crosses the worker IPC and merges.
 */
import { Histogram } from './histogram.js';

/** The active-safety units' alarms and their attachment uploads (T/JSATL12; why one failed is in `errors`). */
export interface AttachmentCounts {
  /** ADAS/DSM alarms raised with an identifier announcing attachments. */
  alarms: number;
  /** 0x9208 received. */
  requests: number;
  /** Uploads finished: every file of the alarm acknowledged. */
  uploads: number;
  /** Files streamed (0x1211, the data, 0x1212). */
  files: number;
  /** Files the platform acknowledged (0x9212 result 0). */
  filesAcked: number;
  /** Ranges sent again after a 0x9212 result 1. */
  rangesResent: number;
  /** Uploads given up (refused 0x9208 included). */
  failed: number;
}

export const NO_ATTACHMENTS: Readonly<AttachmentCounts> = { alarms: 0, requests: 0, uploads: 0, files: 0, filesAcked: 0, rangesResent: 0, failed: 0 };

export interface StatsSnapshot {
  sent: Record<string, number>;
  /** 0x8001 with result 0, by the message ID it answers. */
  acked: Record<string, number>;
  replies: Record<string, number>;
  errors: Record<string, number>;
  /** Blind-area episodes the scenario drew (the terminal dropped its link on purpose). */
  blindAreas: number;
  /** Dispatch orders (0x8300 【派警】) the units set out on. */
  dispatched: number;
  connects: number;
  reconnects: number;
  online: number;
  terminals: number;
  bytesOut: number;
  bytesIn: number;
  attachments: AttachmentCounts;
  latency: ReturnType<Histogram['toJSON']>;
}

export function hex(msgId: number): string {
  return `0x${msgId.toString(16).padStart(4, '0')}`;
}

export class Stats {
  readonly sentById: number[] = [];
  readonly repliesById: number[] = [];
  readonly ackedById: number[] = [];
  readonly errors = new Map<string, number>();
  blindAreas = 0;
  dispatched = 0;
  connects = 0;
  reconnects = 0;
  online = 0;
  terminals = 0;
  bytesOut = 0;
  bytesIn = 0;
  readonly attachments: AttachmentCounts = { ...NO_ATTACHMENTS };
  readonly latency = new Histogram();

  sent(msgId: number, bytes: number): void {
    this.sentById[msgId] = (this.sentById[msgId] ?? 0) + 1;
    this.bytesOut += bytes;
  }

  reply(msgId: number): void {
    this.repliesById[msgId] = (this.repliesById[msgId] ?? 0) + 1;
  }

  /** The platform accepted a frame of ours (0x8001 result 0). */
  acked(msgId: number): void {
    this.ackedById[msgId] = (this.ackedById[msgId] ?? 0) + 1;
  }

  error(reason: string): void {
    this.errors.set(reason, (this.errors.get(reason) ?? 0) + 1);
  }

  snapshot(): StatsSnapshot {
    const byId = (a: number[]) => Object.fromEntries(a.flatMap((n, id) => (n ? [[hex(id), n]] : [])));
    return {
      sent: byId(this.sentById),
      acked: byId(this.ackedById),
      replies: byId(this.repliesById),
      errors: Object.fromEntries(this.errors),
      blindAreas: this.blindAreas,
      dispatched: this.dispatched,
      connects: this.connects,
      reconnects: this.reconnects,
      online: this.online,
      terminals: this.terminals,
      bytesOut: this.bytesOut,
      bytesIn: this.bytesIn,
      attachments: { ...this.attachments },
      latency: this.latency.toJSON(),
    };
  }
}

/** Sums snapshots (one per worker) into one. */
export function mergeSnapshots(parts: StatsSnapshot[]): StatsSnapshot & { histogram: Histogram } {
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  };
  const histogram = new Histogram();
  const out = { sent: {}, acked: {}, replies: {}, errors: {}, blindAreas: 0, dispatched: 0, connects: 0, reconnects: 0, online: 0, terminals: 0, bytesOut: 0, bytesIn: 0, attachments: { ...NO_ATTACHMENTS } } as Omit<StatsSnapshot, 'latency'>;
  for (const p of parts) {
    add(out.sent, p.sent);
    add(out.acked, p.acked);
    add(out.replies, p.replies);
    add(out.errors, p.errors);
    out.blindAreas += p.blindAreas;
    out.dispatched += p.dispatched;
    out.connects += p.connects;
    out.reconnects += p.reconnects;
    out.online += p.online;
    out.terminals += p.terminals;
    out.bytesOut += p.bytesOut;
    out.bytesIn += p.bytesIn;
    add(out.attachments as unknown as Record<string, number>, p.attachments as unknown as Record<string, number>);
    histogram.merge(p.latency);
  }
  return { ...out, latency: histogram.toJSON(), histogram };
}

export function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
