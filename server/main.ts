/**
 * `npm start`: the whole gateway on embedded defaults (JT/T 808 TCP+UDP 6808, HTTP 8080,
 * MQTT 1883 and WebSocket), no external service. Config: config/default.json, then
 * `--config FILE`, then DIPPER_* variables. `--help`, `--version`: printed, exit 0; any other
 * argument: exit 2 naming it (cli.ts). SIGTERM/SIGINT: stop accepting, flush, close
 * sessions, exit 0. With `cluster.workers` >= 1 this process accepts and supervises, and its
 * workers (this same file, forked) run the gateway: cluster.ts.
 */
import cluster from 'node:cluster';
import { runPrimary } from './cluster.js';
import { helpText, parseArguments, version } from './cli.js';
import { ConfigError, loadConfig } from './config.js';
import { exposureNotice } from './exposure.js';
import { createLogger } from '../gateway/log.js';
import { withAuthSecret } from '../gateway/session/auth-secret.js';
import { startServer } from './server.js';

async function main(): Promise<void> {
  let config;
  try {
    const invocation = parseArguments(process.argv.slice(2));
    if (invocation.action === 'help' || invocation.action === 'version') {
      process.stdout.write(invocation.action === 'help' ? helpText() : `${version()}\n`);
      return;
    }
    config = loadConfig({ file: invocation.configFile, env: process.env });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`dipper: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger(config.log.level);
  // once per start (the primary's, not each worker's): who can reach what, and api.insecure's warning
  if (cluster.isPrimary) {
    const notice = exposureNotice(config);
    log[notice.level](notice.fields, notice.message);
  }
  if (config.cluster.workers > 0 && cluster.isPrimary) {
    // made (or read) before forking, so every worker reads the one key from dataDir
    withAuthSecret(config, log);
    runPrimary(config.cluster.workers, log);
    return;
  }
  const server = await startServer(config, log, { processMetrics: true });
  // Last resort, for what no guard caught (a library's own callback): logged and counted in
  // dipper_internal_errors_total{where="process"}, and the gateway stays up. Exiting would drop
  // every terminal's connection, and whoever found the input that throws could do it again at
  // will; a supervisor that prefers a restart can alert on the counter. Errors while starting
  // still end the process (main's catch below).
  process.on('uncaughtException', (err) => server.gateway.guard.report('process', err));
  process.on('unhandledRejection', (reason) => server.gateway.guard.report('process', reason));
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: no new connections, flushing sinks');
    server.close().then(
      () => {
        log.info('stopped');
        log.flush?.();
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  // a configuration problem found past loading (an unreadable generated auth secret): exit 2 too
  if (err instanceof ConfigError) {
    process.stderr.write(`dipper: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`dipper: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
