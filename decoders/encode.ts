import { Jt808Error, fail } from './errors.js';
import type { BodyContext } from './fields.js';
import { enframe } from './frame.js';
import { MAX_BODY, hasShortSerial, writeHeader } from './header.js';
import type { OutgoingMessage, RawBody } from './message.js';
import { codecFor } from './registry.js';
import { Writer } from './writer.js';
import './bodies/index.js';

/** The body bytes of a message (no header). Throws Jt808Error('encode') on a bad value. */
export function encodeBody(msg: OutgoingMessage): Buffer {
  const codec = codecFor(msg.msgId);
  const w = new Writer(64);
  if (!codec || msg.encryption) {
    const raw = (msg.body as RawBody | undefined)?.raw;
    if (!Buffer.isBuffer(raw)) fail('encode', `0x${msg.msgId.toString(16).padStart(4, '0')} has no codec: give body.raw`);
    return raw;
  }
  const ctx: BodyContext = { version: msg.version, msgId: msg.msgId };
  try {
    codec.encode(w, msg.body as never, ctx);
  } catch (e) {
    if (e instanceof Jt808Error) throw e;
    // a missing field surfaces as a TypeError inside a layout: report it as the encode error it is
    fail('encode', `0x${msg.msgId.toString(16).padStart(4, '0')} ${codec.name}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return w.toBuffer();
}

function frameOf(msg: OutgoingMessage, body: Buffer): Buffer {
  const w = new Writer(body.length + 24);
  writeHeader(w, msg, body.length);
  w.bytes(body);
  return enframe(w.toBuffer());
}

/** One escaped wire frame, flags included. A body over 1023 bytes is an error: use encodeParts. */
export function encode(msg: OutgoingMessage): Buffer {
  return frameOf(msg, encodeBody(msg));
}

/**
 * Wire frames for a message of any size: one frame when the body fits, else subpackages of
 * `maxBody` bytes with consecutive serials from `msg.serial` (JT/T 808-2013 §4.4.3.3).
 * The caller's serial counter must advance by the number of frames returned.
 */
export function encodeParts(msg: OutgoingMessage, maxBody = MAX_BODY): Buffer[] {
  if (maxBody < 1 || maxBody > MAX_BODY) fail('encode', `maxBody ${maxBody} outside 1..${MAX_BODY}`);
  const body = encodeBody(msg);
  if (body.length <= maxBody) return [frameOf(msg, body)];
  if (hasShortSerial(msg.msgId)) fail('encode', `0x${msg.msgId.toString(16).padStart(4, '0')} has no subpackage form: body of ${body.length} bytes`);
  const total = Math.ceil(body.length / maxBody);
  if (total > 0xffff) fail('encode', `body of ${body.length} bytes needs ${total} packets`);
  const frames: Buffer[] = [];
  for (let i = 0; i < total; i++) {
    const part = body.subarray(i * maxBody, Math.min(body.length, (i + 1) * maxBody));
    frames.push(frameOf({ ...msg, serial: (msg.serial + i) & 0xffff, packet: { total, index: i + 1 } }, part));
  }
  return frames;
}
