/**
 * The tile layers, one file each. The map service, the tile routes, the TileJSON and the
 * dipper_tile_* metric labels all read this table: a new layer is a file here and a line below.
 */
import { clusters } from './clusters.js';
import { duty } from './duty.js';
import { heat } from './heat.js';
import { terminals } from './terminals.js';

export const TILE_LAYERS = [clusters, heat, terminals, duty] as const;

export type TileLayerName = (typeof TILE_LAYERS)[number]['name'];
