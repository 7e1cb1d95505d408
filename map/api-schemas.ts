/**
 * Query-string pieces shared by the map API routes (fastify JSON schemas: bad input is a 400
 * naming the field) and their parsing into filters.
 */
import { CRS_VALUES } from './crs.js';
import type { Crs } from './crs.js';
import { CATEGORIES } from '../events/categories.js';
import type { TileFilter } from './tiles/layer.js';

const cats = CATEGORIES.join('|');
const NUM = '-?\\d+(?:\\.\\d+)?';

export const filterQuery = {
  category: { type: 'string', pattern: `^(?:${cats})(?:,(?:${cats}))*$`, description: `comma-separated: ${CATEGORIES.join(', ')}` },
  org: { type: 'string', minLength: 1, maxLength: 1000, description: 'comma-separated org unit paths; a path includes its subtree (narrows within the token scope)' },
  online: { type: 'boolean', description: 'seen within map.offlineAfterMs' },
  alarm: { type: 'boolean', description: 'an alarm bit is set in the latest position' },
} as const;

export const crsQuery = {
  crs: { type: 'string', enum: CRS_VALUES, default: 'wgs84', description: 'coordinates of the response: wgs84 (default), gcj02 (AMap, Tencent), bd09 (Baidu)' },
} as const;

export const bboxQuery = {
  bbox: { type: 'string', pattern: `^${NUM},${NUM},${NUM},${NUM}$`, description: 'west,south,east,north in WGS-84 degrees' },
} as const;

export const tokenQuery = {
  access_token: { type: 'string', description: 'API token, for clients that cannot send Authorization (EventSource, tile URLs)' },
} as const;

export interface FilterQuery {
  category?: string;
  org?: string;
  online?: boolean;
  alarm?: boolean;
  crs?: Crs;
  bbox?: string;
}

/** The `org` query parameter as its org unit paths (undefined: none asked). */
export function orgsOf(org: unknown): string[] | undefined {
  return typeof org === 'string' && org ? org.split(',').map((o) => o.trim()).filter((o) => o !== '') : undefined;
}

export function tileFilter(q: FilterQuery): TileFilter {
  return {
    category: q.category ? q.category.split(',') : undefined,
    org: orgsOf(q.org),
    online: q.online,
    alarm: q.alarm,
  };
}

/** [w, s, e, n], or a message saying what is wrong */
export function parseBbox(text: string | undefined): [number, number, number, number] | string | undefined {
  if (text === undefined) return undefined;
  const [w, s, e, n] = text.split(',').map(Number) as [number, number, number, number];
  if (!(w >= -180 && e <= 180 && s >= -90 && n <= 90)) return 'bbox: coordinates out of range (west,south,east,north in degrees)';
  if (!(w <= e && s <= n)) return 'bbox: west must not exceed east, south must not exceed north';
  return [w, s, e, n];
}

export const errorSchema = {
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
} as const;
