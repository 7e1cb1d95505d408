/**
 * The received-ranges list of an attachment file (gateway/attachments/ranges.ts) against a
 * brute-force model: a bitmap of the file's bytes. Random ranges are added in random order; after
 * each, the gaps, the bytes covered and "complete" agree with the bitmap, and the number of
 * separate ranges never passes the cap (an add that would pass it changes nothing and says so).
 */
import t from 'tap';
import { ReceivedRanges } from '../../gateway/attachments/ranges.js';

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** The gaps and runs of a bitmap, worked out byte by byte. */
function model(bits: Uint8Array): { gaps: { offset: number; length: number }[]; runs: number; covered: number } {
  const gaps: { offset: number; length: number }[] = [];
  let runs = 0;
  let covered = 0;
  for (let i = 0; i < bits.length; i++) {
    if (bits[i]) {
      covered++;
      if (i === 0 || !bits[i - 1]) runs++;
    } else if (i === 0 || bits[i - 1]) gaps.push({ offset: i, length: 1 });
    else gaps[gaps.length - 1]!.length++;
  }
  return { gaps, runs, covered };
}

t.test('random ranges against a bitmap, with and without a cap', async (t) => {
  for (let seed = 1; seed <= 200; seed++) {
    const rnd = random(seed);
    const size = 1 + Math.floor(rnd() * 300);
    const cap = seed % 2 === 0 ? 1 + Math.floor(rnd() * 6) : 1_000_000;
    const ranges = new ReceivedRanges(size, cap);
    const bits = new Uint8Array(size);
    for (let step = 0; step < 40; step++) {
      const start = Math.floor(rnd() * size);
      const end = Math.min(size, start + Math.floor(rnd() * 40));
      const trial = bits.slice();
      trial.fill(1, start, end);
      const fits = model(trial).runs <= cap;
      t.equal(ranges.fits(start, end), fits, `seed ${seed} step ${step}: fits`);
      if (ranges.add(start, end) !== fits) throw new Error(`seed ${seed} step ${step}: add said otherwise than fits`);
      if (fits) bits.set(trial);
      const m = model(bits);
      if (JSON.stringify(ranges.missing()) !== JSON.stringify(m.gaps)) throw new Error(`seed ${seed} step ${step}: gaps ${JSON.stringify(ranges.missing())} != ${JSON.stringify(m.gaps)}`);
      if (ranges.count !== m.runs || ranges.covered !== m.covered || ranges.complete !== (m.covered === size)) throw new Error(`seed ${seed} step ${step}: count/covered/complete differ`);
      if (ranges.count > cap) throw new Error('over the cap');
    }
  }
  t.pass('200 seeds agree with the bitmap');
});

t.test('missing() stops at its limit, in order', async (t) => {
  const r = new ReceivedRanges(100, 100);
  for (let i = 0; i < 10; i++) r.add(i * 10, i * 10 + 5);
  t.same(r.missing(3), [{ offset: 5, length: 5 }, { offset: 15, length: 5 }, { offset: 25, length: 5 }]);
  t.equal(r.missing().length, 10);
  t.notOk(r.complete);
  t.ok(new ReceivedRanges(0, 1).complete, 'an empty file is whole');
});
