/**
 * Nothing thrown in a timer, socket or stream callback may end the process: one frame that
 * reached a bug would otherwise drop every terminal of the gateway (issue 14 §1: a throw in the
 * reassembly timer did). The gateway's callbacks run through a Guard, which catches, counts
 * `dipper_internal_errors_total{where}` and logs the first error of each `where`, then at most
 * one a minute with the number left unlogged, so a frame repeated in a loop cannot flood the log.
 */
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';

/** Which callback threw: a closed set, so the metric's labels stay bounded. */
export const WHERE = ['tcp-accept', 'stream-data', 'stream-event', 'session-input', 'session-timer', 'reassembly-timer', 'udp-message', 'attachment-accept', 'attachment-input', 'attachment-timer', 'sink-queue', 'command-relay', 'map-sweep', 'sse-tick', 'process'] as const;
export type Where = (typeof WHERE)[number];

/** Between two logged errors of one `where`. */
const LOG_EVERY_MS = 60_000;

export class Guard {
  private readonly logged = new Map<Where, { at: number; unlogged: number }>();

  constructor(
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  /** `fn`, except that what it throws is reported instead of escaping into the event loop. */
  wrap<A extends unknown[]>(where: Where, fn: (...args: A) => void): (...args: A) => void {
    return (...args: A) => {
      try {
        fn(...args);
      } catch (e) {
        this.report(where, e);
      }
    };
  }

  report(where: Where, error: unknown): void {
    this.metrics.internalErrors.inc({ where });
    const now = Date.now();
    const last = this.logged.get(where);
    if (last && now - last.at < LOG_EVERY_MS) {
      last.unlogged++;
      return;
    }
    try {
      this.log.error({ err: error, where, unlogged: last?.unlogged ?? 0 }, 'internal error caught; the gateway carries on (logged once a minute per place, all counted in dipper_internal_errors_total)');
    } catch {
      // a logger that throws is no reason to stop: the count above stands
    }
    this.logged.set(where, { at: now, unlogged: 0 });
  }
}
