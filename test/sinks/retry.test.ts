/** The sinks' one retry mechanism (sinks/retry.ts), which RequiredSink and BacklogSink both run. */
import t from 'tap';
import { Retry } from '../../sinks/retry.js';

t.test('tries until a try succeeds; wake() ends a wait at once', async (t) => {
  const retry = new Retry(60_000, 600_000); // waits far longer than the test: only wake() moves it on
  const failures: number[] = [];
  let tries = 0;
  const result = retry.run(
    async () => {
      tries++;
      if (tries < 3) throw new Error(`down ${tries}`);
      return 'taken';
    },
    (error, attempt) => {
      failures.push(attempt);
      t.equal((error as Error).message, `down ${attempt}`);
      setImmediate(() => retry.wake());
    },
  );
  t.equal(await result, 'taken');
  t.equal(tries, 3);
  t.same(failures, [1, 2]);
});

t.test('onFailure throwing gives up with its error; wake() reaches every waiting loop', async (t) => {
  const retry = new Retry(60_000, 600_000);
  let stopping = false;
  let waiting = 0;
  const loop = (name: string) =>
    retry.run(
      async () => {
        throw new Error(name);
      },
      (error) => {
        if (stopping) throw error;
        // both loops are about to wait: stop and wake them together
        if (++waiting === 2)
          setImmediate(() => {
            stopping = true;
            retry.wake();
          });
      },
    );
  const a = loop('a');
  const b = loop('b');
  await t.rejects(a, /a/);
  await t.rejects(b, /b/);
  t.equal(waiting, 2, 'each waited once');
});
