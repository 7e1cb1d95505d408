/**
 * Web Mercator in "world" units: x and y in [0, 1), y down, so a tile (z, x, y) covers
 * [x, x+1) / 2^z. Everything tiled goes through these two functions.
 */
const MAX_LAT = 85.0511287798066;

export function worldX(lng: number): number {
  const x = (lng + 180) / 360;
  return x >= 1 ? 1 - Number.EPSILON : x < 0 ? 0 : x;
}

export function worldY(lat: number): number {
  const clamped = lat > MAX_LAT ? MAX_LAT : lat < -MAX_LAT ? -MAX_LAT : lat;
  const s = Math.sin((clamped * Math.PI) / 180);
  const y = 0.5 - (0.25 * Math.log((1 + s) / (1 - s))) / Math.PI;
  return y >= 1 ? 1 - Number.EPSILON : y < 0 ? 0 : y;
}

export function lngOf(wx: number): number {
  return wx * 360 - 180;
}

export function latOf(wy: number): number {
  return (360 / Math.PI) * Math.atan(Math.exp((1 - 2 * wy) * Math.PI)) - 90;
}

/** [west, south, east, north] of a tile in degrees. */
export function tileBounds(z: number, x: number, y: number): [number, number, number, number] {
  const n = 2 ** z;
  return [lngOf(x / n), latOf((y + 1) / n), lngOf((x + 1) / n), latOf(y / n)];
}
