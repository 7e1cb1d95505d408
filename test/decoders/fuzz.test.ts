import t from 'tap';
import { fuzzCodec } from '../../bench/fuzz-codec.js';

t.test('a bounded fuzz sample: no throw, only typed errors, and real decodes among them', async (t) => {
  for (const seed of [1, 2, 3]) {
    const stats = fuzzCodec(4000, seed);
    t.equal(stats.inputs, 4000);
    t.ok(stats.decoded > 100, `seed ${seed}: some mutated frames still decode (${stats.decoded})`);
    t.ok(Object.keys(stats.errors).every((c) => ['checksum', 'length', 'escape', 'truncated', 'too_long', 'empty', 'malformed'].includes(c)), JSON.stringify(stats.errors));
  }
});
