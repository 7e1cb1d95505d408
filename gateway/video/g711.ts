/**
 * G.711 A-law and µ-law to 16-bit linear PCM (ITU-T G.711 §2-3, the expansion of Tables 1a/2a
 * as the reference decoder computes it: A-law codes are sent with even bits inverted (xor 0x55),
 * a 4-bit mantissa and a 3-bit segment; µ-law codes are sent inverted, biased by 0x84). Chromium's
 * MSE does not play G.711 in MP4, so the relay turns it into PCM for Web Audio (or hands the PCM
 * to an encoder MSE takes). Each table is built once; decoding is one lookup per sample.
 */

function alawSample(code: number): number {
  const a = code ^ 0x55;
  const segment = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  if (segment === 0) t += 8;
  else t = (t + 0x108) << (segment - 1);
  return a & 0x80 ? t : -t;
}

function ulawSample(code: number): number {
  const u = ~code & 0xff;
  let t = ((u & 0x0f) << 3) + 0x84;
  t <<= (u & 0x70) >> 4;
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

const build = (f: (code: number) => number): Int16Array => Int16Array.from({ length: 256 }, (_, code) => f(code));

export const ALAW_TO_PCM: Int16Array = build(alawSample);
export const ULAW_TO_PCM: Int16Array = build(ulawSample);

export const G711_LAWS = ['alaw', 'ulaw'] as const;
export type G711Law = (typeof G711_LAWS)[number];

/** One 16-bit sample per input byte. */
export function g711ToPcm(law: G711Law, data: Uint8Array): Int16Array {
  const table = law === 'alaw' ? ALAW_TO_PCM : ULAW_TO_PCM;
  const out = new Int16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = table[data[i]!]!;
  return out;
}

/** The same as little-endian s16 bytes (what `ffmpeg -f s16le` writes, and a WebSocket can carry). */
export function g711ToS16le(law: G711Law, data: Uint8Array): Buffer {
  const pcm = g711ToPcm(law, data);
  const out = Buffer.allocUnsafe(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) out.writeInt16LE(pcm[i]!, i * 2);
  return out;
}
