/**
 * One pino logger for the process: JSON lines for collectors, pino-pretty when a person is
 * watching a terminal. Decided once at start, never per message.
 */
import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger } from 'pino';

export function createLogger(level: string, pretty = process.stdout.isTTY === true): Logger {
  if (pretty) return pino({ level, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } });
  return pino({ level });
}

/** For tests and embedding: a logger that writes nothing. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
