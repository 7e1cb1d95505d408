import type { BodyContext, Field, JsonSchema } from './fields.js';
import type { Reader } from './reader.js';
import type { Writer } from './writer.js';

/**
 * One entry per message ID: its name, its direction and the pair of functions that read
 * and write its body. Looked up from a flat table built once at module load (pino's
 * "decide once" rule), never from an if-chain per frame.
 */
export interface BodyCodec<B = unknown> {
  readonly msgId: number;
  /** camelCase name, e.g. 'locationReport'; also the JSON `name` of the message kind. */
  readonly name: string;
  /** 'up' = terminal -> platform, 'down' = platform -> terminal. */
  readonly direction: 'up' | 'down';
  decode(r: Reader, ctx: BodyContext): B;
  encode(w: Writer, body: B, ctx: BodyContext): void;
  /** The body as JSON, for whoever builds one (the API's commands): from the layout, or written beside a hand-written codec. */
  readonly schema?: JsonSchema;
}

/** A body whose whole layout is one Field (usually a struct). */
export function defineBody<B>(msgId: number, name: string, direction: 'up' | 'down', layout: Field<B>): BodyCodec<B> {
  return {
    msgId,
    name,
    direction,
    decode: (r, ctx) => layout.read(r, ctx, {}),
    encode: (w, body, ctx) => layout.write(w, body, ctx, {}),
    ...(layout.schema ? { schema: layout.schema } : {}),
  };
}

/** An empty body (heartbeat, logout, queries). */
export function emptyBody(msgId: number, name: string, direction: 'up' | 'down'): BodyCodec<Record<string, never>> {
  return { msgId, name, direction, decode: () => ({}), encode: () => undefined, schema: { type: 'object', additionalProperties: false, properties: {} } };
}

const table: (BodyCodec | undefined)[] = new Array(0x10000);

export function register(codecs: readonly BodyCodec<any>[]): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  for (const c of codecs) {
    if (table[c.msgId]) throw new Error(`duplicate body codec for 0x${c.msgId.toString(16)}`);
    table[c.msgId] = c;
  }
}

export function codecFor(msgId: number): BodyCodec | undefined {
  return table[msgId];
}

export function knownMessageIds(): number[] {
  const ids: number[] = [];
  for (let i = 0; i < table.length; i++) if (table[i]) ids.push(i);
  return ids;
}
