/**
 * Which terminal registered each phone the registry does not bind (no entry, or an entry
 * without `terminalId`): phone -> terminal ID of its first accepted 0x0100. A later 0x0100 for
 * the phone with another terminal ID is refused (0x8100 result 3), so a stranger cannot take
 * over a phone by registering it again. To move a phone to new hardware, give it a `terminalId`
 * in the registry (which wins) or delete its line from the file.
 *
 * Kept in `dataDir/registrations.jsonl`, one `{"phone","terminalId"}` line per binding,
 * appended (one write per line: atomic between the cluster workers sharing the dataDir), and
 * read back on start. A miss first reads what other processes appended since (a registration
 * of a new phone, rare), so workers agree. Bounded: at most `auth.rememberedTerminals`
 * bindings (~150 B each in memory); past it new phones are refused until the operator raises
 * it (`dipper_registration_bindings` shows the count).
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.js';

export const REGISTRATIONS_FILE = 'registrations.jsonl';

/** What binding `phone` to a terminal ID came to. */
export type Binding = 'new' | 'same' | 'taken' | 'full';

export class RegistrationStore {
  private readonly bindings = new Map<string, string>();
  private readonly fd: number;
  /** Bytes of the file read so far (complete lines only). */
  private offset = 0;
  private fullLogged = false;
  private skipped = 0;

  constructor(
    dataDir: string,
    private readonly max: number,
    private readonly log: Logger,
  ) {
    mkdirSync(dataDir, { recursive: true });
    this.fd = openSync(join(dataDir, REGISTRATIONS_FILE), 'a+', 0o600);
    this.catchUp();
    if (this.skipped > 0) log.warn({ skipped: this.skipped, max }, 'registrations file: lines past auth.rememberedTerminals or unreadable were ignored');
  }

  get size(): number {
    return this.bindings.size;
  }

  /** The terminal ID `phone` is bound to, if any. */
  get(phone: string): string | undefined {
    return this.bindings.get(phone) ?? (this.catchUp(), this.bindings.get(phone));
  }

  /** Binds `phone` to `terminalId` unless it is bound to another one (or the store is full). */
  bind(phone: string, terminalId: string): Binding {
    const bound = this.get(phone);
    if (bound !== undefined) return bound === terminalId ? 'same' : 'taken';
    if (this.bindings.size >= this.max) {
      if (!this.fullLogged) this.log.warn({ max: this.max }, 'auth.rememberedTerminals reached: registrations of new phones are refused (raise it, or put the terminals in the registry with their terminalId)');
      this.fullLogged = true;
      return 'full';
    }
    this.bindings.set(phone, terminalId);
    writeSync(this.fd, `${JSON.stringify({ phone, terminalId })}\n`);
    // our own line is read back by the next catch-up and found already bound: harmless
    return 'new';
  }

  /** Reads lines appended since the last read (by this or another process). */
  private catchUp(): void {
    const size = fstatSync(this.fd).size;
    if (size <= this.offset) return;
    const buf = Buffer.allocUnsafe(size - this.offset);
    const n = readSync(this.fd, buf, 0, buf.length, this.offset);
    const end = buf.lastIndexOf(0x0a, n - 1);
    if (end < 0) return;
    for (const line of buf.toString('utf8', 0, end).split('\n')) this.load(line);
    this.offset += end + 1;
  }

  private load(line: string): void {
    if (line === '') return;
    try {
      const { phone, terminalId } = JSON.parse(line) as { phone?: unknown; terminalId?: unknown };
      if (typeof phone !== 'string' || typeof terminalId !== 'string') throw new Error('not a binding');
      // the first binding of a phone wins (two workers racing on one phone: the earlier line)
      if (this.bindings.has(phone)) return;
      if (this.bindings.size >= this.max) throw new Error('full');
      this.bindings.set(phone, terminalId);
    } catch {
      this.skipped++;
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}
