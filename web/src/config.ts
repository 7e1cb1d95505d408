import { CATEGORIES as ALL_CATEGORIES } from '../../events/categories.js';
import type { Category as AnyCategory } from '../../events/categories.js';

/** What the gateway tells the page at /web/config.json (api/routes/web.ts). */
export interface WebConfig {
  baseMap: { tiles: string; crs: 'wgs84' | 'gcj02' | 'bd09'; tileSize: number; attribution: string; maxZoom: number };
  /** URL of the outline GeoJSON, or null */
  outline: string | null;
  center: [number, number];
  zoom: number;
  /** the command centre's time zone (IANA): every time shown is in it */
  timeZone: string;
}

/** The categories the page toggles and counts: every one, `unknown` (not in the registry) included. */
export type Category = AnyCategory;
export const CATEGORIES: readonly Category[] = ALL_CATEGORIES;

/** A count of zero for each category. */
export function zeroByCategory(): Record<Category, number> {
  return Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
}

export const COLOURS: Record<Category | 'online' | 'offline' | 'alarm' | 'case', string> = {
  vehicle: '#2f6fde',
  bodycam: '#e07b00',
  handheld: '#1e9e6a',
  fixedcam: '#8a55c9',
  unknown: '#8a8f98',
  online: '#1e9e6a',
  offline: '#8a8f98',
  alarm: '#e0243a',
  case: '#7a3fd0',
};
