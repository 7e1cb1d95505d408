/**
 * Distance over the earth, one formula for every room that needs it (the nearest units on the
 * map, a dispatched unit's arrival in the store): a sphere of the IUGG mean radius, straight
 * line, not road distance.
 */
export const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

/**
 * Great-circle metres by the spherical Vincenty formula (atan2 of the cross and dot products):
 * well conditioned at every distance; the haversine's asin loses decimetres near the antipode.
 */
export function greatCircleM(lng1: number, lat1: number, lng2: number, lat2: number): number {
  const p1 = lat1 * RAD;
  const p2 = lat2 * RAD;
  const dl = (lng2 - lng1) * RAD;
  const c1 = Math.cos(p1);
  const c2 = Math.cos(p2);
  const s1 = Math.sin(p1);
  const s2 = Math.sin(p2);
  const cdl = Math.cos(dl);
  const y = Math.hypot(c2 * Math.sin(dl), c1 * s2 - s1 * c2 * cdl);
  return EARTH_RADIUS_M * Math.atan2(y, s1 * s2 + c1 * c2 * cdl);
}
