/**
 * The command relay's replay cache (sinks/replay-cache.ts): an id is refused while remembered,
 * forgotten `keepMs` after its arrival, and at most `maxIds` are held (the oldest forgotten first).
 */
import t from 'tap';
import { ReplayCache } from '../../sinks/replay-cache.js';

t.test('an id seen before is refused until it is forgotten', async (t) => {
  const cache = new ReplayCache(10, 60_000);
  t.ok(cache.remember('a', 0));
  t.notOk(cache.remember('a', 59_999), 'within 60 s: a replay');
  t.ok(cache.remember('a', 60_000), 'kept 60 s from its arrival, then forgotten');
  t.equal(cache.size, 1);
});

t.test('at most maxIds: the oldest is forgotten first', async (t) => {
  const cache = new ReplayCache(3, 60_000);
  for (const id of ['a', 'b', 'c', 'd']) t.ok(cache.remember(id, 0));
  t.equal(cache.size, 3, 'bounded');
  t.notOk(cache.remember('d', 1), 'the newest is held');
  t.notOk(cache.remember('b', 1));
  t.ok(cache.remember('a', 1), 'the oldest was pushed out');
});
