/**
 * Codec fuzzing: mutated real frames and random bytes (biased towards 0x7e, 0x7d and known
 * message IDs, as mqtt-packet's testRandom does) through the stream splitter and the decoder.
 * The property: nothing throws, every refusal is a typed Jt808Error, and every byte pushed is
 * accounted for (a frame, an error, junk, or still buffered). Seeded, so a failure replays.
 *
 *   npm run fuzz -- [--frames 1000000] [--seed 1]
 */
import { FrameSplitter, Jt808Error, decodeFrame, enframe, knownMessageIds } from '../decoders/index.js';
import { rng } from './fixtures.js';

/** Real frames (Traccar's HuabaoProtocolDecoderTest) used as mutation seeds. */
const SEEDS = [
  '7E0200002A013833501744001900000000000000C201597FA806CC01580080000000081508180721210104000002F502020000030200009F7E',
  '7e0200002e094027587492000a000000010000000a03083db7001329f3000000140000130412164952010400000012360a0002341502cb0c20085c107e',
  '7e0002000004304832546500b7ca7e',
  '7E0102000E013511221122000661757468656E7469636174696F6E3F7E',
  '7e0100002d0141305678720024002c012f373031313142534a2d41362d424400000000000000000000003035363738373201d4c14238383838386d7e',
  '7E0704014301356777777707F5000801002600000000000000030159741206CBFD5001720000000116052709062401040000001D03020000002600000000000000030159746606CBFD50016B0000000116052709065301040000001D0302000000260000000000000003015975E406CBFE58013F0000000116052709072701040000001D0302000000260000000000000003015976DE06CBFF10012E0000000116052709075601040000001D0302000000260000000000000003015976BC06CBFED0012D0000000116052709083001040000001D0302000000260000000000000003015976FE06CBFEC001080000000116052709090001040000001D0302000000260000000000000003015976FE06CBFE7800FC0000000116052709093301040000001D0302000000260000000000000003015977A606CBFF3001080000000116052709100201040000001D030200001F7E',
].map((h) => Buffer.from(h, 'hex'));


export interface FuzzStats {
  inputs: number;
  bytes: number;
  frames: number;
  decoded: number;
  errors: Record<string, number>;
  junkBytes: number;
}

export function fuzzCodec(count: number, seed = 1): FuzzStats {
  const random = rng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const ids = knownMessageIds();
  const stats: FuzzStats = { inputs: 0, bytes: 0, frames: 0, decoded: 0, errors: {}, junkBytes: 0 };
  const splitter = new FrameSplitter();
  const onError = (e: Jt808Error) => {
    if (!(e instanceof Jt808Error)) throw new Error(`untyped error ${String(e)}`);
    stats.errors[e.code] = (stats.errors[e.code] ?? 0) + 1;
  };
  const onFrame = (data: Buffer) => {
    stats.frames++;
    const r = decodeFrame(data);
    if (r.ok) stats.decoded++;
    else onError(r.error);
  };

  for (let i = 0; i < count; i++) {
    let input: Buffer;
    const mode = int(10);
    if (mode < 6) {
      // mutate a real frame: flip bits, overwrite, insert or delete bytes, then re-frame
      // half the time so the check byte is right and the body decoders are reached
      const seedFrame = SEEDS[int(SEEDS.length)]!;
      const inner = Buffer.from(seedFrame.subarray(1, seedFrame.length - 2));
      const edits = 1 + int(4);
      let data = inner;
      for (let e = 0; e < edits; e++) {
        const at = int(data.length);
        const op = int(4);
        if (op === 0) data[at] = data[at]! ^ (1 << int(8));
        else if (op === 1) data[at] = int(256);
        else if (op === 2) data = Buffer.concat([data.subarray(0, at), Buffer.from([int(256)]), data.subarray(at)]);
        else data = Buffer.concat([data.subarray(0, at), data.subarray(at + 1)]);
      }
      if (random() < 0.5) {
        // keep the header's length field consistent sometimes, so bodies are exercised
        const hl = data.length >= 4 && (data[2]! & 0x40) ? 17 : 12;
        if (data.length >= hl && random() < 0.7) {
          const len = Math.min(1023, data.length - hl);
          data[2] = (data[2]! & 0xfc) | (len >> 8);
          data[3] = len & 0xff;
        }
        input = enframe(data);
      } else input = Buffer.concat([Buffer.from([0x7e]), data, Buffer.from([int(256), 0x7e])]);
    } else if (mode < 8) {
      // a random body behind a valid header of a known message ID
      const id = ids[int(ids.length)]!;
      const body = Buffer.alloc(int(80));
      for (let b = 0; b < body.length; b++) body[b] = random() < 0.1 ? 0x7e : int(256);
      const is2019 = random() < 0.3;
      const header = Buffer.alloc(is2019 ? 17 : 12);
      header.writeUInt16BE(id, 0);
      header.writeUInt16BE(body.length | (is2019 ? 0x4000 : 0), 2);
      header.fill(0x01, 4, header.length - 2);
      input = enframe(Buffer.concat([header, body]));
    } else {
      // raw noise, heavy in flags and escapes
      input = Buffer.alloc(int(300));
      for (let b = 0; b < input.length; b++) {
        const r = random();
        input[b] = r < 0.08 ? 0x7e : r < 0.14 ? 0x7d : int(256);
      }
    }
    stats.inputs++;
    stats.bytes += input.length;
    // deliver in random chunk sizes
    let pos = 0;
    while (pos < input.length) {
      const n = 1 + int(input.length);
      splitter.push(input.subarray(pos, pos + n), onFrame, onError);
      pos += n;
    }
  }
  stats.junkBytes = splitter.junkBytes;
  return stats;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i === -1 ? fallback : Number(process.argv[i + 1]);
  };
  const frames = arg('frames', 1_000_000);
  const seed = arg('seed', 1);
  const started = process.hrtime.bigint();
  const stats = fuzzCodec(frames, seed);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(JSON.stringify({ ...stats, seconds: Number(seconds.toFixed(1)), inputsPerSecond: Math.round(frames / seconds) }, null, 2));
}
