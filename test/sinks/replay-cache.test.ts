/**
 * The command relay's replay cache (sinks/replay-cache.ts): an id is refused while remembered,
 * forgotten only after `keepMs` from its arrival, and at most `maxIds` are held: when full, a new id
 * is refused (the request with it), never a fresh one forgotten (which would let it be replayed).
 */
import t from 'tap';
import { ReplayCache } from '../../sinks/replay-cache.js';

t.test('an id seen before is refused until it is forgotten', async (t) => {
  const cache = new ReplayCache(10, 60_000);
  t.equal(cache.remember('a', 0), 'new');
  t.equal(cache.remember('a', 59_999), 'replay', 'within 60 s: a replay');
  t.equal(cache.remember('a', 60_000), 'replay', 'at exactly 60 s: still a replay');
  t.equal(cache.remember('a', 60_001), 'new', 'past 60 s from its arrival: forgotten, remembered anew');
  t.equal(cache.size, 1);
});

t.test('at most maxIds: full, a new id is refused and the fresh ones are kept', async (t) => {
  const cache = new ReplayCache(3, 60_000);
  for (const id of ['a', 'b', 'c']) t.equal(cache.remember(id, 0), 'new');
  t.equal(cache.remember('d', 1), 'full', 'no room: refused');
  t.equal(cache.size, 3, 'bounded');
  t.equal(cache.remember('a', 1), 'replay', 'the oldest is still held: its replay refused');
  t.equal(cache.remember('d', 60_001), 'new', 'once the old ones expire there is room again');
  t.equal(cache.size, 1);
});
