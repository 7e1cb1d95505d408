import { Jt808Error } from './errors.js';
import type { BodyContext } from './fields.js';
import { FLAG, unframe } from './frame.js';
import { parseHeader } from './header.js';
import type { BodyBounds } from './header.js';
import type { Edition, Header, Message, MessagePart, RawBody } from './message.js';
import { Reader } from './reader.js';
import { codecFor } from './registry.js';
import './bodies/index.js';

export interface DecodeOptions {
  /**
   * Edition to assume for a header without the 2019 flag. A session that saw a 2011
   * registration passes '2011'; the default is '2013'. 2019 is always read from the flag.
   */
  edition?: Exclude<Edition, '2019'>;
}

export type DecodeResult =
  | { ok: true; message: Message | MessagePart }
  | { ok: false; error: Jt808Error; /** Present when the header parsed: lets a session answer 0x8001 result 2. */ header?: Header };

/** Header+body (unescaped, check byte removed: what FrameSplitter hands out) -> message. */
const bounds: BodyBounds = { offset: 0, length: 0 };

export function decodeFrame(data: Buffer, options?: DecodeOptions): DecodeResult {
  const header = parseHeader(data, bounds, options?.edition);
  if (header instanceof Jt808Error) return { ok: false, error: header };
  const start = bounds.offset;
  const end = start + bounds.length;
  if (header.packet) {
    // a part is only decodable once reassembled: hand out its bytes, copied (parts wait) into
    // an allocation of their own, so that a held part cannot pin a shared 8 KB pool slab
    const message = header as MessagePart;
    message.part = Buffer.allocUnsafeSlow(end - start);
    data.copy(message.part, 0, start, end);
    return { ok: true, message };
  }
  return decodeBody(header, data, start, end);
}

const EMPTY = Buffer.alloc(0);
const topReader = new Reader(EMPTY);
const topContext: BodyContext = { version: '2013', msgId: 0 };

/** Decodes a whole body (one frame's, or reassembled parts') for a parsed header; the header object becomes the message. */
export function decodeBody(header: Header, buf: Buffer, start = 0, end = buf.length): DecodeResult {
  const codec = codecFor(header.msgId);
  // the header object becomes the message: no copy per frame
  const message = header as Message;
  if (!codec || header.encryption) {
    const raw: RawBody = { raw: Buffer.from(buf.subarray(start, end)) };
    message.body = raw;
    return { ok: true, message };
  }
  // one cursor and context reused for every top-level body (decoding never re-enters here)
  const r = topReader;
  r.buf = buf;
  r.pos = start;
  r.end = end;
  const ctx = topContext;
  ctx.version = header.version;
  ctx.msgId = header.msgId;
  try {
    message.body = codec.decode(r, ctx);
    message.version = ctx.version;
    r.buf = EMPTY; // hold no frame past its decoding
    return { ok: true, message };
  } catch (e) {
    r.buf = EMPTY;
    if (e instanceof Jt808Error) return { ok: false, error: e, header };
    // a bug in a body decoder must still not escape as an untyped throw
    return { ok: false, error: new Jt808Error('malformed', `decoder for 0x${header.msgId.toString(16).padStart(4, '0')} failed: ${String(e)}`), header };
  }
}

/** One escaped wire frame, flags included (7e ... 7e): what the decode CLI reads per line. */
export function decodeWire(wire: Buffer, options?: DecodeOptions): DecodeResult {
  if (wire.length < 2 || wire[0] !== FLAG) return { ok: false, error: new Jt808Error('truncated', 'a frame starts with 0x7e') };
  if (wire[wire.length - 1] !== FLAG) return { ok: false, error: new Jt808Error('truncated', 'no closing 0x7e') };
  if (wire.length === 2) return { ok: false, error: new Jt808Error('empty', 'two flags with nothing between them') };
  const content = wire.subarray(1, wire.length - 1);
  const inner = content.indexOf(FLAG);
  if (inner !== -1) return { ok: false, error: new Jt808Error('malformed', `0x7e inside the frame at offset ${inner + 1}: more than one frame?`) };
  const data = unframe(content);
  if (data instanceof Jt808Error) return { ok: false, error: data };
  return decodeFrame(data, options);
}
