/**
 * The command line of `npm start` (server/main.ts): `--config FILE` (or `--config=FILE`),
 * `--help` (`-h`) and `--version` print and exit 0; any other argument is a usage error that
 * names it (exit 2), never silently ignored: `--prot 5` must not start a gateway on 6808.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, ENVIRONMENT } from './config.js';

export type Invocation = { action: 'run'; configFile?: string } | { action: 'help' } | { action: 'version' };

/** A command line that cannot be run: the message names the argument; exit 2 like a bad setting. */
export class UsageError extends ConfigError {
  override name = 'UsageError';
}

export function parseArguments(argv: readonly string[]): Invocation {
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') return { action: 'help' };
    if (a === '--version') return { action: 'version' };
    let file: string | undefined;
    if (a === '--config') {
      file = argv[++i];
      if (file === undefined || file === '') throw new UsageError('--config needs a file name');
    } else if (a.startsWith('--config=')) {
      file = a.slice('--config='.length);
      if (file === '') throw new UsageError('--config needs a file name');
    } else {
      // the name only: an argument may be a mistyped secret; a key=value flag shows its key
      const name = a.startsWith('-') ? a.split('=')[0]! : a;
      throw new UsageError(`${a.startsWith('-') ? 'unknown option' : 'unexpected argument'} "${name}" (see --help)`);
    }
    if (configFile !== undefined) throw new UsageError('--config given more than once');
    configFile = file;
  }
  return configFile === undefined ? { action: 'run' } : { action: 'run', configFile };
}

/** package.json's version: found upwards from this file (server/ under tsx, dist/server/ built). */
export function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'dipper' && pkg.version) return pkg.version;
    }
    const up = dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

export function helpText(): string {
  const width = Math.max(...Object.keys(ENVIRONMENT).map((n) => n.length));
  const variables = Object.entries(ENVIRONMENT).map(([name, key]) => `  ${name.padEnd(width)}  ${key}`);
  return [
    `dipper ${version()}: JT/T 808 gateway (TCP+UDP), map API, MQTT broker and sinks`,
    '',
    'Usage: npm start -- [options]        (or: node dist/server/main.js [options])',
    '',
    'Options:',
    '  --config FILE, --config=FILE  settings from a JSON file, over config/default.json',
    '  -h, --help                    print this help and exit',
    '  --version                     print the version and exit',
    '',
    'Settings load in this order, later wins: schema defaults, config/default.json, --config FILE,',
    'DIPPER_* variables. Every config key, its type, default and meaning: README.md, Operations >',
    'Settings (config/default.json shows every key with its default value).',
    '',
    'Environment variables (-> config key):',
    ...variables,
    '',
    'Exit codes: 0 stopped by SIGTERM/SIGINT (or help/version printed), 1 failed to start,',
    '2 bad setting or command line.',
    '',
  ].join('\n');
}
