/**
 * Located uplinks: 0x0200 report (2013 §8.18), 0x0704 batch (§8.46; type 1 = blind-area
 * backfill), and the command answers 0x0201 (§8.20) and 0x0500 (§8.38), which also resolve
 * the command they answer. The steps read in order:
 *   normalise -> publish to every sink (waits while the queue is full) -> answer the terminal.
 * The 0x8001 goes out only once the sinks hold the data; if a sink fails the terminal is told
 * result 1 and keeps the data to send again, so nothing is lost inside the gateway.
 */
import { RESULT, isMessage } from '../../../decoders/index.js';
import type { Message } from '../../../decoders/index.js';
import { locationEvents } from '../../normalise/index.js';
import type { LocationLike } from '../../normalise/position.js';
import type { Session } from '../session.js';

async function publishThenAck(session: Session, message: Message, locs: readonly LocationLike[], backfill: boolean, ack: boolean): Promise<void> {
  const events = locationEvents(locs, session.device!, backfill, session.gateway.normalise);
  try {
    await session.publish(events);
  } catch {
    if (ack) session.ack(message, RESULT.fail, 'sink-failed');
    return;
  }
  if (ack) session.ack(message, RESULT.ok);
}

export function location(session: Session, message: Message): Promise<void> | void {
  if (isMessage(message, 0x0200)) return publishThenAck(session, message, [message.body], false, true);
  if (isMessage(message, 0x0704)) return publishThenAck(session, message, message.body.locations, message.body.type === 1, true);
  if (isMessage(message, 0x0201) || isMessage(message, 0x0500)) {
    session.settle(message, message.body.ackSerial);
    return publishThenAck(session, message, [message.body], false, false);
  }
  session.ack(message, RESULT.unsupported, 'unsupported');
}
