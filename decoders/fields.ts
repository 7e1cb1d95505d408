import { fail, inField } from './errors.js';
import type { Edition } from './message.js';
import type { Reader } from './reader.js';
import type { Writer } from './writer.js';

/**
 * A tiny table-driven layout language: a Field knows how to read and write one value, so a
 * body described once with `struct({...})` serves both decoder and encoder (the way
 * mqtt-packet pairs its parser and generator). Hot bodies (0x0200) hand-write their
 * field code but still sit in one place with their mirror.
 *
 * The same layout says what JSON a caller gives for it (`schema`, a JSON Schema: the API's
 * command bodies, decoders/README.md), and which fields may be left out (`optional`). A write
 * that fails names the field's path ("params[0].value: ..."; a missing one is "required").
 */
export interface BodyContext {
  /** Edition from the header; a decoder may refine it (0x0100 tells 2011 from 2013 by length). */
  version: Edition;
  msgId: number;
}

/** The fields of a struct read or given so far. */
export type Parent = Record<string, unknown>;

/** A JSON Schema (draft-07 / OpenAPI 3.0 subset: no type arrays, `nullable` for null). */
export type JsonSchema = { readonly [keyword: string]: unknown };

export interface Field<T> {
  read(r: Reader, ctx: BodyContext, parent: Parent): T;
  write(w: Writer, v: T, ctx: BodyContext, parent: Parent): void;
  /** The JSON a caller gives for this field; none = not described (anything). */
  readonly schema?: JsonSchema;
  /** The field may be absent (its edition or an earlier field says so, or it is trailing). */
  readonly optional?: boolean;
}

/** The field with a description (and any other keywords) in its schema. */
export function described<T>(field: Field<T>, description: string, more: JsonSchema = {}): Field<T> {
  return { ...field, schema: { ...field.schema, description, ...more } };
}

const integer = (minimum: number, maximum: number): JsonSchema => ({ type: 'integer', minimum, maximum });

export type FieldValue<F> = F extends Field<infer T> ? T : never;
export type Spec = Record<string, Field<any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
export type Shape<S extends Spec> = { [K in keyof S]: FieldValue<S[K]> };

export const u8: Field<number> = { read: (r) => r.u8(), write: (w, v) => void w.u8(v), schema: integer(0, 0xff) };
export const u16: Field<number> = { read: (r) => r.u16(), write: (w, v) => void w.u16(v), schema: integer(0, 0xffff) };
export const i16: Field<number> = { read: (r) => r.i16(), write: (w, v) => void w.i16(v), schema: integer(-0x8000, 0x7fff) };
export const u32: Field<number> = { read: (r) => r.u32(), write: (w, v) => void w.u32(v), schema: integer(0, 0xffffffff) };

/** BCD digits of fixed byte length. */
export const bcd = (n: number): Field<string> => ({ read: (r) => r.bcd(n), write: (w, v) => void w.bcd(v, n), schema: { type: 'string', pattern: `^[0-9]{0,${n * 2}}$` } });

/** BCD[6] GMT+8 time as an ISO-8601 UTC string (null when the terminal sent zeros). */
export const time: Field<string | null> = {
  read: (r) => r.timeIso(),
  write: (w, v) => void w.timeIso(v),
  schema: { type: 'string', format: 'date-time', nullable: true, description: 'UTC; null = all zeros on the wire' },
};

const text = (description: string): JsonSchema => ({ type: 'string', description });
/** Fixed-width GBK string (zero-padded on the wire). */
export const gbk = (n: number): Field<string> => ({ read: (r) => r.gbk(n), write: (w, v) => void w.gbk(v, n), schema: text(`GBK, at most ${n} bytes`) });
/** GBK string with a BYTE length prefix. */
export const gbk8: Field<string> = { read: (r) => r.gbk8(), write: (w, v) => void w.gbk8(v), schema: text('GBK, at most 255 bytes') };
/** GBK string with a WORD length prefix. */
export const gbk16: Field<string> = { read: (r) => r.gbk16(), write: (w, v) => void w.gbk16(v), schema: text('GBK, at most 65535 bytes') };
/** GBK string to the end of the body. */
export const gbkRest: Field<string> = { read: (r) => r.gbkRest(), write: (w, v) => void w.gbkRest(v), schema: { type: 'string' } };

/** Fixed-length opaque bytes. */
export const bytes = (n: number): Field<Buffer> => ({
  read: (r) => Buffer.from(r.bytes(n)),
  write: (w, v) => void w.fixed(v, n),
});
/** Opaque bytes to the end of the body (copied, so the frame's chunk is not retained). */
export const rest: Field<Buffer> = { read: (r) => Buffer.from(r.rest()), write: (w, v) => void w.bytes(v) };

/** The items' schema as an array of at most `count`'s maximum. */
function arraySchema(item: Field<unknown>, count?: Field<number>): JsonSchema {
  const max = count?.schema?.maximum;
  return { type: 'array', items: item.schema ?? {}, ...(typeof max === 'number' ? { maxItems: max } : {}) };
}

/** The items in order, an error naming the item ("[2]: ..."); a value that is not a list is the field's error. */
function writeItems<T>(w: Writer, v: T[], item: Field<T>, ctx: BodyContext, parent: Parent): void {
  if (!Array.isArray(v)) fail('encode', v === undefined ? 'required' : 'a list is expected');
  for (let i = 0; i < v.length; i++) {
    try {
      item.write(w, v[i]!, ctx, parent);
    } catch (e) {
      throw inField(e, `[${i}]`, v[i] === undefined);
    }
  }
}

/** A list preceded by its count. */
export function list<T>(count: Field<number>, item: Field<T>): Field<T[]> {
  return {
    read(r, ctx, parent) {
      const n = count.read(r, ctx, parent);
      const out: T[] = [];
      for (let i = 0; i < n; i++) out.push(item.read(r, ctx, parent));
      return out;
    },
    write(w, v, ctx, parent) {
      if (!Array.isArray(v)) fail('encode', v === undefined ? 'required' : 'a list is expected');
      count.write(w, v.length, ctx, parent);
      writeItems(w, v, item, ctx, parent);
    },
    schema: arraySchema(item, count),
  };
}

/** A list of items running to the end of the body (no count on the wire). */
export function listRest<T>(item: Field<T>): Field<T[]> {
  return {
    read(r, ctx, parent) {
      const out: T[] = [];
      while (r.remaining > 0) out.push(item.read(r, ctx, parent));
      return out;
    },
    write(w, v, ctx, parent) {
      writeItems(w, v, item, ctx, parent);
    },
    schema: arraySchema(item),
  };
}

/** Fields in wire order (object key order). */
export function struct<S extends Spec>(spec: S): Field<Shape<S>> {
  const keys = Object.keys(spec);
  const fields = keys.map((k) => spec[k]!);
  return {
    read(r, ctx) {
      const o: Parent = {};
      for (let i = 0; i < keys.length; i++) {
        const v = fields[i]!.read(r, ctx, o);
        if (v !== undefined) o[keys[i]!] = v;
      }
      return o as Shape<S>;
    },
    write(w, v, ctx) {
      if (typeof v !== 'object' || v === null) fail('encode', 'an object is expected');
      const o = v as Parent;
      for (let i = 0; i < keys.length; i++) {
        try {
          fields[i]!.write(w, o[keys[i]!], ctx, o);
        } catch (e) {
          throw inField(e, keys[i]!, o[keys[i]!] === undefined);
        }
      }
    },
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(keys.map((k, i) => [k, fields[i]!.schema ?? {}])),
      ...(keys.some((_, i) => !fields[i]!.optional) ? { required: keys.filter((_, i) => !fields[i]!.optional) } : {}),
    },
  };
}

export interface WhenOptions<T> {
  /** When the field applies, in words, for the schema ("2019 only"). */
  note: string;
  /** Written when the field applies and the caller left it out: a value (the schema's `default`), or one from the fields before it (said in `note`). */
  default?: T | ((parent: Parent) => T);
}

/** A field present only when `pred` holds for the fields read before it (or the edition). */
export function when<T>(pred: (parent: Parent, ctx: BodyContext) => boolean, field: Field<T>, options?: WhenOptions<T>): Field<T | undefined> {
  const fallback = options?.default;
  const derived = typeof fallback === 'function' ? (fallback as (parent: Parent) => T) : undefined;
  const fixed = derived ? undefined : (fallback as T | undefined);
  return {
    read: (r, ctx, parent) => (pred(parent, ctx) ? field.read(r, ctx, parent) : undefined),
    write(w, v, ctx, parent) {
      if (!pred(parent, ctx)) return;
      const value = v ?? fixed ?? derived?.(parent);
      // a missing value where the layout needs one would shift every later field
      if (value === undefined) fail('encode', `required here${options ? ` (${options.note})` : ''}`);
      field.write(w, value, ctx, parent);
    },
    optional: true,
    ...(field.schema ? { schema: { ...field.schema, ...(options ? { description: options.note } : {}), ...(fixed !== undefined ? { default: fixed } : {}) } } : {}),
  };
}

/**
 * A field always on the wire that a caller may leave out: `value` is written then, and is the
 * schema's `default` (null too, which `when`'s fallback cannot be).
 */
export function withDefault<T>(field: Field<T>, value: T, description: string): Field<T> {
  return {
    read: field.read,
    write: (w, v, ctx, parent) => field.write(w, v === undefined ? value : v, ctx, parent),
    optional: true,
    schema: { ...field.schema, description, default: value },
  };
}

/** A trailing field that some terminals omit: read only if bytes remain. */
export function optional<T>(field: Field<T>): Field<T | undefined> {
  return {
    read: (r, ctx, parent) => (r.remaining > 0 ? field.read(r, ctx, parent) : undefined),
    write(w, v, ctx, parent) {
      if (v !== undefined) field.write(w, v, ctx, parent);
    },
    optional: true,
    ...(field.schema ? { schema: field.schema } : {}),
  };
}

/** One layout for 2019, another for 2011/2013 (kafkajs-style: the newer reuses the older where it can). */
export function byEdition<T>(v2019: Field<T>, older: Field<T>): Field<T> {
  return {
    read: (r, ctx, parent) => (ctx.version === '2019' ? v2019 : older).read(r, ctx, parent),
    write: (w, v, ctx, parent) => (ctx.version === '2019' ? v2019 : older).write(w, v, ctx, parent),
    ...(v2019.schema && older.schema ? { schema: { anyOf: [older.schema, v2019.schema] } } : {}),
    ...(v2019.optional || older.optional ? { optional: true } : {}),
  };
}

/** A BYTE count in 2013, a WORD count in 2019 (0x8003, 0x0005; 0x8800 keeps a BYTE in 2019). */
export const count8or16: Field<number> = byEdition(u16, u8);
