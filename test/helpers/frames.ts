/**
 * Test-only helpers for hex fixtures. Fixtures are written as commented hex per field,
 * worked out by hand from the standard or copied from a cited capture; these helpers only
 * strip the comments and whitespace. They never call the production encoder to build a
 * fixture.
 */
import { decodeWire } from '../../decoders/index.js';
import type { Message, MessagePart } from '../../decoders/index.js';

/** "7e 0200 ... // comment" lines -> bytes. `//` comments and whitespace are dropped. */
export function hex(text: string): Buffer {
  const clean = text
    .split('\n')
    .map((l) => l.replace(/\/\/.*$/, ''))
    .join('')
    .replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`bad hex fixture: ${clean}`);
  return Buffer.from(clean, 'hex');
}

/** Decodes one wire frame (7e..7e) and fails loudly if it does not decode to a whole message. */
export function decodeOk(text: string | Buffer): Message {
  const r = decodeWire(typeof text === 'string' ? hex(text) : text);
  if (!r.ok) throw new Error(`expected a message, got ${r.error.code}: ${r.error.detail}`);
  if ('part' in r.message) throw new Error('expected a whole message, got a part');
  return r.message;
}

export function decodePart(text: string | Buffer): MessagePart {
  const r = decodeWire(typeof text === 'string' ? hex(text) : text);
  if (!r.ok) throw new Error(`expected a part, got ${r.error.code}: ${r.error.detail}`);
  if (!('part' in r.message)) throw new Error('expected a part');
  return r.message;
}
