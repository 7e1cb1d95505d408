/**
 * Located uplinks: 0x0200 report (2013 §8.18), 0x0704 batch (§8.46; type 1 = blind-area
 * backfill), the command answers 0x0201 (§8.20) and 0x0500 (§8.38), which also resolve
 * the command they answer, and the vendor reports 0x5501 (live) and 0x5502 (blind-area
 * backfill) of decoders/bodies/vendor.ts. The steps read in order:
 *   normalise -> publish to every sink (waits while the queue is full) -> answer the terminal.
 * The 0x8001 goes out only once the sinks hold the data; if a sink fails the terminal is told
 * result 1 and keeps the data to send again, so nothing is lost inside the gateway. A vendor
 * report is answered 0x4401 (msgId, result) when its attribute bit 15 asks for it, and not
 * otherwise, as Traccar's HuabaoProtocolDecoder does. A live report's active-safety alarm with
 * attachments is then answered 0x9208 (attachments/trigger.ts).
 */
import { RESULT, VENDOR_ANSWER_BIT, isMessage } from '../../../decoders/index.js';
import type { Message } from '../../../decoders/index.js';
import { requestAttachments } from '../../attachments/trigger.js';
import { locationEvents } from '../../normalise/index.js';
import type { LocationLike } from '../../normalise/position.js';
import { vendorLocation } from '../../normalise/vendor-location.js';
import type { Session } from '../session.js';

/** How a located message is answered once its positions are published (or not). */
type Answer = 'ack' | 'none' | 'vendor';

async function publishThenAck(session: Session, message: Message, locs: readonly LocationLike[], backfill: boolean, answer: Answer): Promise<void> {
  const events = locationEvents(locs, session.device!, backfill, session.gateway.normalise);
  let result: number = RESULT.ok;
  try {
    await session.publish(events);
  } catch {
    result = RESULT.fail;
  }
  if (answer === 'ack') {
    if (result === RESULT.ok) session.ack(message, RESULT.ok);
    else session.ack(message, RESULT.fail, 'sink-failed');
  }
  // the alarms are with the sinks (their incidents on the way): ask for their attachments (T/JSATL12 0x9208)
  if (result === RESULT.ok && !backfill) requestAttachments(session, session.gateway.attachments, locs); else if (answer === 'vendor' && ((message.vendorFlags ?? 0) & VENDOR_ANSWER_BIT) !== 0 && !session.closed) {
    session.send(0x4401, { ackMsgId: message.msgId, result }, message);
  }
}

export function location(session: Session, message: Message): Promise<void> | void {
  if (isMessage(message, 0x0200)) return publishThenAck(session, message, [message.body], false, 'ack');
  if (isMessage(message, 0x0704)) return publishThenAck(session, message, message.body.locations, message.body.type === 1, 'ack');
  if (isMessage(message, 0x0201) || isMessage(message, 0x0500)) {
    session.settle(message, message.body.ackSerial);
    return publishThenAck(session, message, [message.body], false, 'none');
  }
  if (isMessage(message, 0x5501) || isMessage(message, 0x5502)) {
    return publishThenAck(session, message, [vendorLocation(message.body)], message.msgId === 0x5502, 'vendor');
  }
  session.ack(message, RESULT.unsupported, 'unsupported');
}
