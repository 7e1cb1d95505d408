/**
 * The database holds the registry; the gateway's hot path reads its in-memory copy
 * (gateway/registry/devices.ts) and never queries. This keeps the copy true: at start (the
 * DIPPER_DEVICES file imported first, when there is one), whenever that file changes (imported
 * again), and after each change through the API, which then reaches the live map and the
 * terminal's session at once (a device moved to another squad is counted there on the next tile).
 *
 * The file adds and replaces the devices it names; it no longer removes those it leaves out (the
 * API may have added devices it does not list): DELETE /api/devices/{terminal} does. Its static
 * resources (fixed cameras) are the whole list: one it leaves out is removed.
 */
import type { Device, RegistryData } from '../gateway/registry/devices.js';
import type { DeviceRegistry } from '../gateway/registry/devices.js';
import type { DeviceRecord } from '../store/registry.js';
import type { Store } from '../store/store.js';

interface Log {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export function toDevice(r: Omit<DeviceRecord, 'person'>): Device {
  const d: Device = { terminal: r.terminal, category: r.category, org: r.org };
  if (r.plate) d.plate = r.plate;
  if (r.officer) d.officer = r.officer;
  if (r.terminalId) d.terminalId = r.terminalId;
  if (r.epoch > 0) d.epoch = r.epoch;
  return d;
}

export function toRecord(d: Device): Omit<DeviceRecord, 'person'> {
  const r: Omit<DeviceRecord, 'person'> = { terminal: d.terminal, category: d.category, org: d.org, epoch: d.epoch ?? 0, channels: [] };
  if (d.plate) r.plate = d.plate;
  if (d.officer) r.officer = d.officer;
  if (d.terminalId) r.terminalId = d.terminalId;
  return r;
}

export class RegistrySync {
  constructor(
    private readonly store: Store,
    private readonly registry: DeviceRegistry,
    private readonly log: Log,
    /** a device's category or org may have changed: the map and its session follow */
    private readonly changed: (terminal: string, device: Device | undefined) => void,
    /** the whole copy was replaced: static resources (fixed cameras) may have come or gone */
    private readonly replaced: () => void = () => undefined,
  ) {}

  /** The file (if any) into the database, then the copy from the database. Throws on a bad file or a refused import. */
  async start(): Promise<void> {
    let first: RegistryData | undefined;
    let started = false;
    this.registry.start((data) => {
      if (!started) first = data;
      else void this.importFile(data).catch((err: unknown) => this.log.error({ err }, 'device registry: the changed file could not be imported; the registry stays as it was'));
    });
    if (first) await this.importFile(first);
    started = true;
    if (!first) await this.reload();
  }

  /** One device as the database now has it (undefined: deleted). */
  set(terminal: string, record: Omit<DeviceRecord, 'person'> | undefined): void {
    const device = record && toDevice(record);
    this.registry.set(terminal, device);
    this.changed(terminal, device);
  }

  /** The whole copy anew (after an import). */
  async reload(): Promise<void> {
    const { devices, resources } = await this.store.registry.snapshot();
    const list = devices.map(toDevice);
    this.registry.replace(list, resources);
    for (const d of list) this.changed(d.terminal, d);
    this.replaced();
  }

  private async importFile(data: RegistryData): Promise<void> {
    // the file's fixed cameras are all there are: one it no longer lists leaves the map
    const result = await this.store.registry.importRegistry('', [...data.devices.values()].map(toRecord), data.resources, true);
    if ('refused' in result) throw new Error(`device registry: the import was refused (rows ${result.rows.join(', ')})`);
    this.log.info({ devices: result.devices, resources: result.resources }, 'device registry file imported into the database');
    await this.reload();
  }
}
