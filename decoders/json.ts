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

/** True when bytes (or a bigint) sit anywhere in the value: only then is the replacer needed. */
export function needsReplacer(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== 'object') return typeof value === 'bigint';
  if (value instanceof Uint8Array) return true;
  if (depth > 32) return true; // let JSON.stringify report anything this deep
  if (Array.isArray(value)) {
    for (const v of value) if (typeof v === 'object' && v !== null && needsReplacer(v, depth + 1)) return true;
    return false;
  }
  for (const k in value) {
    const v = (value as Record<string, unknown>)[k];
    if ((typeof v === 'object' && v !== null) || typeof v === 'bigint') {
      if (needsReplacer(v, depth + 1)) return true;
    }
  }
  return false;
}

/**
 * JSON text with bytes as hex. A replacer function forces JSON.stringify onto its slow path,
 * and most events carry no bytes at all: walk once, and stringify plainly when none are found.
 * A caller that knows where bytes can be passes `mayHoldBytes` and saves the walk.
 */
export function toJson(value: unknown, mayHoldBytes = needsReplacer(value)): string {
  return mayHoldBytes ? JSON.stringify(value, replacer) : JSON.stringify(value);
}

/** A part becomes header + `packet` + `part` (hex); a whole message header + `body`. */
export function messageToJson(m: Message | MessagePart): string {
  return toJson(m);
}
