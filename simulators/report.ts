/**
 * What a run reports: a live progress line (TTY only, rewritten in place), a summary table at
 * the end, and the same figures as JSON for `--report file.json`.
 */
import { writeFileSync } from 'node:fs';
import type { Histogram } from './histogram.js';
import type { AttachmentCounts, StatsSnapshot } from './stats.js';
import { total } from './stats.js';

export interface RunReport {
  tool: string;
  startedAt: string;
  endedAt: string;
  elapsedS: number;
  stoppedBy: string;
  settings: Record<string, unknown>;
  workers: number;
  terminals: number;
  online: number;
  connects: number;
  reconnects: number;
  framesSent: number;
  /** Frames the platform accepted (0x8001 result 0, or 4 alarm confirmed). */
  framesAcked: number;
  repliesReceived: number;
  /** Blind-area episodes simulated (the terminal dropped its link itself: not an error). */
  blindAreas: number;
  /** Dispatch orders the units set out on (0x8300 【派警】 with a place). */
  dispatched: number;
  /** Active-safety alarms raised and their attachment uploads (0x9208, 0x1210-0x1212, 0x9212). */
  activeSafety: AttachmentCounts;
  throughput: { framesPerS: number; repliesPerS: number; bytesOutPerS: number };
  /** Frame -> 0x8001 latency, milliseconds: location reports (0x0200, 0x0704), heartbeats and media events; not logins or the logouts of the stop. */
  latencyMs: { count: number; p50: number; p95: number; p99: number; max: number; mean: number };
  sent: Record<string, number>;
  /** Accepted frames by the message ID answered. */
  acked: Record<string, number>;
  replies: Record<string, number>;
  errors: Record<string, number>;
}

const ms = (us: number) => Math.round(us) / 1000;

export function buildReport(tool: string, snap: StatsSnapshot, histogram: Histogram, run: { startedAt: number; endedAt: number; stoppedBy: string; settings: Record<string, unknown>; workers: number }): RunReport {
  const elapsedS = Math.max(0.001, (run.endedAt - run.startedAt) / 1000);
  const framesSent = total(snap.sent);
  const repliesReceived = total(snap.replies);
  return {
    tool,
    startedAt: new Date(run.startedAt).toISOString(),
    endedAt: new Date(run.endedAt).toISOString(),
    elapsedS: Math.round(elapsedS * 1000) / 1000,
    stoppedBy: run.stoppedBy,
    settings: run.settings,
    workers: run.workers,
    terminals: snap.terminals,
    online: snap.online,
    connects: snap.connects,
    reconnects: snap.reconnects,
    framesSent,
    framesAcked: total(snap.acked),
    repliesReceived,
    blindAreas: snap.blindAreas,
    dispatched: snap.dispatched,
    activeSafety: snap.attachments,
    throughput: { framesPerS: Math.round(framesSent / elapsedS), repliesPerS: Math.round(repliesReceived / elapsedS), bytesOutPerS: Math.round(snap.bytesOut / elapsedS) },
    latencyMs: { count: histogram.count, p50: ms(histogram.percentile(0.5)), p95: ms(histogram.percentile(0.95)), p99: ms(histogram.percentile(0.99)), max: ms(histogram.max), mean: ms(histogram.mean()) },
    sent: snap.sent,
    acked: snap.acked,
    replies: snap.replies,
    errors: snap.errors,
  };
}

/** One line, for a TTY's \r-rewritten status. */
export function progressLine(elapsedS: number, snap: StatsSnapshot, histogram: Histogram, ratePerS: number): string {
  return `${elapsedS.toFixed(0).padStart(4)}s  online ${snap.online}/${snap.terminals}  sent ${total(snap.sent)} (${Math.round(ratePerS)}/s)  acked ${total(snap.acked)}  replies ${total(snap.replies)}  p50 ${ms(histogram.percentile(0.5))} ms  p99 ${ms(histogram.percentile(0.99))} ms  reconnects ${snap.reconnects}  blind areas ${snap.blindAreas}  errors ${total(snap.errors)}`;
}

export function summaryTable(r: RunReport): string {
  const rows: [string, string][] = [
    ['elapsed', `${r.elapsedS} s (stopped by ${r.stoppedBy})`],
    ['workers', String(r.workers)],
    ['terminals', `${r.terminals} (online at end ${r.online})`],
    ['connects / reconnects', `${r.connects} / ${r.reconnects}`],
    ['frames sent', `${r.framesSent} (${r.throughput.framesPerS}/s)`],
    ['frames acknowledged', `${r.framesAcked} (0x8001 result 0, or 4 alarm confirmed)`],
    ['replies received', `${r.repliesReceived} (${r.throughput.repliesPerS}/s)`],
    ['blind-area episodes', String(r.blindAreas)],
    ['dispatch orders answered', String(r.dispatched)],
    ...(r.activeSafety.alarms + r.activeSafety.requests > 0 ? [activeSafetyRow(r.activeSafety)] : []),
    ['latency frame -> 0x8001', `p50 ${r.latencyMs.p50} ms, p95 ${r.latencyMs.p95} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms (n=${r.latencyMs.count})`],
    ...Object.entries(r.sent).map(([k, v]): [string, string] => [`  sent ${k}`, r.acked[k] === undefined ? String(v) : `${v} (acknowledged ${r.acked[k]})`]),
    ...Object.entries(r.replies).map(([k, v]): [string, string] => [`  reply ${k}`, String(v)]),
    ...Object.entries(r.errors).map(([k, v]): [string, string] => [`  error ${k}`, String(v)]),
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  const line = `+${'-'.repeat(w + 2)}+${'-'.repeat(Math.max(...rows.map(([, v]) => v.length)) + 2)}+`;
  return [line, ...rows.map(([k, v]) => `| ${k.padEnd(w)} | ${v.padEnd(line.length - w - 7)} |`), line].join('\n');
}

function activeSafetyRow(a: AttachmentCounts): [string, string] {
  return ['active-safety attachments', `${a.alarms} alarms, ${a.requests} x 0x9208, ${a.uploads} uploads done, ${a.failed} failed; files ${a.files} sent, ${a.filesAcked} acknowledged; ${a.rangesResent} ranges resent`];
}

export function writeReport(path: string, r: RunReport): void {
  writeFileSync(path, JSON.stringify(r, null, 2) + '\n');
}
