/**
 * Answers to platform commands, as a terminal would give them: position queries with the
 * latest fix, parameters set and read back, a text or a control command acknowledged,
 * photos taken on command, a Su-biao attachment upload (0x9208) started by a vehicle with
 * active-safety units; upload answers go to the media store; anything else gets a
 * general answer "unsupported". Upload answers and the platform's own general answers
 * (0x8001/0x8004) need no reply.
 */
import type { AttachmentUploadCommand, Message, TerminalParam } from '../decoders/index.js';
import type { ActiveSafety } from './active-safety.js';
import type { MediaUploads } from './media.js';
import type { ProtocolClient } from './protocol.js';

const RESULT_UNSUPPORTED = 3;
/** Photos taken for one 0x8801, whatever it asks for. */
const MAX_PHOTOS = 3;

export interface CommandContext {
  client: ProtocolClient;
  media: MediaUploads;
  /** The terminal's parameters: 0x8103 writes them, 0x8104/0x8106 read them. */
  params: Map<number, number | string>;
  /** The latest 0x0200 body. */
  location(): object;
  /** A dispatch order's text: go there (simulators/movers.ts Responder). */
  dispatched?(text: string): void;
  /** A vehicle's ADAS/DSM units: 0x9208 uploads an alarm's files (none: unsupported). */
  activeSafety?: ActiveSafety;
}

/** The platform's answers: a terminal never answers them, whatever their body. */
const ANSWERS = new Set([0x8001, 0x8004, 0x8800]);

export function answerCommand(m: Message, c: CommandContext): void {
  const ok = (result = 0) => void c.client.send(0x0001, { ackSerial: m.serial, ackMsgId: m.msgId, result }, false);
  // a body the codec handed over unread (RSA-encrypted: a simulated terminal holds no key) has
  // none of the fields below: not followed, "unsupported" (reading `.text` of one threw in the
  // socket's handler and took down every terminal of the process)
  if ('raw' in (m.body as object)) {
    if (!ANSWERS.has(m.msgId)) ok(RESULT_UNSUPPORTED);
    return;
  }
  switch (m.msgId) {
    case 0x8001:
    case 0x8004:
      return;
    case 0x8201:
    case 0x8500:
      c.client.send(m.msgId === 0x8201 ? 0x0201 : 0x0500, { ackSerial: m.serial, ...c.location() }, false);
      return;
    case 0x8103:
      for (const p of (m.body as { params: TerminalParam[] }).params) if (typeof p.value !== 'object') c.params.set(p.id, p.value);
      ok();
      return;
    case 0x8104:
    case 0x8106: {
      const wanted = m.msgId === 0x8106 ? new Set((m.body as { ids: number[] }).ids) : undefined;
      const params = [...c.params].filter(([id]) => !wanted || wanted.has(id)).map(([id, value]) => ({ id, value }));
      c.client.send(0x0104, { ackSerial: m.serial, params }, false);
      return;
    }
    case 0x8300:
      c.dispatched?.((m.body as { text: string }).text);
      ok();
      return;
    case 0x8202:
    case 0x8203:
    case 0x8105:
      ok();
      return;
    case 0x8801: {
      const command = (m.body as { command: number }).command;
      // 0 stops a timed capture, 0xFFFF starts video recording: neither is simulated
      if (command === 0 || command === 0xffff) return ok(RESULT_UNSUPPORTED);
      const ids = Array.from({ length: Math.min(MAX_PHOTOS, command) }, () => c.media.nextId());
      c.client.send(0x0805, { ackSerial: m.serial, result: 0, mediaIds: ids }, false);
      for (const id of ids) c.media.upload(0, c.location(), id);
      return;
    }
    case 0x8800: {
      const { mediaId, retransmitIds } = m.body as { mediaId: number; retransmitIds?: number[] };
      c.media.answered(mediaId, retransmitIds);
      return;
    }
    case 0x8003: {
      const { firstSerial, ids } = m.body as { firstSerial: number; ids: number[] };
      c.media.resendBySerial(firstSerial, ids);
      return;
    }
    case 0x9208:
      // answered first: the upload runs on a connection of its own, after
      ok(c.activeSafety ? c.activeSafety.requested(m.body as AttachmentUploadCommand) : RESULT_UNSUPPORTED);
      return;
    default:
      ok(RESULT_UNSUPPORTED);
  }
}
