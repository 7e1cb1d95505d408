/** What the API's route families are given (api/app.ts builds the app with it; server/server.ts makes it). */
import type { TokenTable } from '../events/tokens.js';
import type { Gateway } from '../gateway/gateway.js';
import type { LiveIndex } from '../map/live/index.js';
import type { MapService } from '../map/service.js';
import type { ApiConfig } from './settings.js';

export interface AppDeps {
  /** the API's own settings (api/settings.ts) */
  config: ApiConfig;
  gateway: Gateway;
  live: LiveIndex;
  map: MapService;
  /** the API tokens, shared with the MQTT broker; built from config.api.tokens when absent */
  tokens?: TokenTable;
}
