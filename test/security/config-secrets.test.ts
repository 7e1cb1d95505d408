/**
 * Configuration errors go to logs and terminals: a credential that fails validation is named by
 * its key, never echoed (before, a 15-character API token was printed back in full).
 */
import t from 'tap';
import { ConfigError, validate } from '../../server/config.js';

t.test('a too-short API token is named, not printed', async (t) => {
  const token = 'hunter2-hunter2'; // 15 characters: below the 16 the schema asks for
  const error = t.throws(() => validate({ api: { tokens: [{ token, org: '' }] } })) as Error;
  t.type(error, ConfigError);
  t.match(error.message, /api\.tokens\.0\.token/);
  t.notMatch(error.message, /hunter2/);
});

t.test('ordinary settings still show the bad value', async (t) => {
  const error = t.throws(() => validate({ queue: { batch: 0 } })) as Error;
  t.match(error.message, /queue\.batch: .*\(got 0\)/);
});
