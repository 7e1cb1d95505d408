/**
 * Display-time coordinate shifts for Chinese base maps: GCJ-02 (AMap, Tencent) and BD-09
 * (Baidu). Raw WGS-84 stays internal (测绘法 §40: the shift happens when published); outside
 * China GCJ-02 equals WGS-84. The formulas are the well-known public ones (eviltransform,
 * gcoord): forward only, since the API never takes shifted input.
 */
export type Crs = 'wgs84' | 'gcj02' | 'bd09';
export const CRS_VALUES: readonly Crs[] = ['wgs84', 'gcj02', 'bd09'];

const A = 6378245.0;
const EE = 0.006693421622965943;
const X_PI = (Math.PI * 3000.0) / 180.0;

function outOfChina(lng: number, lat: number): boolean {
  return lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function transformLat(x: number, y: number): number {
  let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
  return r;
}

function transformLng(x: number, y: number): number {
  let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
  return r;
}

export function wgs84ToGcj02(lng: number, lat: number): [number, number] {
  if (outOfChina(lng, lat)) return [lng, lat];
  let dLat = transformLat(lng - 105.0, lat - 35.0);
  let dLng = transformLng(lng - 105.0, lat - 35.0);
  const radLat = (lat / 180.0) * Math.PI;
  let magic = Math.sin(radLat);
  magic = 1 - EE * magic * magic;
  const sqrtMagic = Math.sqrt(magic);
  dLat = (dLat * 180.0) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI);
  dLng = (dLng * 180.0) / ((A / sqrtMagic) * Math.cos(radLat) * Math.PI);
  return [lng + dLng, lat + dLat];
}

export function gcj02ToBd09(lng: number, lat: number): [number, number] {
  const z = Math.sqrt(lng * lng + lat * lat) + 0.00002 * Math.sin(lat * X_PI);
  const theta = Math.atan2(lat, lng) + 0.000003 * Math.cos(lng * X_PI);
  return [z * Math.cos(theta) + 0.0065, z * Math.sin(theta) + 0.006];
}

/** The function that shifts a WGS-84 [lng, lat] into `crs`; decided once per request. */
export function shifter(crs: Crs): (lng: number, lat: number) => [number, number] {
  if (crs === 'gcj02') return wgs84ToGcj02;
  if (crs === 'bd09') return (lng, lat) => {
    const [g, h] = wgs84ToGcj02(lng, lat);
    return gcj02ToBd09(g, h);
  };
  return (lng, lat) => [lng, lat];
}

/** A GeoJSON object (WGS-84) with every position shifted into `crs`: a copy; WGS-84 is returned as is. */
export function shiftGeoJson<T>(geojson: T, crs: Crs): T {
  if (crs === 'wgs84') return geojson;
  const shift = shifter(crs);
  const walk = (v: unknown): unknown => {
    if (!Array.isArray(v)) return v;
    // a position: [lng, lat] or [lng, lat, alt]
    if (typeof v[0] === 'number' && typeof v[1] === 'number') return [...shift(v[0], v[1]), ...v.slice(2)];
    return v.map(walk);
  };
  const copy = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(copy);
    if (v === null || typeof v !== 'object') return v;
    // a bbox would no longer bound the shifted shapes: left out (it is optional)
    return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'bbox').map(([k, x]) => [k, k === 'coordinates' ? walk(x) : copy(x)]));
  };
  return copy(geojson) as T;
}
