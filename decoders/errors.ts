/**
 * Every refusal the codec can produce, with a stable code. The decoder never throws anything
 * but this class internally and never lets it escape its public functions: they return
 * `{ ok: false, error }` instead, so callers switch on `error.code`, never on message text.
 */
export type Jt808ErrorCode =
  | 'checksum' // XOR of header+body does not match the check byte
  | 'length' // body-length field disagrees with the bytes present
  | 'escape' // 0x7d followed by something other than 0x01/0x02
  | 'truncated' // a header, body field or additional item runs past the end
  | 'too_long' // frame over the 1023-byte body bound (plus header, escapes)
  | 'empty' // two flags with nothing between them
  | 'malformed' // a field value the layout cannot hold (bad BCD digit, count of 0, ...)
  | 'encode'; // the encoder was given a value it cannot put on the wire

export class Jt808Error extends Error {
  readonly code: Jt808ErrorCode;
  readonly detail: string;
  constructor(code: Jt808ErrorCode, detail: string) {
    // a refusal is data about the input, not a bug: its stack says nothing, and capturing one
    // was most of what junk cost the gateway (one refusal per ~256 random bytes)
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(`${code}: ${detail}`);
    Error.stackTraceLimit = limit;
    this.name = 'Jt808Error';
    this.code = code;
    this.detail = detail;
  }
}

export function fail(code: Jt808ErrorCode, detail: string): never {
  throw new Jt808Error(code, detail);
}
