/**
 * Terminal answers to platform commands: 0x0001 general response (2013 §8.1: ackSerial,
 * ackMsgId, result) and the specific answers 0x0104 parameters, 0x0107 attributes, 0x0805
 * camera, 0x1205 resource list, ... Each resolves the pending command whose serial it
 * carries; none of them is answered (the standard answers answers with nothing).
 */
import type { Message } from '../../../decoders/index.js';
import type { Session } from '../session.js';

/** The serial an answer refers to: the typed body's, else the body's first WORD. */
export function ackSerialOf(message: Message): number | undefined {
  const body = message.body as { ackSerial?: unknown; raw?: unknown };
  if (typeof body.ackSerial === 'number') return body.ackSerial;
  if (Buffer.isBuffer(body.raw) && body.raw.length >= 2) return body.raw.readUInt16BE(0);
  return undefined;
}

export function terminalAck(session: Session, message: Message): void {
  const serial = ackSerialOf(message);
  if (serial === undefined) return;
  let ackMsgId: number | undefined;
  if (message.msgId === 0x0001) {
    const body = message.body as { ackMsgId?: unknown; raw?: unknown };
    ackMsgId = typeof body.ackMsgId === 'number' ? body.ackMsgId : undefined;
  }
  session.settle(message, serial, ackMsgId);
}
