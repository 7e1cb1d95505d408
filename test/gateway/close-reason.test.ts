/**
 * Close reasons are a closed set (gateway/session/close-reason.ts): the reset, the penalty box's
 * strike and the refusal count all take their sets from it, and a misspelt reason does not compile.
 */
import t from 'tap';
import { ABUSE, REFUSED } from '../../gateway/session/close-reason.js';
import type { CloseReason } from '../../gateway/session/close-reason.js';
import type { Session } from '../../gateway/session/session.js';

t.test('abuse (reset, penalty strike) and refusals (counted)', async (t) => {
  t.same([...ABUSE].sort(), ['junk', 'malformed']);
  t.same([...REFUSED].sort(), ['handshake-timeout', 'junk', 'malformed']);
  for (const r of ABUSE) t.ok(REFUSED.has(r), `${r}: an abusive close is a refusal too`);
});

t.test('a misspelt reason is a compile error (checked by tsc -p ., which includes the tests)', async (t) => {
  // @ts-expect-error not a CloseReason
  const typo: CloseReason = 'jnuk';
  // @ts-expect-error Session.close takes a CloseReason only
  const close = (s: Session) => s.close('malformd');
  // @ts-expect-error the abuse set is typed by it
  const has = ABUSE.has('Junk');
  t.ok(typo !== undefined && typeof close === 'function' && has === false);
});
