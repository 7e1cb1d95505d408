/**
 * The live vector sources (clusters, heat). Their tile URLs come from the TileJSON, whose
 * query carries the data version; MapLibre asks `transformRequest` for every tile, and this
 * is where the latest version, the filters and the token are put in. A change of data or
 * filter then needs no new source: `map.refreshTiles` reloads the tiles in place, and the old
 * ones stay on screen until their replacements arrive (setTiles would blank the layer).
 */
import type { Map as MapLibreMap, RequestParameters, ResourceType, VectorSourceSpecification } from 'maplibre-gl';
import type { Api } from './api.js';

export interface TileJson {
  tilejson: string;
  tiles: string[];
  minzoom?: number;
  maxzoom?: number;
  bounds?: [number, number, number, number];
  vector_layers?: { id: string; fields?: Record<string, string> }[];
  /** the clusters layer's: terminals in the token's scope, in all and per category, when the TileJSON was made */
  dipper_totals?: Record<string, number>;
}

export class TileFeed {
  tilejson: TileJson | undefined;
  /** filters added to every tile request (e.g. category, window) */
  params: Record<string, string> = {};
  private latestQuery = '';
  private readonly path: string;

  constructor(
    readonly sourceId: string,
    private readonly api: Api,
    /** e.g. /tiles/clusters.json; tiles live under the same name without .json */
    readonly tileJsonPath: string,
  ) {
    this.path = tileJsonPath.replace(/\.json$/, '/');
  }

  /** Fetches the TileJSON; true when its tile URLs changed (new data version). */
  async load(): Promise<boolean> {
    const tj = await this.api.json<TileJson>(this.tileJsonPath);
    const query = new URL(tj.tiles[0] ?? '', location.origin).search;
    const changed = this.tilejson !== undefined && query !== this.latestQuery;
    this.tilejson = tj;
    this.latestQuery = query;
    return changed;
  }

  /** The source for map.addSource: the TileJSON's template, made absolute. */
  source(): VectorSourceSpecification {
    const tj = this.tilejson!;
    return {
      type: 'vector',
      tiles: tj.tiles.map((t) => decodeURI(new URL(t, location.origin).href)),
      ...(tj.minzoom !== undefined ? { minzoom: tj.minzoom } : {}),
      ...(tj.maxzoom !== undefined ? { maxzoom: tj.maxzoom } : {}),
    };
  }

  layerIds(): string[] {
    return (this.tilejson?.vector_layers ?? []).map((l) => l.id);
  }

  owns(url: string): boolean {
    return new URL(url, location.origin).pathname.startsWith(this.path);
  }

  /** The request MapLibre should make for one of this feed's tiles. */
  request(url: string): RequestParameters {
    const u = new URL(url, location.origin);
    const latest = new URLSearchParams(this.latestQuery);
    for (const [k, v] of latest) u.searchParams.set(k, v);
    if (this.api.crs !== 'wgs84') u.searchParams.set('crs', this.api.crs);
    for (const [k, v] of Object.entries(this.params)) {
      if (v) u.searchParams.set(k, v);
      else u.searchParams.delete(k);
    }
    return { url: u.href, headers: this.api.headers() };
  }

  refresh(map: MapLibreMap): void {
    if (map.getSource(this.sourceId)) map.refreshTiles(this.sourceId);
  }
}

/** One transformRequest for the map: the feed that owns the URL rewrites it. */
export function transformRequestFor(feeds: TileFeed[], api: Api) {
  return (url: string, kind?: ResourceType): RequestParameters => {
    if (kind === 'Tile') for (const f of feeds) if (f.owns(url)) return f.request(url);
    if (url.startsWith(location.origin)) return { url, headers: api.headers() };
    return { url };
  };
}
