/**
 * fast-check building blocks for round-trip properties. Generated values are canonical
 * (what decoding yields): strings carry no trailing padding, numbers fit their fields.
 */
import fc from 'fast-check';
import type { Edition } from '../../decoders/index.js';

export const byte = fc.integer({ min: 0, max: 0xff });
export const word = fc.integer({ min: 0, max: 0xffff });
export const dword = fc.integer({ min: 0, max: 0xffffffff });
export const edition = fc.constantFrom<'2013' | '2019'>('2013', '2019');

const CHARS = [...'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-_.', ...'京沪鄂粤苏浙警学挂领武汉执法终端'];

/** GBK text of at most `maxBytes` bytes (Chinese chars count 2), no trailing space or NUL. */
export function gbkText(maxBytes: number, minLength = 0): fc.Arbitrary<string> {
  return fc
    .array(fc.constantFrom(...CHARS), { minLength, maxLength: maxBytes })
    .map((cs) => {
      let out = '';
      let n = 0;
      for (const c of cs) {
        const w = c.charCodeAt(0) < 0x80 ? 1 : 2;
        if (n + w > maxBytes) break;
        out += c;
        n += w;
      }
      return out;
    });
}

/** Decimal digits of at most `maxDigits` characters (BCD fields decode zero-padded: pad here). */
export function digits(n: number): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...'0123456789'), { minLength: n, maxLength: n }).map((a) => a.join(''));
}

export function bytesOf(min: number, max: number): fc.Arbitrary<Buffer> {
  return fc.uint8Array({ minLength: min, maxLength: max }).map((a) => Buffer.from(a));
}

/** An ISO time at whole seconds within BCD[6]'s years (2000-2099), as decoded. */
export const isoTime = fc
  .integer({ min: Date.UTC(2000, 0, 1, 8), max: Date.UTC(2099, 11, 31, 15) })
  .map((ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString());

/** What each family exports: message ID -> arbitrary {version, body}. */
export type BodyArbitraries = Record<number, fc.Arbitrary<{ version: Edition; body: unknown }>>;
