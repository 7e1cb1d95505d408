/**
 * One Su-biao attachment upload, the terminal's side (T/JSATL12-2017 §5.5-5.6): after 0x9208 the
 * terminal connects to the attachment server it names, lists the alarm's files (0x1210, answered
 * 0x8001), and for each file announces it (0x1211, answered 0x8001), streams it as raw file-data
 * frames (`30 31 63 64`, name, offset, length, data), says it is done (0x1212) and waits for
 * 0x9212: result 0 moves on, result 1 lists ranges the server lacks, which are sent again before
 * another 0x1212 (at most MAX_RESENDS times). Then it closes.
 *
 * The 808 frames of this channel go through a ProtocolClient of their own (serials, decoding,
 * waiting for answers), the data frames straight onto the link; the server is as untrusted as
 * any platform: a range outside the file is refused and counted, overlapping ranges are merged
 * (so one answer never makes us send more than the file), every wait has the reply timeout.
 */
import { Jt808Error, encodeFileData } from '../decoders/index.js';
import type { AttachmentUploadAnswer, AttachmentUploadCommand, ResendRange } from '../decoders/index.js';
import type { EvidenceFile } from './evidence.js';
import type { Link } from './link.js';
import { openLink } from './link.js';
import { ProtocolClient } from './protocol.js';
import type { Rng } from './rng.js';
import type { TerminalSpec } from './spec.js';
import type { Stats } from './stats.js';
import { hex } from './stats.js';

/** Data per file-data frame: within the standard's 64 KiB, and small enough that a withheld range is a part of a file. */
export const CHUNK = 16 * 1024;
/** 0x1212 sent again at most this many times after a 0x9212 asking for ranges; then the upload fails. */
export const MAX_RESENDS = 3;

export interface UploadOptions {
  spec: TerminalSpec;
  /** The 7-character terminal ID of 0x1210 (the one it registered with). */
  terminalId: string;
  stats: Stats;
  replyTimeoutMs: number;
  /** Source address (a loopback fleet's 127.0.0.x), used when the server is on loopback too. */
  localAddress?: string;
  /** Probability that a chunk is withheld on its first send, so that the server must ask for it. */
  dropRanges: number;
  /** Draws which chunks are withheld (this upload's own stream). */
  rng: Rng;
}

/** Why an upload was given up (counted as `attachment-<reason>` in the errors). */
type Failure = 'connect' | 'no-answer' | 'refused' | 'resend-limit' | 'encode';

class UploadFailed extends Error {
  constructor(readonly reason: Failure) {
    super(reason);
  }
}

/**
 * The ranges to send again for one 0x9212: those inside the file, sorted and merged; `refused`
 * counts the others (empty, or past the file's end).
 */
export function resendPlan(ranges: readonly ResendRange[], size: number): { plan: ResendRange[]; refused: number } {
  const inside = ranges.filter((r) => r.length > 0 && r.offset + r.length <= size).sort((a, b) => a.offset - b.offset);
  const plan: ResendRange[] = [];
  for (const r of inside) {
    const last = plan[plan.length - 1];
    if (last && r.offset <= last.offset + last.length) last.length = Math.max(last.length, r.offset + r.length - last.offset);
    else plan.push({ offset: r.offset, length: r.length });
  }
  return { plan, refused: ranges.length - inside.length };
}

/** Uploads the files as `command` asks; resolves true when the server acknowledged every one. Never throws. */
export async function uploadAttachments(command: AttachmentUploadCommand, files: readonly EvidenceFile[], o: UploadOptions): Promise<boolean> {
  const { stats } = o;
  const client = new ProtocolClient(o.spec, { stats, replyTimeoutMs: o.replyTimeoutMs, downlink: () => undefined });
  let link: Link;
  try {
    link = await openLink(
      { transport: 'tcp', host: command.ip, port: command.tcpPort, ...(o.localAddress && command.ip.startsWith('127.') ? { localAddress: o.localAddress } : {}) },
      { data: (chunk) => client.onBytes(chunk), closed: () => client.detach() },
    );
  } catch (e) {
    stats.error(`attachment-connect:${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    stats.attachments.failed++;
    return false;
  }
  client.attach(link);

  const answer = (match: Parameters<ProtocolClient['expect']>[0]) => client.expect(match, 'no-answer').catch(() => Promise.reject(new UploadFailed('no-answer')));
  const acked = async (msgId: number, body: object) => {
    const serial = client.send(msgId, body, false);
    const m = await answer((d) => d.msgId === 0x8001 && (d.body as { ackSerial: number }).ackSerial === serial);
    const result = (m.body as { result: number }).result;
    if (result !== 0) {
      stats.error(`attachment-refused:${hex(msgId)}:${result}`);
      throw new UploadFailed('refused');
    }
  };
  const send = (file: EvidenceFile, offset: number, length: number) => {
    for (let at = offset; at < offset + length; at += CHUNK) writeData(link, stats, file, at, Math.min(CHUNK, offset + length - at));
  };

  try {
    await acked(0x1210, { terminalId: o.terminalId, identifier: command.identifier, alarmNo: command.alarmNo, infoType: 0, files: files.map((f) => ({ name: f.name, size: f.data.length })) });
    for (const file of files) {
      const info = { name: file.name, fileType: file.fileType, size: file.data.length };
      await acked(0x1211, info);
      for (let at = 0; at < file.data.length; at += CHUNK) {
        // withheld on the first send: the server has to notice and ask (0x9212 result 1)
        if (o.rng.chance(o.dropRanges)) continue;
        writeData(link, stats, file, at, Math.min(CHUNK, file.data.length - at));
      }
      stats.attachments.files++;
      for (let resends = 0; ; resends++) {
        client.send(0x1212, info, false);
        const m = await answer((d) => d.msgId === 0x9212 && (d.body as AttachmentUploadAnswer).name === file.name);
        const done = m.body as AttachmentUploadAnswer;
        if (done.result === 0) {
          stats.attachments.filesAcked++;
          break;
        }
        if (resends === MAX_RESENDS) throw new UploadFailed('resend-limit');
        const { plan, refused } = resendPlan(done.resend, file.data.length);
        if (refused > 0) stats.error('attachment-bad-range');
        for (const r of plan) send(file, r.offset, r.length);
        stats.attachments.rangesResent += plan.length;
      }
    }
    stats.attachments.uploads++;
    return true;
  } catch (e) {
    const reason: Failure = e instanceof UploadFailed ? e.reason : e instanceof Jt808Error ? 'encode' : 'no-answer';
    if (reason !== 'refused') stats.error(`attachment-${reason}`);
    stats.attachments.failed++;
    return false;
  } finally {
    client.close();
  }
}

function writeData(link: Link, stats: Stats, file: EvidenceFile, offset: number, length: number): void {
  const frame = encodeFileData(file.name, offset, file.data.subarray(offset, offset + length));
  link.write(frame);
  stats.bytesOut += frame.length;
}
