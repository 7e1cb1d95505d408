/**
 * The bound on terminals the registry does not list (map/unregistered.ts): least recently
 * heard goes first at the cap, the expired go at the sweep; a terminal heard again within the
 * refresh interval (a sixteenth of the expiry, at most 1 s) keeps its place, so the order is
 * exact to within that interval.
 */
import t from 'tap';
import { UnregisteredTerminals } from '../../map/unregistered.js';

t.test('at the cap the least recently heard goes (heard again after the refresh interval: moved to the end)', async (t) => {
  const u = new UnregisteredTerminals({ max: 2, expireAfterMs: 16_000 }); // refresh interval 1,000 ms
  t.equal(u.touch('a', 0), undefined);
  t.equal(u.touch('b', 10), undefined);
  t.equal(u.touch('a', 2_000), undefined, 'a heard again, 2 s later: now the most recent');
  t.equal(u.touch('c', 2_010), 'b', 'b is the least recently heard');
  t.same([u.has('a'), u.has('b'), u.has('c')], [true, false, true]);
});

t.test('heard again within the refresh interval: the place stands (no Map move per report)', async (t) => {
  const u = new UnregisteredTerminals({ max: 2, expireAfterMs: 16_000 });
  u.touch('a', 0);
  u.touch('b', 10);
  u.touch('a', 500); // within 1,000 ms of its stored time
  t.equal(u.touch('c', 510), 'a', 'a kept its first place: evicted though heard 10 ms after b');
});

t.test('expiry drops those not heard from for expireAfterMs, oldest first, and stops at the first fresh one', async (t) => {
  const u = new UnregisteredTerminals({ max: 10, expireAfterMs: 16_000 });
  u.touch('a', 0);
  u.touch('b', 5_000);
  u.touch('c', 10_000);
  const dropped: string[] = [];
  t.equal(u.expire(21_001, (x) => dropped.push(x)), 2);
  t.same(dropped, ['a', 'b'], 'a (21 s) and b (16.001 s) expired, c (11 s) not');
  t.equal(u.size, 1);
});
