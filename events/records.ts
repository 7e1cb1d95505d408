/**
 * Events as keyed records for the external sinks. The key is the terminal id (Kafka partitions
 * by it, so one terminal's events stay in order); the value is the event's published JSON
 * (events/schemas/). `dedupKey` is how a consumer recognises a redelivered event: see the
 * README's "Delivery guarantees" for why it is (terminal, device time) and not the frame serial.
 */
import { needsReplacer, toJson } from '../decoders/index.js';
import type { GatewayEvent } from './model.js';

export type EventKind = GatewayEvent['kind'];

/** `key`: the terminal id (a case's id for cases, which belong to no terminal; an incident's terminal; a duty change's or presence's terminal). */
export function payloadOf(event: GatewayEvent): { key: string; payload: object } {
  switch (event.kind) {
    case 'position':
      return { key: event.position.terminal, payload: event.position };
    case 'alarm':
      return { key: event.alarm.terminal, payload: event.alarm };
    case 'media':
      return { key: event.media.terminal, payload: event.media };
    case 'case':
      return { key: event.case.id, payload: event.case };
    case 'incident':
      return { key: event.incident.terminal, payload: event.incident };
    case 'duty':
      return { key: event.duty.terminal, payload: event.duty };
    case 'presence':
      return { key: event.presence.terminal, payload: event.presence };
  }
}

/** kind/terminal/device time[/alarm/state | /mediaId] (case/id/updatedAt): equal for the same report sent twice. */
export function dedupKey(event: GatewayEvent): string {
  switch (event.kind) {
    case 'position':
      return `position/${event.position.terminal}/${event.position.time ?? event.position.receivedAt}`;
    case 'alarm':
      return `alarm/${event.alarm.terminal}/${event.alarm.time ?? event.alarm.position.receivedAt}/${event.alarm.alarm}/${event.alarm.state}`;
    case 'media':
      return `media/${event.media.terminal}/${event.media.mediaId}`;
    case 'case':
      return `case/${event.case.id}/${event.case.updatedAt}`;
    // a join changes the count, not updatedAt (that is a person's step)
    case 'incident':
      return `incident/${event.incident.id}/${event.incident.updatedAt}/${event.incident.alarmCount}`;
    case 'duty':
      return `duty/${event.duty.terminal}/${event.duty.area}/${event.duty.at}/${event.duty.change}`;
    case 'presence':
      return `presence/${event.presence.terminal}/${event.presence.at}/${event.presence.state}`;
  }
}

const JSON_TEXT = Symbol('json');
type Held = GatewayEvent & { [JSON_TEXT]?: string };

/**
 * The event's published JSON, made once however many sinks publish it. Bytes (written as hex)
 * can only sit in a position's `extras`, the codec's additional items: everything else in an
 * event the gateway builds itself from strings and numbers, so only `extras` is searched.
 */
export function jsonOf(event: GatewayEvent): string {
  const held = (event as Held)[JSON_TEXT];
  if (held !== undefined) return held;
  const position = event.kind === 'position' ? event.position : event.kind === 'alarm' ? event.alarm.position : event.kind === 'media' ? event.media.position : null;
  const text = toJson(payloadOf(event).payload, position !== null && needsReplacer(position.extras));
  (event as Held)[JSON_TEXT] = text;
  return text;
}

/** An error retrying will not cure: an HTTP 4xx other than 429 (a point the server refuses, a missing bucket). */
export function isPermanent(error: unknown): boolean {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 && status !== 429;
}
