/**
 * The device registry: which terminal is which (category, org unit, plate or officer) and the
 * static resources that send no frames (fixed cameras, posts) but stand on the map.
 *
 * File formats (DIPPER_DEVICES), chosen by extension:
 *   JSON  { "terminals": [{ "terminal", "category", "org", "plate"?, "officer"?, "terminalId"?, "epoch"? }],
 *           "resources": [{ "id", "kind", "org", "lat", "lng", "name"? }] }
 *   CSV   header row, then one row per entry (terminalId and epoch columns optional):
 *           type,id,category,org,plate,officer,lat,lng,name,terminalId,epoch
 *           terminal,13912345678,vehicle,wuhan/jianghan/squad-3,鄂A12345,,,,,T000001,0
 *           resource,cam-17,fixedcam,wuhan/jianghan,,,30.58,114.27,Jianghan Rd north,,
 *
 * Registration (session/handlers/register.ts) checks what a 0x0100 claims against the entry:
 * `terminalId` (the 0x0100 terminal ID) and `plate` must match when present. `epoch` (integer,
 * default 0) is part of every auth code handed out (session/auth-code.ts): bumping it revokes
 * that terminal's codes, and it must register again.
 *
 * The file is watched and reloaded on change; a file that fails to parse keeps the previous
 * registry in force (logged), so a half-saved edit never empties the map.
 */
import { readFileSync, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import type { Logger } from '../log.js';
import { normaliseTerminalId } from '../session/auth-code.js';
import { CATEGORIES, isCategory } from '../../events/categories.js';
import type { Category } from '../../events/categories.js';

export interface Device {
  terminal: string;
  category: Category;
  org: string;
  plate?: string;
  officer?: string;
  /** The terminal ID its 0x0100 must carry (normalised: session/auth-code.ts). */
  terminalId?: string;
  /** Auth codes of an older epoch are refused; absent = 0. */
  epoch?: number;
}

import type { StaticResource } from '../../events/resource.js';

/**
 * Terminal identity: the phone's digits without leading zeros (2013 pads to 12, 2019 to 20),
 * lower case (some devices put hex IDs in the BCD phone field; the codec reads them as hex).
 */
import { terminalId } from '../../events/commands.js';

export interface RegistryData {
  devices: Map<string, Device>;
  resources: StaticResource[];
  /**
   * Terminals by plate (normalised: `plateKey`), for 0x8100 result 1 "vehicle already
   * registered". Usually one; a registry listing a plate twice lets each of them register with it.
   */
  plates: Map<string, string[]>;
}

/** Plates compare without spaces, dashes or case (鄂A12345, 鄂A-12345 and 鄂a 12345 are one vehicle). */
export function plateKey(plate: string): string {
  return plate.replace(/[\s\0-]+/gu, '').toUpperCase();
}

function indexPlates(devices: Map<string, Device>): Map<string, string[]> {
  const plates = new Map<string, string[]>();
  for (const d of devices.values()) {
    if (!d.plate) continue;
    const key = plateKey(d.plate);
    const owners = plates.get(key);
    if (owners) owners.push(d.terminal);
    else plates.set(key, [d.terminal]);
  }
  return plates;
}

function device(raw: Record<string, unknown>, where: string): Device {
  const terminal = String(raw.terminal ?? raw.id ?? '').trim();
  if (!/^[0-9a-fA-F]{1,20}$/.test(terminal)) throw new Error(`${where}: terminal "${terminal}" is not 1-20 digits (or hex digits)`);
  const category = String(raw.category ?? 'unknown').trim();
  if (!isCategory(category)) throw new Error(`${where}: category "${category}" is not one of ${CATEGORIES.join(', ')}`);
  const d: Device = { terminal: terminalId(terminal), category, org: String(raw.org ?? '').trim() };
  if (raw.plate) d.plate = String(raw.plate).trim();
  if (raw.officer) d.officer = String(raw.officer).trim();
  if (raw.terminalId !== undefined && String(raw.terminalId).trim() !== '') {
    const id = normaliseTerminalId(String(raw.terminalId));
    if (Buffer.byteLength(id) > 30) throw new Error(`${where}: terminalId "${id}" is longer than 30 bytes`);
    d.terminalId = id;
  }
  if (raw.epoch !== undefined && String(raw.epoch).trim() !== '') {
    const epoch = Number(raw.epoch);
    if (!Number.isInteger(epoch) || epoch < 0 || epoch > 999_999_999) throw new Error(`${where}: epoch "${String(raw.epoch)}" is not an integer from 0 to 999999999`);
    if (epoch > 0) d.epoch = epoch;
  }
  return d;
}

function resource(raw: Record<string, unknown>, where: string): StaticResource {
  const lat = Number(raw.lat);
  const lng = Number(raw.lng);
  if (!(Math.abs(lat) <= 90) || !(Math.abs(lng) <= 180)) throw new Error(`${where}: bad coordinates ${String(raw.lat)},${String(raw.lng)}`);
  const id = String(raw.id ?? '').trim();
  if (!id) throw new Error(`${where}: resource without id`);
  const r: StaticResource = { id, kind: String(raw.kind ?? raw.category ?? 'post').trim(), org: String(raw.org ?? '').trim(), lat, lng };
  if (raw.name) r.name = String(raw.name).trim();
  return r;
}

/** Minimal CSV: comma separated, optional double quotes ("" inside quotes is a quote). */
export function parseCsv(text: string): string[][] {
  return parseCsvLines(text).map((r) => r.cells);
}

/** The rows with the line each came from (1-based), for errors that name it. */
export function parseCsvLines(text: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  for (const [n, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') {
          cell += '"';
          i++;
        } else if (c === '"') quoted = false;
        else cell += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') {
        cells.push(cell);
        cell = '';
      }
      else cell += c;
    }
    cells.push(cell);
    rows.push({ line: n + 1, cells });
  }
  return rows;
}

/** Throws the first error (a registry file at start: it must be right whole). */
export function parseRegistry(text: string, format: 'json' | 'csv'): RegistryData {
  const { data, errors } = checkRegistry(text, format);
  if (errors.length > 0) throw new Error(errors[0]!);
  return data;
}

/**
 * Every entry checked, every bad one reported ("line 7: category ..." for CSV, "terminals[3]:
 * ..." for JSON), at most `maxErrors` of them: an import with any error imports nothing, and
 * its caller is told all that is wrong at once.
 */
export function checkRegistry(text: string, format: 'json' | 'csv', maxErrors = 1000): { data: RegistryData; errors: string[] } {
  const devices = new Map<string, Device>();
  const resources: StaticResource[] = [];
  const errors: string[] = [];
  const attempt = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      if (errors.length < maxErrors) errors.push((e as Error).message);
    }
  };
  const data = () => ({ data: { devices, resources, plates: indexPlates(devices) }, errors });
  if (format === 'json') {
    let doc: { terminals?: unknown; resources?: unknown };
    try {
      doc = JSON.parse(text) as typeof doc;
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not a JSON object with "terminals" and "resources"');
    } catch (e) {
      errors.push(`not a registry: ${(e as Error).message}`);
      return data();
    }
    for (const key of ['terminals', 'resources'] as const) {
      if (doc[key] !== undefined && !Array.isArray(doc[key])) errors.push(`${key}: not a list`);
    }
    if (errors.length > 0) return data();
    ((doc.terminals ?? []) as Record<string, unknown>[]).forEach((t, i) =>
      attempt(() => {
        if (typeof t !== 'object' || t === null) throw new Error(`terminals[${i}]: not an object`);
        const d = device(t, `terminals[${i}]`);
        devices.set(d.terminal, d);
      }),
    );
    ((doc.resources ?? []) as Record<string, unknown>[]).forEach((r, i) =>
      attempt(() => {
        if (typeof r !== 'object' || r === null) throw new Error(`resources[${i}]: not an object`);
        resources.push(resource(r, `resources[${i}]`));
      }),
    );
  } else {
    const [head, ...rows] = parseCsvLines(text);
    if (!head) return data();
    const names = head.cells.map((h) => h.trim());
    for (const { line, cells } of rows) {
      const row = Object.fromEntries(names.map((n, j) => [n, cells[j] ?? '']));
      const where = `line ${line}`;
      attempt(() => {
        if (row.type === 'resource') resources.push(resource({ ...row, kind: row.category }, where));
        else {
          const d = device({ ...row, terminal: row.id ?? row.terminal }, where);
          devices.set(d.terminal, d);
        }
      });
    }
  }
  return data();
}

export class DeviceRegistry {
  private data: RegistryData = { devices: new Map(), resources: [], plates: new Map() };
  private watcher: FSWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  reloads = 0;
  private closed = false;
  private imported: ((data: RegistryData) => void) | undefined;

  constructor(
    private readonly file: string,
    private readonly log: Logger,
  ) {}

  /**
   * Loads the file (throws on a bad file at start) and watches it. With `imported` (the
   * database holds the registry: server/registry-sync.ts), the file's contents are handed to it,
   * at start and on each change, and the registry is what the database then says.
   */
  start(imported?: (data: RegistryData) => void): this {
    this.imported = imported;
    if (!this.file) return this;
    const data = this.read();
    if (imported) imported(data);
    else this.data = data;
    this.watch();
    return this;
  }

  /** The whole registry anew (from the database). */
  replace(devices: readonly Device[], resources: readonly StaticResource[]): void {
    const map = new Map(devices.map((d) => [d.terminal, d]));
    this.data = { devices: map, resources: [...resources], plates: indexPlates(map) };
  }

  /** One device added, changed (put) or removed (undefined), from the database. */
  set(terminal: string, device: Device | undefined): void {
    const devices = new Map(this.data.devices);
    if (device) devices.set(terminal, device);
    else devices.delete(terminal);
    // a new map, not a change in place: readers holding the old data see it whole
    this.data = { devices, resources: this.data.resources, plates: indexPlates(devices) };
  }

  private watch(): void {
    try {
      this.watcher = watch(this.file, (event) => {
        // editors save by writing a new file and renaming it over the old one, which ends a
        // watch on the old inode: watch the path again after each rename
        if (event === 'rename') {
          this.watcher?.close();
          this.watcher = undefined;
        }
        this.scheduleReload();
      });
      this.watcher.on('error', () => undefined);
    } catch (e) {
      this.log.warn({ err: e, file: this.file }, 'device registry: cannot watch for changes');
    }
  }

  lookup(terminal: string): Device | undefined {
    return this.data.devices.get(terminal);
  }

  /** Whether the registry gives this plate to another terminal than `terminal` (and not to it). */
  plateOfAnother(plate: string, terminal: string): boolean {
    const owners = this.data.plates.get(plateKey(plate));
    return owners !== undefined && !owners.includes(terminal);
  }

  get resources(): readonly StaticResource[] {
    return this.data.resources;
  }

  get size(): number {
    return this.data.devices.size;
  }

  /** Re-reads the file now; keeps the previous data when it does not parse. */
  reload(): boolean {
    try {
      const data = this.read();
      if (this.imported) this.imported(data);
      else this.data = data;
      this.reloads++;
      this.log.info({ file: this.file, terminals: this.data.devices.size, resources: this.data.resources.length }, 'device registry reloaded');
      return true;
    } catch (e) {
      this.log.error({ err: e, file: this.file }, 'device registry: reload failed, keeping the previous one');
      return false;
    }
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    clearTimeout(this.reloadTimer);
  }

  private scheduleReload(): void {
    // one reload per burst of change events (an editor's save is several)
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      this.reload();
      if (!this.watcher && !this.closed) this.watch();
    }, 100);
    this.reloadTimer.unref();
  }

  private read(): RegistryData {
    const text = readFileSync(this.file, 'utf8');
    return parseRegistry(text, this.file.toLowerCase().endsWith('.csv') ? 'csv' : 'json');
  }
}
