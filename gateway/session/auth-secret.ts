/**
 * The auth-code key when `auth.secret` is not configured: 32 random bytes made on first start
 * and kept in `dataDir/auth-secret` (mode 0600), so that codes handed out survive a restart and
 * no two installations share a key (there is no working default to read in a README).
 *
 * Creation is atomic: the key is written whole to a temporary file and then hard-linked to its
 * name, which fails if the name exists. Every process sharing the dataDir (cluster.ts's primary
 * makes it before forking; workers, a second gateway on the same volume) that loses the race
 * reads the winner's key, so they all end up with one secret and never see a half-written file.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../events/settings.js';
import { MIN_SECRET_BYTES } from '../settings.js';
import type { GatewayConfig } from '../settings.js';
import type { Logger } from '../log.js';

export const SECRET_FILE = 'auth-secret';

/** `config` with `auth.secret` filled in: as configured, or read from / generated in dataDir. */
export function withAuthSecret(config: GatewayConfig, log: Logger): GatewayConfig {
  if (config.auth.secret !== '') return config;
  return { ...config, auth: { ...config.auth, secret: loadOrCreateSecret(config.dataDir, log) } };
}

export function loadOrCreateSecret(dataDir: string, log: Logger): string {
  const file = join(dataDir, SECRET_FILE);
  const existing = read(file, log);
  if (existing !== undefined) return existing;
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(MIN_SECRET_BYTES).toString('hex');
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${secret}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
    log.info({ file }, 'auth.secret not configured: generated a random one and kept it in dataDir (set auth.secret to the same value on every gateway of a fleet)');
    return secret;
  } catch (e) {
    // another process made it first: theirs is the fleet's key
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return read(file, log)!;
  } finally {
    unlinkSync(tmp);
  }
}

function read(file: string, log: Logger): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`invalid configuration: auth.secret: cannot read ${file}: ${(e as Error).message}`);
  }
  const secret = text.trim();
  if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) throw new ConfigError(`invalid configuration: auth.secret: ${file} holds fewer than ${MIN_SECRET_BYTES} bytes; delete it to have a new one generated (every terminal then registers again)`);
  if ((statSync(file).mode & 0o077) !== 0) log.warn({ file }, 'the generated auth secret is readable by other users: chmod 600 it');
  return secret;
}
