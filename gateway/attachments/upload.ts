/**
 * One connection on the attachment port (T/JSATL12-2017 §5.5-5.6): the terminal told by 0x9208
 * sends its file list (0x1210), then per file its info (0x1211), its data (raw `30 31 63 64`
 * frames, unanswered) and 0x1212 once sent; the server answers 0x1210/0x1211 with 0x8001 and
 * 0x1212 with 0x9212: result 0 once the file is whole (stored), result 1 with the missing ranges
 * otherwise, until it is.
 *
 * Every byte is hostile, so:
 * - the list must name an alarm number this gateway issued (alarm-numbers.ts) to the terminal
 *   whose phone the frame carries, not busy on another connection, with at most
 *   attachments.maxFiles files; anything else is answered 0x8001 result 1 and the connection
 *   closed;
 * - a file is taken at its 0x1211 only when the list named it with the same size, the size is
 *   within attachments.maxFileBytes and attachments.maxBytesInFlight has room for it (reserved
 *   until it is stored or removed); its data goes to a partial file on disk;
 * - a data frame for a file not taken, past the announced size, after the file was stored, or
 *   that would make more than attachments.maxRanges separate ranges is dropped and counted (the
 *   standard answers data frames with nothing); a data frame longer than 64 KiB, a bad 808
 *   frame, or junk closes the connection (the stream cannot be trusted to be in step);
 * - work is done in arrival order on one chain; while more than `QUEUED_MAX` bytes wait on it the
 *   socket is paused, so a fast sender holds at most that much of our memory;
 * - work is counted in bytes whether it is data or 808 frames: a flood of small frames (heartbeats,
 *   refused 0x1211s) while a step waits (a file stored, the sinks busy) pauses the socket too;
 * - idle for attachments.idleTimeoutMs, the connection is closed and every partial file deleted;
 *   and it has a deadline whatever it sends (heartbeats included): its list within
 *   attachments.idleTimeoutMs of connecting (a peer with no alarm number holds no place for long),
 *   then attachments.uploadTimeoutMs after the list. Checked at every read and by a timer, on the
 *   service's clock;
 * - an alarm's files are at most attachments.maxFiles names over all its connections: a list sent
 *   again may repeat them, never add past it (each name stored is remembered until the alarm
 *   number expires).
 * Refusals are counted by reason (dipper_attachment_refused_total); more than `MAX_REFUSALS`
 * answered refusals close the connection.
 */
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { AttachmentStreamSplitter, RESULT, decodeFrame, encode } from '../../decoders/index.js';
import type { AttachmentFile, AttachmentFileInfo, AttachmentList, FileData, Header, Jt808Error, Message } from '../../decoders/index.js';
import { attachmentFile } from '../../events/attachment-files.js';
import { formatOfExtension } from '../../events/media-formats.js';
import { terminalId } from '../../events/commands.js';
import type { GatewayEvent, Media } from '../../events/model.js';
import type { GatewayConfig } from '../settings.js';
import type { Guard } from '../guard.js';
import type { Logger } from '../log.js';
import type { MediaStore } from '../media/store.js';
import type { Metrics } from '../metrics.js';
import type { IssuedAlarm } from './alarm-numbers.js';
import type { AttachmentRefusal, UploadOutcome } from './outcomes.js';
import { PartialFile } from './partial-file.js';

/** Bytes of received data waiting on the chain before the socket is paused (and resumed below a quarter). */
const QUEUED_MAX = 1024 * 1024;
/** Answered refusals (0x8001 result 1) per connection before it is closed. */
const MAX_REFUSALS = 32;
/** Bytes outside any frame since the last good unit before the connection is closed. */
const MAX_JUNK = 4096;
/** Missing ranges in one 0x9212 at most: with a 255-byte name the body stays within one frame (1023 bytes); the rest at the next 0x1212. */
export const MAX_RESEND = 90;
/** Unread answers a terminal may leave in our send buffer before its connection is dropped. */
const MAX_UNSENT = 64 * 1024;

/** What an upload needs of the attachment service (service.ts). */
export interface UploadContext {
  readonly config: GatewayConfig['attachments'];
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly guard: Guard;
  readonly media: MediaStore;
  readonly partialDir: string;
  alarm(alarmNo: string): IssuedAlarm | undefined;
  /** the clock of the connection's deadlines (tests inject one) */
  now(): number;
  /** reserves announced bytes against attachments.maxBytesInFlight; false: no room */
  reserve(bytes: number): boolean;
  release(bytes: number): void;
  publish(events: readonly GatewayEvent[]): Promise<void>;
  /** the connection has closed and cleaned up */
  ended(upload: Upload, outcome: UploadOutcome): void;
}

interface FileState {
  index: number;
  name: string;
  size: number;
  /** set at its 0x1211 */
  fileType?: number;
  partial?: PartialFile;
  /** bytes reserved against attachments.maxBytesInFlight while it is being received */
  reserved: number;
}

let nextUpload = 1;

export class Upload {
  readonly id = nextUpload++;
  private readonly splitter = new AttachmentStreamSplitter();
  private alarmEntry: IssuedAlarm | undefined;
  /** the header of the accepted 0x1210: phone and edition of every answer */
  private replyTo: Pick<Header, 'phone' | 'version' | 'protocolVersion'> | undefined;
  private readonly files = new Map<string, FileState>();
  private serial = 0;
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private paused = false;
  private refusals = 0;
  /** the splitter's junk count at the last good unit */
  private junkAtGood = 0;
  private closed = false;
  private outcome: UploadOutcome | undefined;
  private readonly idleTimer: NodeJS.Timeout;
  /** when the connection is closed whatever it sends (ctx.now): its list due, then its upload */
  private deadline: number;
  private deadlineTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: UploadContext,
    private readonly stream: Duplex,
    readonly ip: string,
  ) {
    const { guard } = ctx;
    this.idleTimer = setTimeout(guard.wrap('attachment-timer', () => this.close('idle')), ctx.config.idleTimeoutMs).unref();
    // heartbeats refresh the idle timer, not this: a peer with no list is gone by then
    this.deadline = ctx.now() + ctx.config.idleTimeoutMs;
    this.armDeadline();
    stream.on('data', guard.wrap('attachment-input', (chunk: Buffer) => this.take(chunk)));
    stream.on('error', () => this.enqueue(0, async () => this.close(this.everyFileDone() ? 'complete' : 'incomplete')));
    // the peer's end comes after its data: what the chain still holds of it is worked off first
    stream.on('end', () => this.enqueue(0, async () => this.close(this.everyFileDone() ? 'complete' : 'incomplete')));
    stream.on('close', () => this.enqueue(0, async () => this.close(this.everyFileDone() ? 'complete' : 'incomplete')));
  }

  /** Partial files held, for the tests and the state census. */
  get partialFiles(): number {
    let n = 0;
    for (const f of this.files.values()) if (f.partial) n++;
    return n;
  }

  // ---- bytes in -------------------------------------------------------------------------

  private take(chunk: Buffer): void {
    if (this.closed || this.pastDeadline()) return;
    this.idleTimer.refresh();
    this.splitter.push(chunk, { frame: this.onFrame, fileData: this.onData, error: this.onStreamError });
    if (!this.closed && this.splitter.junkBytes - this.junkAtGood > MAX_JUNK) this.refuseStream('junk');
  }

  private readonly onFrame = (data: Buffer): void => {
    if (this.closed) return;
    const r = decodeFrame(data);
    if (!r.ok) {
      this.ctx.metrics.decodeErrors.inc({ reason: r.error.code });
      this.refuseStream('malformed');
      return;
    }
    const message = r.message;
    this.junkAtGood = this.splitter.junkBytes;
    this.ctx.metrics.frameIn(message.msgId);
    if ('part' in message) {
      // a list, file info or file done fits one frame at the settings' bounds: parts are not taken here
      this.refuseStream('unsupported');
      return;
    }
    // counted like data: frames piling up behind a slow step pause the socket too
    this.enqueue(data.length, () => this.handle(message));
  };

  private readonly onData = (chunk: FileData): void => {
    if (this.closed) return;
    this.junkAtGood = this.splitter.junkBytes;
    this.enqueue(chunk.data.length, () => this.write(chunk));
  };

  private readonly onStreamError = (error: Jt808Error): void => {
    if (this.closed) return;
    this.ctx.metrics.decodeErrors.inc({ reason: error.code });
    // the splitter's too_long with a data frame's header: a length past 64 KiB (the standard's bound)
    this.refuseStream(error.code === 'too_long' ? 'bad-data-frame' : 'malformed');
  };

  /** Runs `step` after everything received before it; `bytes` of data wait meanwhile (paused past QUEUED_MAX). */
  private enqueue(bytes: number, step: () => Promise<void>): void {
    this.queued += bytes;
    if (this.queued > QUEUED_MAX && !this.paused) {
      this.paused = true;
      this.stream.pause();
    }
    this.chain = this.chain
      .then(async () => {
        if (this.closed && bytes > 0) return;
        await step();
      })
      .catch((e: unknown) => {
        this.ctx.guard.report('attachment-input', e);
        this.close('error');
      })
      .finally(() => {
        this.queued -= bytes;
        if (this.paused && this.queued < QUEUED_MAX / 4 && !this.closed) {
          this.paused = false;
          this.stream.resume();
        }
      });
  }

  // ---- messages -------------------------------------------------------------------------

  private async handle(message: Message): Promise<void> {
    if (this.closed) return;
    switch (message.msgId) {
      case 0x1210:
        return this.list(message as Message<AttachmentList>);
      case 0x1211:
        return this.fileInfo(message as Message<AttachmentFileInfo>);
      case 0x1212:
        return this.fileDone(message as Message<AttachmentFileInfo>);
      case 0x0002:
        // a heartbeat keeps the connection (the idle timer was refreshed by its bytes)
        this.reply(message, 0x8001, { ackSerial: message.serial, ackMsgId: message.msgId, result: RESULT.ok });
        return;
      default:
        this.refuse(message, 'unsupported', RESULT.unsupported);
    }
  }

  /** 0x1210: the alarm number must be one this gateway issued to this terminal. */
  private list(message: Message<AttachmentList>): void {
    const { alarmNo, files } = message.body;
    if (files.length > this.ctx.config.maxFiles) return this.refuseAndClose(message, 'too-many-files');
    const names = new Set(files.map((f) => f.name));
    if (names.size !== files.length || files.some((f) => f.name.length === 0)) return this.refuseAndClose(message, 'bad-list');
    if (this.alarmEntry) {
      // a list sent again on the same connection (info type 1): the same alarm only, its files added
      if (alarmNo !== this.alarmEntry.alarmNo) return this.refuseAndClose(message, 'other-alarm');
      if (!this.addFiles(this.alarmEntry, files)) return this.refuseAndClose(message, 'too-many-files');
      this.reply(message, 0x8001, { ackSerial: message.serial, ackMsgId: message.msgId, result: RESULT.ok });
      return;
    }
    const entry = this.ctx.alarm(alarmNo);
    if (!entry) return this.refuseAndClose(message, 'unknown-alarm-no');
    if (entry.terminal !== terminalId(message.phone)) return this.refuseAndClose(message, 'foreign-alarm-no');
    if (entry.busy) return this.refuseAndClose(message, 'alarm-busy');
    if (!this.addFiles(entry, files)) return this.refuseAndClose(message, 'too-many-files');
    entry.busy = true;
    this.alarmEntry = entry;
    this.replyTo = message;
    this.deadline = this.ctx.now() + this.ctx.config.uploadTimeoutMs;
    this.armDeadline();
    this.reply(message, 0x8001, { ackSerial: message.serial, ackMsgId: message.msgId, result: RESULT.ok });
  }

  /**
   * Adds the files not yet listed on this connection; false (nothing added) when the alarm's names,
   * those stored on earlier connections included, would pass attachments.maxFiles.
   */
  private addFiles(entry: IssuedAlarm, files: readonly AttachmentFile[]): boolean {
    const names = new Set([...entry.done, ...this.files.keys(), ...files.map((f) => f.name)]);
    if (names.size > this.ctx.config.maxFiles) return false;
    for (const f of files) if (!this.files.has(f.name)) this.files.set(f.name, { index: this.files.size, name: f.name, size: f.size, reserved: 0 });
    return true;
  }

  /** 0x1211: a listed file about to be sent. */
  private async fileInfo(message: Message<AttachmentFileInfo>): Promise<void> {
    if (!this.alarmEntry) return this.refuseAndClose(message, 'no-list');
    const { name, size, fileType } = message.body;
    const file = this.files.get(name);
    if (!file) return this.refuse(message, 'unannounced-file');
    const ok = () => this.reply(message, 0x8001, { ackSerial: message.serial, ackMsgId: message.msgId, result: RESULT.ok });
    // stored already (a list sent again), or being received (its 0x1211 again): nothing new
    if (this.alarmEntry.done.has(name) || file.partial) return ok();
    if (size !== file.size) return this.refuse(message, 'size-mismatch');
    if (size > this.ctx.config.maxFileBytes) return this.refuse(message, 'file-too-large');
    if (!this.ctx.reserve(size)) return this.refuse(message, 'in-flight-full');
    file.reserved = size;
    file.fileType = fileType;
    try {
      file.partial = await PartialFile.create(join(this.ctx.partialDir, `${this.id}-${file.index}.part`), size, this.ctx.config.maxRanges);
    } catch (e) {
      this.ctx.release(file.reserved);
      file.reserved = 0;
      throw e;
    }
    if (this.closed) {
      // closed while the file was being made: close() found nothing to remove
      await this.drop(file);
      return;
    }
    ok();
  }

  /** A data frame: written where it says, if it belongs to a file being received and fits it. */
  private async write(chunk: FileData): Promise<void> {
    const file = this.files.get(chunk.name);
    if (file && this.alarmEntry?.done.has(file.name)) return this.dropData('after-complete');
    if (!file?.partial) return this.dropData('unannounced-data');
    const end = chunk.offset + chunk.data.length;
    if (end > file.size) return this.dropData('beyond-size');
    if (!file.partial.ranges.fits(chunk.offset, end)) return this.dropData('too-many-ranges');
    await file.partial.write(chunk.offset, chunk.data);
    this.ctx.metrics.attachmentBytes.inc(chunk.data.length);
  }

  /** 0x1212: the terminal has sent the file; 0x9212 says whether it is whole. */
  private async fileDone(message: Message<AttachmentFileInfo>): Promise<void> {
    if (!this.alarmEntry) return this.refuseAndClose(message, 'no-list');
    const { name, fileType } = message.body;
    const file = this.files.get(name);
    const answer = (result: number, resend: { offset: number; length: number }[] = []) => this.reply(message, 0x9212, { name, fileType, result, resend });
    if (file && this.alarmEntry.done.has(name)) {
      this.ctx.metrics.attachmentFiles.inc({ outcome: 'duplicate' });
      return answer(0);
    }
    if (!file?.partial) return this.refuse(message, 'unannounced-file');
    const partial = file.partial;
    if (!partial.ranges.complete) return answer(1, partial.ranges.missing(MAX_RESEND));
    const sha256 = await partial.finish();
    const entry = this.alarmEntry;
    const { ext, contentType } = attachmentFile(name);
    const receivedAt = Date.now();
    const stem = `att-${entry.alarmNo}-${file.index}-${new Date(receivedAt).toISOString().replace(/[:.]/g, '')}`;
    const saved = await this.ctx.media.saveFile(entry.terminal, stem, ext, partial.path, file.size, sha256);
    file.partial = undefined;
    this.ctx.release(file.reserved);
    file.reserved = 0;
    if ('refused' in saved) {
      await partial.remove();
      this.ctx.metrics.attachmentFiles.inc({ outcome: 'refused' });
      // 0x9212 has no refusal: result 1 for the 0x1212, as a 0x0801 past the quota is answered (the terminal keeps its copy)
      return this.refuse(message, `media-${saved.refused}`);
    }
    entry.done.add(name);
    const type = file.fileType ?? fileType;
    const media: Media = {
      terminal: entry.terminal,
      category: entry.category as Media['category'],
      org: entry.org,
      mediaId: file.index,
      type,
      format: formatOfExtension(ext),
      event: 0,
      channel: channelOf(name),
      path: saved.path,
      bytes: file.size,
      sha256,
      receivedAt: new Date(receivedAt).toISOString(),
      position: null,
      attachment: { alarmNo: entry.alarmNo, identifier: { ...entry.identifier }, alarm: entry.alarm, fileName: name, fileType: type, contentType },
    };
    this.ctx.metrics.attachmentFiles.inc({ outcome: 'stored' });
    await this.ctx.publish([{ kind: 'media', media }]);
    answer(0);
  }

  // ---- answers --------------------------------------------------------------------------

  private reply(to: Pick<Header, 'phone' | 'version' | 'protocolVersion'>, msgId: number, body: object): void {
    if (this.closed || this.stream.destroyed) return;
    const header = this.replyTo ?? to;
    const frame = encode({ msgId, version: header.version, phone: header.phone, serial: this.serial, ...(header.version === '2019' ? { protocolVersion: header.protocolVersion ?? 1 } : {}), body });
    this.serial = (this.serial + 1) & 0xffff;
    // a terminal that sends and never reads must not make us hold its answers
    if (this.stream.writableLength > MAX_UNSENT) {
      this.ctx.metrics.attachmentRefused.inc({ reason: 'unread' });
      this.close('refused', true);
      return;
    }
    this.stream.write(frame);
    this.ctx.metrics.replied('tcp', msgId, 1, frame.length);
  }

  /** 0x8001 result 1 (or `result`), counted; too many of them close the connection. */
  private refuse(message: Message, reason: AttachmentRefusal, result: number = RESULT.fail): void {
    this.ctx.metrics.attachmentRefused.inc({ reason });
    this.reply(message, 0x8001, { ackSerial: message.serial, ackMsgId: message.msgId, result });
    if (++this.refusals > MAX_REFUSALS) this.refuseStream('too-many-refusals');
  }

  private refuseAndClose(message: Message, reason: AttachmentRefusal): void {
    this.ctx.metrics.attachmentRefused.inc({ reason });
    this.reply(message, 0x8001, { ackSerial: message.serial, ackMsgId: message.msgId, result: RESULT.fail });
    this.close('refused');
  }

  private dropData(reason: AttachmentRefusal): void {
    this.ctx.metrics.attachmentRefused.inc({ reason });
  }

  /** Input that leaves the stream out of step: counted, and the connection dropped (its unread input with it). */
  private refuseStream(reason: AttachmentRefusal): void {
    this.ctx.metrics.attachmentRefused.inc({ reason });
    this.close('refused', true);
  }

  // ---- the end --------------------------------------------------------------------------

  /** Closes the connection once its deadline has passed (true); before its list that is a refusal. */
  private pastDeadline(): boolean {
    if (this.ctx.now() < this.deadline) return false;
    if (!this.alarmEntry) this.refuseStream('list-late');
    else this.close('expired');
    return true;
  }

  /** The timer that closes a silent connection's deadline (re-armed when the clock says it is not yet due). */
  private armDeadline(): void {
    clearTimeout(this.deadlineTimer);
    const wait = Math.max(0, this.deadline - this.ctx.now());
    this.deadlineTimer = setTimeout(this.ctx.guard.wrap('attachment-timer', () => this.closed || this.pastDeadline() || this.armDeadline()), wait).unref();
  }

  private everyFileDone(): boolean {
    const entry = this.alarmEntry;
    if (!entry || this.files.size === 0) return false;
    for (const name of this.files.keys()) if (!entry.done.has(name)) return false;
    return true;
  }

  /**
   * Idempotent. Stops reading and timers at once; the partial files are deleted once the chain has
   * finished what it was doing (a write under way completes first), then the service is told.
   */
  close(outcome: UploadOutcome, abort = false): void {
    if (this.closed) return;
    this.closed = true;
    this.outcome = outcome === 'incomplete' && this.everyFileDone() ? 'complete' : outcome;
    clearTimeout(this.idleTimer);
    clearTimeout(this.deadlineTimer);
    this.splitter.reset();
    if (this.alarmEntry) this.alarmEntry.busy = false;
    if (abort || this.stream.destroyed) this.stream.destroy();
    else {
      // the last answer (a refusal's 0x8001) leaves first; a peer that never reads is dropped a moment later
      this.stream.end();
      setTimeout(() => this.stream.destroy(), 1000).unref();
    }
    if (this.paused) this.paused = false;
    this.chain = this.chain.then(async () => {
      for (const file of this.files.values()) await this.drop(file);
      this.ctx.ended(this, this.outcome!);
    });
  }

  /** Deletes a file still being received and frees its reservation. */
  private async drop(file: FileState): Promise<void> {
    const partial = file.partial;
    file.partial = undefined;
    if (file.reserved > 0) this.ctx.release(file.reserved);
    file.reserved = 0;
    if (!partial) return;
    await partial.remove();
    this.ctx.metrics.attachmentFiles.inc({ outcome: 'removed' });
  }
}

/** The channel in a T/JSATL12 file name (`<type>_<channel>_<alarmType>_<seq>_<alarmNo>.<ext>`, §4.6), else 0. */
function channelOf(name: string): number {
  const field = name.split('_')[1];
  return field !== undefined && /^[0-9]{1,3}$/.test(field) ? Math.min(Number(field), 255) : 0;
}
