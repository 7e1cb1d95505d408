/**
 * The JSON form of decoded messages (the decode CLI's output and what the gateway
 * publishes): opaque bytes become lowercase hex strings, everything else is as decoded.
 * Schema: decoders/schema/message.schema.json.
 */
import type { Message, MessagePart } from './message.js';

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  if (original instanceof Uint8Array) return Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('hex');
  if (typeof value === 'bigint') return value.toString();
  return value;
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, replacer);
}

/** A part becomes header + `packet` + `part` (hex); a whole message header + `body`. */
export function messageToJson(m: Message | MessagePart): string {
  return toJson(m);
}
