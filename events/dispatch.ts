/**
 * A dispatch order (指挥调度): one unit (its terminal) sent to a case or an incident. The order
 * is a text message (0x8300) the terminal shows and reads out; its 0x0001 answer, its arrival
 * and its release (the target closed) are on record. A unit with an order not yet released is
 * engaged: it is no candidate for another.
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';

export const DISPATCH_TARGETS = ['case', 'incident'] as const;
export type DispatchTarget = (typeof DISPATCH_TARGETS)[number];

export const DispatchSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  target: Type.Object({ type: Type.Union(DISPATCH_TARGETS.map((t) => Type.Literal(t))), org: Type.String(), id: Type.String() }),
  terminal: Type.String(),
  org: Type.String({ description: "the unit's org unit" }),
  code: Type.String({ description: 'the short code in the text, read back by radio' }),
  location: Type.Object({ lat: Type.Number(), lng: Type.Number() }),
  actor: Type.String(),
  sentAt: Type.String({ format: 'date-time' }),
  answer: Type.Union([Type.Integer({ description: "the terminal's 0x0001 result: 0 success, 1 failure, 2 bad message, 3 unsupported" }), Type.Null()]),
  arrivedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  releasedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type Dispatch = Static<typeof DispatchSchema>;

/**
 * The text flag of a dispatch order: urgent, shown on the terminal's display, read out by TTS.
 * JT/T 808-2013 table 38: bit 0 urgent, bit 2 display, bit 3 TTS. JT/T 808-2019 made bits 0-1
 * a type (01 service, 10 urgent, 11 notice) and kept bits 2 and 3; its textType byte is 1
 * (notice) for an order.
 */
export function dispatchTextBody(edition: '2011' | '2013' | '2019', text: string): { flag: number; textType?: number; text: string } {
  if (edition === '2019') return { flag: 0b1110, textType: 1, text };
  return { flag: 0b1101, text };
}
