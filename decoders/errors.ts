/**
 * Every refusal the codec can produce, with a stable code. The decoder never throws anything
 * but this class internally and never lets it escape its public functions: they return
 * `{ ok: false, error }` instead, so callers switch on `error.code`, never on message text.
 */
export const JT808_ERROR_CODES = [
  'checksum', // XOR of header+body does not match the check byte
  'length', // body-length field disagrees with the bytes present
  'escape', // 0x7d followed by something other than 0x01/0x02
  'truncated', // a header, body field or additional item runs past the end
  'too_long', // frame over the 1023-byte body bound (plus header, escapes)
  'empty', // two flags with nothing between them
  'malformed', // a field value the layout cannot hold (bad BCD digit, count of 0, ...)
  'encode', // the encoder was given a value it cannot put on the wire
] as const;
export type Jt808ErrorCode = (typeof JT808_ERROR_CODES)[number];

export class Jt808Error extends Error {
  readonly code: Jt808ErrorCode;
  readonly detail: string;
  /** The body field an encode error is about, as a path ("channel", "params[0].value"); `detail` starts with it. */
  readonly field: string | undefined;
  constructor(code: Jt808ErrorCode, detail: string, field?: string) {
    // a refusal is data about the input, not a bug: its stack says nothing, and capturing one
    // was most of what junk cost the gateway (one refusal per ~256 random bytes)
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(`${code}: ${detail}`);
    Error.stackTraceLimit = limit;
    this.name = 'Jt808Error';
    this.code = code;
    this.detail = detail;
    this.field = field;
  }
}

export function fail(code: Jt808ErrorCode, detail: string): never {
  throw new Jt808Error(code, detail);
}

/**
 * An error met while writing the field `key` (a name, or "[i]" for a list item), as an encode
 * error naming the field's path: "channel: required", "params[0].value: ...". A value the
 * caller left out is "required"; anything else thrown (a string where a list goes) is the
 * caller's input too, so it becomes an encode error rather than escaping as a TypeError.
 */
export function inField(e: unknown, key: string, missing: boolean): Jt808Error {
  if (!(e instanceof Jt808Error) || e.field === undefined) {
    // a field's own word on its absence ("required here (2019 only)") says more than ours
    const own = e instanceof Jt808Error ? e.detail : String((e as Error)?.message ?? e);
    const why = missing && !own.startsWith('required') ? 'required' : own;
    return new Jt808Error('encode', `${key}: ${why}`, key);
  }
  const path = e.field.startsWith('[') ? `${key}${e.field}` : `${key}.${e.field}`;
  return new Jt808Error('encode', `${path}${e.detail.slice(e.field.length)}`, path);
}
