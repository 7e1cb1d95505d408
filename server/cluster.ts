/**
 * `cluster.workers` >= 1 (DIPPER_WORKERS): this process becomes a node:cluster primary that
 * runs no gateway itself. It accepts connections on the shared ports (cluster's round robin)
 * and hands them to the workers, and it keeps the workers alive: one that dies is forked again
 * (backing off from 1 s to 30 s), and SIGTERM/SIGINT stop every worker gracefully.
 *
 * What it is for: more connections than one process may hold (the open-file limit: ~19,900
 * sockets here), and a gateway that restarts itself. What it is not: a faster acceptor. A
 * worker still takes one handed-over connection per event-loop turn, as libuv accepts one per
 * turn (libuv #3696); short turns (transport/intake.ts) are what keep a busy gateway accepting.
 * Each worker is a whole gateway of its own (sessions, queue, live index), so more than one
 * needs the shared sinks: an external MQTT broker (checked at start), Kafka, and the
 * standalone map API fed from Kafka.
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import type { Logger } from 'pino';

/** Restart delays after a worker died: doubling from 1 s to 30 s, back to 1 s once a worker has run a minute. */
const FIRST_RESTART_MS = 1000;
const MAX_RESTART_MS = 30_000;
const STABLE_MS = 60_000;

export function runPrimary(workers: number, log: Logger): void {
  let stopping = false;
  let failed = false;
  let restartMs = FIRST_RESTART_MS;
  const started = new Map<Worker, number>();

  const fork = (): void => {
    const worker = cluster.fork();
    started.set(worker, Date.now());
    worker.on('exit', (code, signal) => {
      const ranMs = Date.now() - (started.get(worker) ?? Date.now());
      started.delete(worker);
      if (stopping) {
        if (code !== 0) failed = true;
        if (started.size === 0) {
          log.info({ failed }, 'every worker stopped');
          log.flush?.();
          process.exit(failed ? 1 : 0);
        }
        return;
      }
      if (ranMs >= STABLE_MS) restartMs = FIRST_RESTART_MS;
      log.error({ worker: worker.process.pid, code, signal, restartInMs: restartMs }, 'gateway worker exited: restarting it');
      setTimeout(fork, restartMs);
      restartMs = Math.min(MAX_RESTART_MS, restartMs * 2);
    });
  };

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, workers: started.size }, 'shutting down: stopping the workers');
    if (started.size === 0) process.exit(0);
    // each worker stops accepting, flushes its sinks and closes its sessions (main.ts)
    for (const worker of started.keys()) worker.process.kill('SIGTERM');
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  log.info({ workers }, 'cluster primary: accepting for the gateway workers');
  for (let i = 0; i < workers; i++) fork();
}
