/** What the API's route families are given (api/app.ts builds the app with it; server/ makes it). */
import type { CommandPort } from '../events/commands.js';
import type { StaticResource } from '../events/resource.js';
import type { TokenTable } from '../events/tokens.js';
import type { Gateway } from '../gateway/gateway.js';
import type { Device } from '../gateway/registry/devices.js';
import type { MapService } from '../map/service.js';
import type { DispatchBoard } from '../store/dispatch-board.js';
import type { AreaStatus } from '../store/duty-watch.js';
import type { DutySettings } from '../store/settings.js';
import type { Store } from '../store/store.js';
import type { DeviceRecord } from '../store/registry.js';
import type { ApiMetrics } from './metrics.js';
import type { ApiConfig } from './settings.js';

/** The device registry as the API reads it. */
export interface Directory {
  lookup(terminal: string): Device | undefined;
  readonly resources: readonly StaticResource[];
}

/** How the API's registry changes reach the gateway's in-memory copy (server/registry-sync.ts). */
export interface RegistryUpdates {
  /** one device as the database now has it; undefined: deleted */
  set(terminal: string, record: Omit<DeviceRecord, 'person'> | undefined): void;
  /** everything anew (after an import) */
  reload(): Promise<void>;
}

/** The duty areas' watch as the API sees it (store/duty-watch.ts). */
export interface DutyDesk {
  readonly settings: DutySettings;
  /** the areas changed through the API: read them again now */
  reload(): Promise<void>;
  /** who of an area's units is on post, off post, silent, now (undefined: no such area held) */
  status(id: string, now?: number): AreaStatus | undefined;
}

export interface AppDeps {
  /** the API's own settings (api/settings.ts) */
  config: ApiConfig;
  /** the live map: its index answers /api/live, /api/terminals and the tiles */
  map: MapService;
  registry: Directory;
  /** on the registry /metrics serves */
  metrics: ApiMetrics;
  /** what an API timer callback threw: counted and logged, never the end of the process */
  report: (where: 'sse-tick', error: unknown) => void;
  /** the terminal engine; absent in the standalone map API, which then has no commands and no sessions */
  gateway?: Gateway;
  /**
   * The way commands reach terminals (the command, incident and dispatch routes): the gateway,
   * or the relay over it that reaches terminals on other gateways (server/server.ts); the
   * gateway itself when absent.
   */
  commands?: CommandPort;
  /** the database (registry, cases, incidents); absent in the standalone map API */
  store?: Store;
  /** the registry's changes to the gateway's copy; with `store`, the registry routes are mounted */
  devices?: RegistryUpdates;
  /** engaged units and arrivals (store/dispatch-board.ts); with `store`, the dispatch routes are mounted */
  dispatch?: DispatchBoard;
  /** duty areas' watch; with `store`, the duty-area routes are mounted */
  duty?: DutyDesk;
  /** the API tokens, shared with the MQTT broker; built from config.api.tokens when absent */
  tokens?: TokenTable;
}
