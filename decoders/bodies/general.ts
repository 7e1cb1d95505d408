/**
 * General responses, heartbeat, logout, time query and the subpackage-retransmit requests.
 *
 *   0x0001 terminal general response   ackSerial WORD, ackMsgId WORD, result BYTE
 *                                       (0 ok, 1 fail, 2 malformed, 3 unsupported)
 *   0x8001 platform general response   same layout; result 4 = alarm confirmed
 *   0x0002 heartbeat, 0x0003 logout    empty (2013 §8.3, 2019 §8.5)
 *   0x0004 time query (2019)           empty
 *   0x8004 time answer (2019)          time BCD[6]: implementations answer UTC, not GMT+8
 *   0x8003 retransmit request          origSerial WORD, count BYTE (2019: WORD), ids WORD x n
 *   0x0005 terminal retransmit request same layout (2019)
 */
import { bcd, count8or16, list, struct, u16, u8 } from '../fields.js';
import { MAX_BODY } from '../header.js';
import type { Edition } from '../message.js';
import { defineBody, emptyBody } from '../registry.js';
import type { Field } from '../fields.js';

export interface GeneralResponse {
  ackSerial: number;
  ackMsgId: number;
  result: number;
}

export interface RetransmitRequest {
  origSerial: number;
  packetIds: number[];
}

export interface TimeAnswer {
  /** YYMMDDhhmmss in UTC, as the 2019 implementations send it. */
  utc: string;
}

declare module '../message.js' {
  interface BodyMap {
    0x0001: GeneralResponse;
    0x8001: GeneralResponse;
    0x0002: Record<string, never>;
    0x0003: Record<string, never>;
    0x0004: Record<string, never>;
    0x8004: TimeAnswer;
    0x8003: RetransmitRequest;
    0x0005: RetransmitRequest;
  }
}

const generalResponse: Field<GeneralResponse> = struct({ ackSerial: u16, ackMsgId: u16, result: u8 });
const retransmit: Field<RetransmitRequest> = struct({ origSerial: u16, packetIds: list(count8or16, u16) });

/**
 * Packet IDs one 0x8003 can carry: the count is a BYTE before 2019 (255); in 2019 a WORD, but
 * the body must still fit one frame (2 + 2 + 2n <= 1023: 509). Longer lists take several.
 */
export function retransmitIdsPerMessage(version: Edition): number {
  return version === '2019' ? Math.floor((MAX_BODY - 4) / 2) : 0xff;
}

export const RESULT = { ok: 0, fail: 1, malformed: 2, unsupported: 3, alarmConfirmed: 4 } as const;

export const general = [
  defineBody(0x0001, 'terminalGeneralResponse', 'up', generalResponse),
  defineBody(0x8001, 'platformGeneralResponse', 'down', generalResponse),
  emptyBody(0x0002, 'heartbeat', 'up'),
  emptyBody(0x0003, 'logout', 'up'),
  emptyBody(0x0004, 'timeQuery', 'up'),
  defineBody(0x8004, 'timeAnswer', 'down', struct({ utc: bcd(6) })),
  defineBody(0x8003, 'retransmitRequest', 'down', retransmit),
  defineBody(0x0005, 'terminalRetransmitRequest', 'up', retransmit),
];

