/**
 * The seam for a tile layer. A layer is one file in this folder, registered in ./index.ts
 * (TILE_LAYERS); everything else reads that table: the map service renders and caches through
 * it (the cache key is the layer's name, the tile, format, scope, CRS and the layer's own key),
 * the API mounts GET /tiles/{name}/{z}/{x}/{y}.mvt|.geojson and GET /tiles/{name}.json from it,
 * the TileJSON lists its vector layers, and dipper_tile_* are labelled with its name.
 */
import type { DutyCoverageSource } from '../../events/duty.js';
import type { CaseStore } from '../cases.js';
import type { MapFeature } from '../cluster-tile.js';
import type { Crs } from '../crs.js';
import type { HeatIndex } from '../heat.js';
import type { LiveIndex, Selection } from '../live-index.js';
import type { MapSettings } from '../settings.js';

/** Filters on terminals (category, org, online, alarm), from the query string (api-schemas.ts). */
export interface TileFilter {
  category?: string[] | undefined;
  org?: string[] | undefined;
  online?: boolean | undefined;
  alarm?: boolean | undefined;
}

/** A filter as a cache key part: equal filters, equal keys. */
export function filterKey(filter: TileFilter): string {
  return `${filter.category?.join(',') ?? ''}|${filter.org?.join(',') ?? ''}|${filter.online ?? ''}|${filter.alarm ?? ''}`;
}

/** What a layer may read: the map service's stores. */
export interface TileSource {
  readonly config: MapSettings;
  readonly index: LiveIndex;
  readonly heat: HeatIndex;
  readonly cases: CaseStore;
  /** duty areas and who is on post (the gateway's duty watch), when the database is on */
  readonly duty: DutyCoverageSource | undefined;
  /** the selection for a scope and filters (cached by the service) */
  selection(scope: string, filter: TileFilter): Selection;
}

/** One tile as asked: where, for whom, in which coordinates. */
export interface TileRequest {
  z: number;
  x: number;
  y: number;
  /** the token's org scope ('' = everything) */
  scope: string;
  crs: Crs;
}

/** A vector layer of the tile, as TileJSON 3.0.0 lists it. */
export interface VectorLayer {
  id: string;
  description: string;
  fields: Record<string, string>;
}

/** Features per MVT layer name. */
export type LayerFeatures = Record<string, MapFeature[]>;

export interface TileRenderer<P> {
  render(tile: TileRequest, params: P): LayerFeatures;
}

export interface TileLayer<N extends string = string, P = unknown> {
  /** URL segment, cache key prefix and metric label */
  readonly name: N;
  /** the tile route's OpenAPI summary */
  readonly summary: string;
  /** the TileJSON's description */
  readonly description: string;
  readonly vectorLayers: readonly VectorLayer[];
  /** query-string properties (JSON Schema) of the tile route and its TileJSON */
  readonly query: Readonly<Record<string, object>>;
  /** more properties the TileJSON route alone accepts */
  readonly tileJsonQuery?: Readonly<Record<string, object>>;
  /** The validated query as the layer's parameters, or what is wrong with it (a 400). */
  params(query: Record<string, unknown>, source: TileSource): P | string;
  /** What besides the tile, format, scope and CRS decides the bytes. */
  key(params: P): string;
  /** The layer's renderer for one map service (it may keep state, as heat's window sums). */
  open(source: TileSource): TileRenderer<P>;
  /** Counts the TileJSON carries for a scope (`dipper_totals`): what exists, at the moment of the TileJSON. */
  totals?(source: TileSource, scope: string): Record<string, number>;
}
