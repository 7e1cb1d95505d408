/**
 * cellToParent for the normaliser's hot path, by bit arithmetic on the index (H3's own
 * definition: the parent at resolution r is the cell with the resolution field set to r and
 * every digit finer than r set to 7). h3-js does the same through WebAssembly with a string
 * round trip per call; here the index is parsed once for all the parents a position needs.
 *
 * Layout (h3 `h3Index.h`): bits 52-55 resolution, digit d (1..15) at bits 3*(15-d)..+2.
 * The 64 bits are held as two 32-bit halves, from the hex string h3-js returns.
 */
function parentOf(hi: number, lo: number, res: number): string {
  const unused = 3 * (15 - res); // low bits that become all 1s (digit 7)
  if (unused >= 32) {
    lo = 0xffffffff;
    hi |= (1 << (unused - 32)) - 1;
  } else if (unused > 0) {
    lo = (lo | (2 ** unused - 1)) >>> 0;
  }
  hi = ((hi & ~(0xf << 20)) | (res << 20)) >>> 0;
  return hi.toString(16) + lo.toString(16).padStart(8, '0');
}

/** The parents of `cell` at each of `resolutions` coarser than the cell, keyed by resolution. */
function computeParents(cell: string, resolutions: readonly number[]): Record<string, string> {
  const split = cell.length - 8;
  const hi = parseInt(cell.slice(0, split), 16);
  const lo = parseInt(cell.slice(split), 16);
  const cellRes = (hi >>> 20) & 0xf;
  const out: Record<string, string> = {};
  for (const res of resolutions) if (res < cellRes && res >= 0) out[res] = parentOf(hi, lo, res);
  return out;
}

const CACHE_LIMIT = 1 << 16;
const cached = new Map<string, Readonly<Record<string, string>>>();
let cachedFor: readonly number[] | undefined;

/**
 * cellParents, remembered per cell: consecutive reports mostly fall in a cell seen moments ago
 * (a res-9 cell is ~350 m across), and the same parent strings, hashes already computed, then
 * key the heat counts. The records are frozen because every position in the cell shares one.
 * Bounded by clearing at 65,536 cells (~30 MB: measured ~470 B a cell with two parents),
 * which a city's active cells stay well under.
 */
export function cellParents(cell: string, resolutions: readonly number[]): Readonly<Record<string, string>> {
  if (resolutions !== cachedFor) {
    cached.clear();
    cachedFor = resolutions;
  }
  let parents = cached.get(cell);
  if (parents === undefined) {
    if (cached.size >= CACHE_LIMIT) cached.clear();
    parents = Object.freeze(computeParents(cell, resolutions));
    cached.set(cell, parents);
  }
  return parents;
}
