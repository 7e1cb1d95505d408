/** What the API's route families are given (api/app.ts builds the app with it; server/ makes it). */
import type { StaticResource } from '../events/resource.js';
import type { TokenTable } from '../events/tokens.js';
import type { Gateway } from '../gateway/gateway.js';
import type { Device } from '../gateway/registry/devices.js';
import type { MapService } from '../map/service.js';
import type { ApiMetrics } from './metrics.js';
import type { ApiConfig } from './settings.js';

/** The device registry as the API reads it. */
export interface Directory {
  lookup(terminal: string): Device | undefined;
  readonly resources: readonly StaticResource[];
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
  /** the API tokens, shared with the MQTT broker; built from config.api.tokens when absent */
  tokens?: TokenTable;
}
