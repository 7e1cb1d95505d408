import { fail } from './errors.js';
import type { Edition } from './message.js';
import type { Reader } from './reader.js';
import type { Writer } from './writer.js';

/**
 * A tiny table-driven layout language: a Field knows how to read and write one value, so a
 * body described once with `struct({...})` serves both decoder and encoder (the way
 * mqtt-packet pairs its parser and generator). Hot bodies (0x0200) hand-write their
 * field code but still sit in one place with their mirror.
 */
export interface BodyContext {
  /** Edition from the header; a decoder may refine it (0x0100 tells 2011 from 2013 by length). */
  version: Edition;
  msgId: number;
}

type Parent = Record<string, unknown>;

export interface Field<T> {
  read(r: Reader, ctx: BodyContext, parent: Parent): T;
  write(w: Writer, v: T, ctx: BodyContext, parent: Parent): void;
}

export type FieldValue<F> = F extends Field<infer T> ? T : never;
export type Spec = Record<string, Field<any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
export type Shape<S extends Spec> = { [K in keyof S]: FieldValue<S[K]> };

export const u8: Field<number> = { read: (r) => r.u8(), write: (w, v) => void w.u8(v) };
export const u16: Field<number> = { read: (r) => r.u16(), write: (w, v) => void w.u16(v) };
export const i16: Field<number> = { read: (r) => r.i16(), write: (w, v) => void w.i16(v) };
export const u32: Field<number> = { read: (r) => r.u32(), write: (w, v) => void w.u32(v) };

/** BCD digits of fixed byte length. */
export const bcd = (n: number): Field<string> => ({ read: (r) => r.bcd(n), write: (w, v) => void w.bcd(v, n) });

/** BCD[6] GMT+8 time as an ISO-8601 UTC string (null when the terminal sent zeros). */
export const time: Field<string | null> = {
  read: (r) => r.timeIso(),
  write: (w, v) => void w.timeIso(v),
};

/** Fixed-width GBK string (zero-padded on the wire). */
export const gbk = (n: number): Field<string> => ({ read: (r) => r.gbk(n), write: (w, v) => void w.gbk(v, n) });
/** GBK string with a BYTE length prefix. */
export const gbk8: Field<string> = { read: (r) => r.gbk8(), write: (w, v) => void w.gbk8(v) };
/** GBK string with a WORD length prefix. */
export const gbk16: Field<string> = { read: (r) => r.gbk16(), write: (w, v) => void w.gbk16(v) };
/** GBK string to the end of the body. */
export const gbkRest: Field<string> = { read: (r) => r.gbkRest(), write: (w, v) => void w.gbkRest(v) };

/** Fixed-length opaque bytes. */
export const bytes = (n: number): Field<Buffer> => ({
  read: (r) => Buffer.from(r.bytes(n)),
  write: (w, v) => void w.fixed(v, n),
});
/** Opaque bytes to the end of the body (copied, so the frame's chunk is not retained). */
export const rest: Field<Buffer> = { read: (r) => Buffer.from(r.rest()), write: (w, v) => void w.bytes(v) };

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
      count.write(w, v.length, ctx, parent);
      for (const x of v) item.write(w, x, ctx, parent);
    },
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
      for (const x of v) item.write(w, x, ctx, parent);
    },
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
      const o = v as Parent;
      for (let i = 0; i < keys.length; i++) fields[i]!.write(w, o[keys[i]!], ctx, o);
    },
  };
}

/** A field present only when `pred` holds for the fields read before it (or the edition). */
export function when<T>(pred: (parent: Parent, ctx: BodyContext) => boolean, field: Field<T>): Field<T | undefined> {
  return {
    read: (r, ctx, parent) => (pred(parent, ctx) ? field.read(r, ctx, parent) : undefined),
    write(w, v, ctx, parent) {
      if (!pred(parent, ctx)) return;
      // a missing value where the layout needs one would shift every later field
      if (v === undefined) fail('encode', 'a conditional field is required here but missing');
      field.write(w, v, ctx, parent);
    },
  };
}

/** A trailing field that some terminals omit: read only if bytes remain. */
export function optional<T>(field: Field<T>): Field<T | undefined> {
  return {
    read: (r, ctx, parent) => (r.remaining > 0 ? field.read(r, ctx, parent) : undefined),
    write(w, v, ctx, parent) {
      if (v !== undefined) field.write(w, v, ctx, parent);
    },
  };
}

/** One layout for 2019, another for 2011/2013 (kafkajs-style: the newer reuses the older where it can). */
export function byEdition<T>(v2019: Field<T>, older: Field<T>): Field<T> {
  return {
    read: (r, ctx, parent) => (ctx.version === '2019' ? v2019 : older).read(r, ctx, parent),
    write: (w, v, ctx, parent) => (ctx.version === '2019' ? v2019 : older).write(w, v, ctx, parent),
  };
}

/** A BYTE count in 2013, a WORD count in 2019 (0x8003, 0x0005; 0x8800 keeps a BYTE in 2019). */
export const count8or16: Field<number> = byEdition(u16, u8);
