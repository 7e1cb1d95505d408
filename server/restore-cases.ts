/**
 * At start, the map draws the cases the database holds: the newest first, as many as the map
 * keeps (map.maxCases), page by page so no one query holds them all.
 */
import type { MapService } from '../map/service.js';
import type { Store } from '../store/store.js';

const PAGE = 1000;

export async function restoreCases(store: Store, map: MapService): Promise<number> {
  let after: string | undefined;
  let n = 0;
  while (n < map.config.maxCases) {
    const page = await store.cases.list({ scope: '', limit: Math.min(PAGE, map.config.maxCases - n), after });
    for (const c of page.items) map.restoreCase(c);
    n += page.items.length;
    if (!page.next) break;
    after = page.next;
  }
  return n;
}
