/**
 * A Wuhan-like street network, generated from the seed: a jittered grid of streets (every
 * fourth line an arterial road) around the city centre, cut by the Yangtze, which runs
 * south-west to north-east through the city and is crossed only on a handful of bridges.
 * Not a map of Wuhan: a graph with the right scale, speeds and a river to route around, so
 * tracks look like driving (turns at junctions, straight runs, detours to a bridge).
 */
import type { Rng } from './rng.js';

/** Wuhan: Jianghan Road, roughly the middle of the three towns. */
export const WUHAN = { lat: 30.5928, lng: 114.3055 };

const M_PER_DEG_LAT = 110_900;

export interface Point {
  lat: number;
  lng: number;
}

export interface Edge {
  to: number;
  lengthM: number;
  limitKmh: number;
  headingDeg: number;
}

export interface City {
  centre: Point;
  nodes: Point[];
  /** Adjacency: edges leaving each node. */
  edges: Edge[][];
  /** Node ids that have at least one edge, to start vehicles on. */
  drivable: number[];
}

export interface CityOptions {
  centre?: Point;
  radiusKm?: number;
  blockM?: number;
}

/** Local flat projection: metres east/north of the centre. Good to 0.1% over 20 km. */
export function projector(centre: Point) {
  const mPerDegLng = M_PER_DEG_LAT * Math.cos((centre.lat * Math.PI) / 180);
  return {
    toPoint: (x: number, y: number): Point => ({ lat: centre.lat + y / M_PER_DEG_LAT, lng: centre.lng + x / mPerDegLng }),
    toXY: (p: Point): [number, number] => [(p.lng - centre.lng) * mPerDegLng, (p.lat - centre.lat) * M_PER_DEG_LAT],
  };
}

/** Compass heading 0-359 from a to b (0 north, 90 east). */
export function bearing(ax: number, ay: number, bx: number, by: number): number {
  const deg = (Math.atan2(bx - ax, by - ay) * 180) / Math.PI;
  return Math.round((deg + 360) % 360) % 360;
}

// The Yangtze through the city: a line at 40 degrees east of north through the centre.
const RIVER_DIR: [number, number] = [Math.sin((40 * Math.PI) / 180), Math.cos((40 * Math.PI) / 180)];
/** Bridges, as distances along the river from the centre (m): Baishazhou .. Tianxingzhou. */
const BRIDGES_M = [-7000, -3500, -600, 1500, 4500, 8000];

function riverSide(x: number, y: number): number {
  return Math.sign(x * RIVER_DIR[1] - y * RIVER_DIR[0]);
}

function alongRiver(x: number, y: number): number {
  return x * RIVER_DIR[0] + y * RIVER_DIR[1];
}

export function generateCity(rng: Rng, options: CityOptions = {}): City {
  const centre = options.centre ?? WUHAN;
  const radius = (options.radiusKm ?? 10) * 1000;
  const block = options.blockM ?? 400;
  const proj = projector(centre);
  const n = Math.floor(radius / block);
  const side = 2 * n + 1;
  const xy: [number, number][] = [];
  const nodes: Point[] = [];
  for (let j = 0; j < side; j++) {
    for (let i = 0; i < side; i++) {
      const x = (i - n) * block + rng.float(-0.1, 0.1) * block;
      const y = (j - n) * block + rng.float(-0.1, 0.1) * block;
      xy.push([x, y]);
      nodes.push(proj.toPoint(x, y));
    }
  }
  const edges: Edge[][] = nodes.map(() => []);
  const link = (a: number, b: number, arterial: boolean) => {
    const [ax, ay] = xy[a]!;
    const [bx, by] = xy[b]!;
    if (Math.hypot(ax, ay) > radius || Math.hypot(bx, by) > radius) return;
    let limit = arterial ? 60 : 40;
    if (riverSide(ax, ay) !== riverSide(bx, by)) {
      const at = alongRiver((ax + bx) / 2, (ay + by) / 2);
      if (!BRIDGES_M.some((m) => Math.abs(m - at) < block / 2)) return;
      limit = 60; // bridges are arterials
    }
    const lengthM = Math.hypot(bx - ax, by - ay);
    edges[a]!.push({ to: b, lengthM, limitKmh: limit, headingDeg: bearing(ax, ay, bx, by) });
    edges[b]!.push({ to: a, lengthM, limitKmh: limit, headingDeg: bearing(bx, by, ax, ay) });
  };
  for (let j = 0; j < side; j++) {
    for (let i = 0; i < side; i++) {
      const id = j * side + i;
      if (i + 1 < side) link(id, id + 1, (j - n) % 4 === 0);
      if (j + 1 < side) link(id, id + side, (i - n) % 4 === 0);
    }
  }
  const drivable = edges.flatMap((e, i) => (e.length > 0 ? [i] : []));
  return { centre, nodes, edges, drivable };
}
