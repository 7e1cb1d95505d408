/**
 * One load-runner worker process (forked by load.ts): runs its share of terminals as a fleet
 * and reports cumulative stats to the parent over IPC every second, then a final snapshot
 * when told to stop (or when its terminals have sent their --messages). Ctrl-C on a TTY
 * reaches the whole process group: the worker ignores SIGINT and waits for the parent's
 * stop, so the final numbers are collected once, by the parent.
 */
import { Fleet } from './fleet.js';
import type { Scenario } from './scenario.js';
import type { StatsSnapshot } from './stats.js';

export type ToWorker = { type: 'start'; scenario: Scenario } | { type: 'stop' };
export type FromWorker = { type: 'stats'; snap: StatsSnapshot } | { type: 'final'; snap: StatsSnapshot } | { type: 'error'; message: string };

const send = (m: FromWorker) => process.send?.(m);
let fleet: Fleet | undefined;
let ticker: NodeJS.Timeout | undefined;
let finishing: Promise<void> | undefined;

function finish(): Promise<void> {
  return (finishing ??= (async () => {
    clearInterval(ticker);
    await fleet?.stop();
    // disconnect only once the final snapshot has been handed to the channel
    await new Promise<void>((resolve) => (process.send ? process.send({ type: 'final', snap: fleet!.stats.snapshot() } satisfies FromWorker, undefined, undefined, () => resolve()) : resolve()));
    process.disconnect?.();
  })());
}

process.on('SIGINT', () => undefined);
process.on('disconnect', () => void finish().finally(() => process.exit(0)));
process.on('message', (m: ToWorker) => {
  try {
    if (m.type === 'start') {
      fleet = new Fleet(m.scenario);
      fleet.start();
      ticker = setInterval(() => send({ type: 'stats', snap: fleet!.stats.snapshot() }), 1000);
      void fleet.finished.then(finish);
    } else if (m.type === 'stop') void finish();
  } catch (e) {
    send({ type: 'error', message: (e as Error).message });
    process.exit(2);
  }
});
