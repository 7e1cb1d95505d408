/**
 * A small platform for the simulated terminals' Su-biao side, written for the tests from the
 * standard with the codec only (the gateway's attachment server is not used: the terminal is what
 * is under test). Its 808 port answers registration (0x8100) and every other uplink (0x8001),
 * keeps each uplink with its raw header+body, and sends 0x9208 for the first alarm with
 * attachments when asked to (commandFirstAlarm); its attachment port answers 0x1210/0x1211 with
 * 0x8001, keeps every file-data frame as it came, and puts the files together in a brute-force
 * model: the file's bytes and, per byte, whether it has arrived. 0x1212 is answered by a policy
 * the test gives (by default: result 0 once every byte is in, else result 1 with every missing run).
 */
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { Test } from 'tap';
import { AttachmentStreamSplitter, FrameSplitter, decodeFrame, encode } from '../../decoders/index.js';
import type { AttachmentFileInfo, AttachmentList, AttachmentUploadAnswer, Edition, LocationReport, Message, SuBiaoAlarmIdentifier } from '../../decoders/index.js';
import { until } from '../gateway/helpers/http.js';

export interface ReceivedFile {
  name: string;
  size: number;
  fileType: number;
  bytes: Buffer;
  /** 1 where a byte has arrived */
  have: Uint8Array;
  /** every data frame as it came, in order */
  frames: { offset: number; length: number }[];
  /** every 0x1212 and the 0x9212 that answered it */
  answers: AttachmentUploadAnswer[];
}

/** One attachment connection. */
export interface ReceivedUpload {
  list?: AttachmentList;
  files: Map<string, ReceivedFile>;
  /** data frames naming a file never announced (0x1211) */
  strayFrames: number;
  closed: boolean;
}

/** The 0x9212 for a 0x1212: `attempt` counts the 0x1212s of this file before this one. */
export type DoneAnswer = (file: ReceivedFile, attempt: number) => Pick<AttachmentUploadAnswer, 'result' | 'resend'>;

/** Runs of bytes not yet arrived, found byte by byte. */
export function missingRuns(have: Uint8Array): { offset: number; length: number }[] {
  const runs: { offset: number; length: number }[] = [];
  for (let i = 0; i < have.length; i++) {
    if (have[i]) continue;
    const last = runs[runs.length - 1];
    if (last && last.offset + last.length === i) last.length++;
    else runs.push({ offset: i, length: 1 });
  }
  return runs;
}

export const completeOrMissing: DoneAnswer = (file) => {
  const resend = missingRuns(file.have);
  return { result: resend.length === 0 ? 0 : 1, resend };
};

export interface Uplink {
  message: Message;
  /** header + body, unescaped (what the splitter hands out) */
  raw: Buffer;
}

export class AttachmentPlatform {
  readonly uplinks: Uplink[] = [];
  readonly uploads: ReceivedUpload[] = [];
  answerDone: DoneAnswer = completeOrMissing;
  private socket: Socket | undefined;
  private who: { version: Edition; phone: string } | undefined;
  private serial = 0;
  private alarmNo: string | undefined;
  /** The 0x9208 sent (its serial) and the report that carried the alarm. */
  commanded: { serial: number; report: Uplink; identifier: SuBiaoAlarmIdentifier } | undefined;

  private constructor(
    private readonly jt808: Server,
    private readonly attachments: Server,
  ) {}

  static async start(t: Test): Promise<AttachmentPlatform> {
    const jt808 = createServer();
    const attachments = createServer();
    const platform = new AttachmentPlatform(jt808, attachments);
    jt808.on('connection', (sock: Socket) => platform.onTerminal(sock));
    attachments.on('connection', (sock: Socket) => platform.onUpload(sock));
    for (const server of [jt808, attachments]) {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      t.teardown(() => new Promise((resolve) => server.close(() => resolve(undefined))));
    }
    return platform;
  }

  get port(): number {
    return (this.jt808.address() as AddressInfo).port;
  }

  get attachmentPort(): number {
    return (this.attachments.address() as AddressInfo).port;
  }

  /** The first 808 uplink `match` takes (those already kept count). */
  got(what: string, match: (m: Message, raw: Buffer) => boolean): Promise<Uplink> {
    return until(what, () => this.uplinks.find((u) => match(u.message, u.raw)));
  }

  /**
   * Asks for the attachments of the first alarm that announces some (0x9208 with this alarm
   * number), the moment its report arrives, as the gateway does; `commanded` then holds it.
   */
  commandFirstAlarm(alarmNo: string): void {
    this.alarmNo = alarmNo;
  }

  /** A downlink to the terminal on its 808 link; returns its serial. */
  down(msgId: number, body: object): number {
    const serial = this.serial++;
    const who = this.who!;
    this.socket!.write(encode({ msgId, version: who.version, phone: who.phone, serial, ...(who.version === '2019' ? { protocolVersion: 1 } : {}), body }));
    return serial;
  }

  private onTerminal(sock: Socket): void {
    this.socket = sock;
    const splitter = new FrameSplitter();
    sock.on('error', () => undefined);
    sock.on('data', (chunk) =>
      splitter.push(
        chunk,
        (frame) => {
          const r = decodeFrame(frame);
          if (!r.ok || 'part' in r.message) return;
          const m = r.message;
          this.who = { version: m.version, phone: m.phone };
          if (m.msgId === 0x0100) this.down(0x8100, { ackSerial: m.serial, result: 0, authCode: 'su-biao-test' });
          else if (m.msgId !== 0x0001) this.down(0x8001, { ackSerial: m.serial, ackMsgId: m.msgId, result: 0 });
          const uplink = { message: m, raw: Buffer.from(frame) };
          this.uplinks.push(uplink);
          const extras = m.msgId === 0x0200 ? (m.body as LocationReport).extras : {};
          const identifier = (extras.adas ?? extras.dsm)?.identifier;
          if (this.alarmNo !== undefined && !this.commanded && identifier && identifier.attachments > 0) {
            const serial = this.down(0x9208, { ip: '127.0.0.1', tcpPort: this.attachmentPort, udpPort: 0, identifier, alarmNo: this.alarmNo, reserved: Buffer.alloc(16) });
            this.commanded = { serial, report: uplink, identifier };
          }
        },
        () => undefined,
      ),
    );
  }

  private onUpload(sock: Socket): void {
    const upload: ReceivedUpload = { files: new Map(), strayFrames: 0, closed: false };
    this.uploads.push(upload);
    const splitter = new AttachmentStreamSplitter();
    let serial = 0;
    const answer = (m: Message, msgId: number, body: object) => sock.write(encode({ msgId, version: m.version, phone: m.phone, serial: serial++, ...(m.version === '2019' ? { protocolVersion: 1 } : {}), body }));
    sock.on('error', () => undefined);
    sock.on('close', () => (upload.closed = true));
    sock.on('data', (chunk) =>
      splitter.push(chunk, {
        frame: (frame) => {
          const r = decodeFrame(frame);
          if (!r.ok || 'part' in r.message) return;
          const m = r.message;
          if (m.msgId === 0x1210) {
            upload.list = m.body as AttachmentList;
            answer(m, 0x8001, { ackSerial: m.serial, ackMsgId: m.msgId, result: 0 });
          } else if (m.msgId === 0x1211) {
            const info = m.body as AttachmentFileInfo;
            upload.files.set(info.name, { name: info.name, size: info.size, fileType: info.fileType, bytes: Buffer.alloc(info.size), have: new Uint8Array(info.size), frames: [], answers: [] });
            answer(m, 0x8001, { ackSerial: m.serial, ackMsgId: m.msgId, result: 0 });
          } else if (m.msgId === 0x1212) {
            const info = m.body as AttachmentFileInfo;
            const file = upload.files.get(info.name);
            if (!file) return;
            const reply = { name: file.name, fileType: file.fileType, ...this.answerDone(file, file.answers.length) };
            file.answers.push(reply);
            answer(m, 0x9212, reply);
          }
        },
        fileData: ({ name, offset, data }) => {
          const file = upload.files.get(name);
          if (!file || offset + data.length > file.size) return void upload.strayFrames++;
          file.frames.push({ offset, length: data.length });
          data.copy(file.bytes, offset);
          file.have.fill(1, offset, offset + data.length);
        },
        error: () => undefined,
      }),
    );
  }
}
