/**
 * Uplink dispatch: one handler per message family, looked up in a table built once. A
 * terminal must register (0x0100) and authenticate (0x0102) before anything else (2013 §4.3:
 * "终端在与平台通信前必须先鉴权"); anything earlier is refused with 0x8001 result 1, unless
 * anonymous terminals are allowed.
 */
import { RESULT } from '../../../decoders/index.js';
import type { Message } from '../../../decoders/index.js';
import type { Session } from '../session.js';
import { authenticate } from './auth.js';
import { general } from './general.js';
import { heartbeat } from './heartbeat.js';
import { location } from './location.js';
import { logout } from './logout.js';
import { media } from './media.js';
import { register } from './register.js';
import { terminalAck } from './terminal-ack.js';
import { timeQuery } from './time.js';

export type Handler = (session: Session, message: Message) => void | Promise<void>;

const HANDLERS = new Map<number, Handler>([
  [0x0100, register as Handler],
  [0x0102, authenticate as Handler],
  [0x0002, heartbeat],
  [0x0003, logout],
  [0x0004, timeQuery],
  [0x0200, location],
  [0x0201, location],
  [0x0500, location],
  [0x0704, location],
  [0x5501, location], // vendor location report (one-byte serial: decoders/bodies/vendor.ts)
  [0x5502, location], // vendor blind-area location report
  [0x0801, media],
  [0x0001, terminalAck],
  [0x0104, terminalAck], // parameters (answers 0x8104/0x8106)
  [0x0107, terminalAck], // attributes (0x8107)
  [0x0302, terminalAck], // question answer (0x8302)
  [0x0805, terminalAck], // camera shot (0x8801)
  [0x0802, terminalAck], // stored media search (0x8802)
  [0x1205, terminalAck], // video resource list (0x9205)
]);

/** Messages a terminal may send before authenticating. */
const BEFORE_AUTH = new Set([0x0100, 0x0102]);

export function dispatch(session: Session, message: Message): void | Promise<void> {
  if (!session.authenticated && !BEFORE_AUTH.has(message.msgId)) {
    if (!session.allowAnonymous) {
      session.ack(message, RESULT.fail, 'unauthenticated');
      return;
    }
    if (session.terminal === undefined || session.gateway.sessionOf(session.terminal) !== session) {
      // not yet a terminal's session: it becomes the one this frame names (not one an earlier
      // 0x0100 named), and from then on that one only (Session.receive)
      session.identify(message);
      // an anonymous connection never displaces a terminal's session: only a valid login does
      if (session.gateway.sessionOf(session.terminal!)) {
        session.ack(message, RESULT.fail, 'terminal-online');
        return;
      }
      session.gateway.attach(session);
    }
  }
  if (message.encryption) {
    // RSA bodies (2013 §4.4.3 bit 10) reach us undecoded: no handler can read them
    session.ack(message, RESULT.unsupported, 'encrypted');
    return;
  }
  return (HANDLERS.get(message.msgId) ?? general)(session, message);
}
