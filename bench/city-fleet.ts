/**
 * A city-like fleet (issue 23): 80 % of the terminals within 30 km of Wuhan's centre, denser
 * towards it, the rest around 300 Chinese cities (Gaussian, σ ≈ 11 km); 5 categories. The
 * city's terminals belong to 400 org units as a bureau's squads do: 13 districts, each a
 * sector around the centre, with about 31 squads each whose members patrol anywhere in their
 * district (so a busy cell holds the rows of dozens of squads). Deterministic (seed 23).
 */
import { CATEGORIES } from '../events/categories.js';

export const WUHAN: [number, number] = [114.3055, 30.5928];
export const CITY_ORGS = 400;
const DISTRICTS = 13;
const OTHER_CITIES = 300;

export interface CityFleet {
  ids: string[];
  lng: Float64Array;
  lat: Float64Array;
  cat: Uint8Array;
  org: string[];
  /** other cities' centres (the 20 %) */
  cities: [number, number][];
}

export function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/** degrees of longitude and latitude per km at Wuhan */
const KM_LAT = 1 / 110.574;
const KM_LNG = 1 / (111.32 * Math.cos((WUHAN[1] * Math.PI) / 180));

export function cityFleet(n: number, seed = 23): CityFleet {
  const r = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  const cities: [number, number][] = Array.from({ length: OTHER_CITIES }, () => [100 + r() * 22, 22 + r() * 18]);
  const squadsPer = Math.ceil(CITY_ORGS / DISTRICTS);
  const cityOrgs = Array.from({ length: CITY_ORGS }, (_, i) => `wuhan/district-${i % DISTRICTS}/squad-${Math.floor(i / DISTRICTS)}`);
  const otherOrgs = Array.from({ length: OTHER_CITIES * 2 }, (_, i) => `city-${i % OTHER_CITIES}/bureau-${Math.floor(i / OTHER_CITIES)}`);
  const f: CityFleet = { ids: [], lng: new Float64Array(n), lat: new Float64Array(n), cat: new Uint8Array(n), org: [], cities };
  for (let i = 0; i < n; i++) {
    f.ids.push(String(13000000000 + i));
    f.cat[i] = Math.floor(r() * CATEGORIES.length);
    if (r() < 0.8) {
      // radius ~ u^0.75 * 30 km: denser towards the centre, none past 30 km
      const angle = r() * 2 * Math.PI;
      const km = 30 * r() ** 0.75;
      f.lng[i] = WUHAN[0] + Math.cos(angle) * km * KM_LNG;
      f.lat[i] = WUHAN[1] + Math.sin(angle) * km * KM_LAT;
      const district = Math.min(DISTRICTS - 1, Math.floor((angle / (2 * Math.PI)) * DISTRICTS));
      const squad = Math.floor(r() * squadsPer);
      f.org.push(cityOrgs[Math.min(CITY_ORGS - 1, squad * DISTRICTS + district)]!);
    } else {
      const c = Math.floor(r() * OTHER_CITIES);
      f.lng[i] = cities[c]![0] + gauss() * 0.1;
      f.lat[i] = cities[c]![1] + gauss() * 0.1;
      f.org.push(otherOrgs[c + OTHER_CITIES * Math.floor(r() * 2)]!);
    }
  }
  return f;
}

/** `count` tiles over z5..z14 around the city (Gaussian, σ ≈ 15 km), as [z, x, y]. */
export function cityTiles(count: number, seed: number): [number, number, number][] {
  const r = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  const out: [number, number, number][] = [];
  for (let i = 0; i < count; i++) {
    const z = 5 + Math.floor(r() * 10);
    const lng = WUHAN[0] + gauss() * 15 * KM_LNG;
    const lat = WUHAN[1] + gauss() * 15 * KM_LAT;
    const k = 2 ** z;
    const s = Math.sin((lat * Math.PI) / 180);
    out.push([z, Math.floor(((lng + 180) / 360) * k), Math.floor((0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * k)]);
  }
  return out;
}
