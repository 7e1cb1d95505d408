/**
 * A bounded, seeded sample of `npm run fuzz` (bench/session-fuzzer.ts): mutated and random
 * frames through a real Gateway's handle(stream), session layer and all. Nothing may throw,
 * every refusal is typed and counted, and a well-behaved terminal logging in afterwards is
 * still answered.
 */
import t from 'tap';
import { fuzzSessions } from '../../bench/session-fuzzer.js';

t.test('20,000 fuzzed inputs through the session layer: no crash, no hang, typed failures', async (t) => {
  const stats = await fuzzSessions(20_000, { seed: 7 });
  t.same(stats.crashes, [], 'no exception escaped');
  t.ok(stats.inputs >= 20_000, `${stats.inputs} inputs delivered`);
  t.ok(stats.probes >= 1, 'a well-behaved terminal logged in after the fuzzing');
  t.equal(stats.probeFailures, 0, 'and got its 0x8001 for a location report');
  // the fuzz reaches the decoder's refusals, the session's refusals and its protective closes
  for (const code of ['checksum', 'escape', 'truncated']) t.ok(stats.decodeErrors[code]! > 0, `decode errors typed: ${code}`);
  t.ok(stats.refusals.unauthenticated! > 0, 'frames before authentication refused');
  t.ok(stats.closedBy.malformed! > 0 && stats.closedBy.junk! > 0, 'hostile sessions closed as malformed and junk');
  t.ok(stats.replies['0x8001']! > 1000 && stats.replies['0x8100']! > 10, 'well-formed frames answered');
  t.notOk(stats.replies.undecodable, 'every answer the gateway wrote decodes');
});
