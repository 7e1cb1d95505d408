/**
 * Terminal categories: the one list. The registry accepts these, events carry them, the live
 * index counts by them (its combos derive from the length) and the web page colours them.
 * Order matters: the live index and the cluster tiles' `n_<category>` use the index.
 * No imports: the web page bundles this file too.
 */
export const CATEGORIES = ['vehicle', 'bodycam', 'handheld', 'fixedcam', 'unknown'] as const;
export type Category = (typeof CATEGORIES)[number];

/** What a terminal the registry does not list is counted as. */
export const UNKNOWN_CATEGORY: Category = 'unknown';

export function isCategory(s: string): s is Category {
  return (CATEGORIES as readonly string[]).includes(s);
}
