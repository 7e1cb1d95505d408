/**
 * Feature thinning, the one rule for every tile: alarms first, then an even stride through
 * the rest, so a dense tile keeps its shape. Used on the candidates (cluster-tile.ts) and on
 * what lands in the tile and its buffer (encode.ts).
 */
export function thin<T>(first: readonly T[], rest: readonly T[], cap: number): T[] {
  if (first.length + rest.length <= cap) return [...first, ...rest];
  const out = first.slice(0, cap);
  const room = cap - out.length;
  if (room <= 0) return out;
  const step = rest.length / room;
  for (let i = 0; i < room; i++) out.push(rest[Math.floor(i * step)]!);
  return out;
}
