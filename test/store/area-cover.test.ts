/**
 * Area membership by H3 cover (interior cells: no test; boundary cells: the exact test) against
 * a brute-force model: the winding number of every ring, computed from the vertices with no
 * index, no cells and no even-odd parity (for a ring that does not cross itself a point is
 * inside when its winding number is not 0). Random star-shaped polygons, with holes and as
 * MultiPolygons, at the default resolution and at coarse ones (a district forced coarse by
 * maxCells), with points anywhere around them and points a hair's breadth off their edges.
 * The cell keys are checked against h3-js's own cellToParent.
 */
import fc from 'fast-check';
import { cellToParent, latLngToCell } from 'h3-js';
import t from 'tap';
import type { DutyGeometry } from '../../events/duty.js';
import { geometryProblems } from '../../events/duty-geometry.js';
import { AreaCover, Verdict, cellKey, cellResolution, isInside } from '../../store/area-cover.js';

// --- the model ----------------------------------------------------------------------------------
/** winding number of the ring around (x, y) (Sunday's algorithm: signed crossings of the upward ray's half-line) */
function winding(ring: number[][], x: number, y: number): number {
  let wn = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x1, y1] = ring[i]!;
    const [x2, y2] = ring[i + 1]!;
    const left = (x2! - x1!) * (y - y1!) - (x - x1!) * (y2! - y1!);
    if (y1! <= y) {
      if (y2! > y && left > 0) wn++;
    } else if (y2! <= y && left < 0) wn--;
  }
  return wn;
}

function modelInside(g: DutyGeometry, lng: number, lat: number): boolean {
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  return polygons.some((rings) => winding(rings[0]!, lng, lat) !== 0 && rings.slice(1).every((h) => winding(h, lng, lat) === 0));
}

// --- generators ---------------------------------------------------------------------------------
/** a star-shaped ring around (cx, cy): radii at increasing angles, so it never crosses itself */
function star(cx: number, cy: number, radii: number[], turn: number): number[][] {
  const ring = radii.map((r, i) => {
    const a = turn + (2 * Math.PI * i) / radii.length;
    return [cx + r * Math.cos(a), cy + r * Math.sin(a)];
  });
  return [...ring, ring[0]!];
}

const starArb = (scale: number) =>
  fc.record({
    cx: fc.double({ min: 100, max: 120, noNaN: true }),
    cy: fc.double({ min: 20, max: 45, noNaN: true }),
    radii: fc.array(fc.double({ min: 0.4, max: 1, noNaN: true }), { minLength: 3, maxLength: 30 }),
    turn: fc.double({ min: 0, max: 6.28, noNaN: true }),
    hole: fc.boolean(),
    second: fc.boolean(),
  }).map(({ cx, cy, radii, turn, hole, second }): DutyGeometry => {
    const outer = star(cx, cy, radii.map((r) => r * scale), turn);
    const inner = hole ? [star(cx, cy, radii.map(() => 0.3 * scale), turn + 0.1).reverse()] : [];
    if (!second) return { type: 'Polygon', coordinates: [outer, ...inner] };
    return { type: 'MultiPolygon', coordinates: [[outer, ...inner], [star(cx + 2.5 * scale, cy, radii.map((r) => r * scale * 0.5), turn)]] };
  });

/** points anywhere around the geometry, and points just off its edges (either side) */
function probes(g: DutyGeometry, seed: number, n: number): [number, number][] {
  let s = seed >>> 0 || 1;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const rings = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates).flat();
  const all = rings.flat();
  const xs = all.map((p) => p[0]!);
  const ys = all.map((p) => p[1]!);
  const [w, e, so, no] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      out.push([w - (e - w) * 0.1 + rand() * (e - w) * 1.2, so - (no - so) * 0.1 + rand() * (no - so) * 1.2]);
      continue;
    }
    // off an edge by 1e-7..1e-3 degrees (1 cm..100 m), along its normal
    const ring = rings[Math.floor(rand() * rings.length)]!;
    const k = Math.floor(rand() * (ring.length - 1));
    const [x1, y1] = ring[k]!;
    const [x2, y2] = ring[k + 1]!;
    const f = rand();
    const len = Math.hypot(x2! - x1!, y2! - y1!);
    const off = (rand() < 0.5 ? -1 : 1) * 10 ** (-7 + 4 * rand());
    out.push([x1! + f * (x2! - x1!) - (off * (y2! - y1!)) / len, y1! + f * (y2! - y1!) + (off * (x2! - x1!)) / len]);
  }
  return out;
}

t.test('cell keys: the bits of the cell and of its ancestors, as h3-js cellToParent has them', async (t) => {
  fc.assert(
    fc.property(fc.double({ min: -85, max: 85, noNaN: true }), fc.double({ min: -180, max: 179.999, noNaN: true }), fc.integer({ min: 0, max: 15 }), (lat, lng, res) => {
      const cell = latLngToCell(lat, lng, 15);
      t.equal(cellResolution(cell), 15);
      for (let r = 0; r <= res; r++) if (cellKey(cell, r) !== cellKey(cellToParent(cell, r), r)) return false;
      // distinct cells, distinct keys: the neighbour at res has another key
      const other = latLngToCell(lat, lng + 1e-2, res);
      return other === cellToParent(cell, res) || cellKey(other, res) !== cellKey(cell, res);
    }),
    { numRuns: 300 },
  );
});

for (const [what, scale, maxRes, maxCells] of [
  ['beats at resolution 9', 0.01, 9, 20_000],
  ['districts forced coarse', 0.2, 9, 300],
  ['towns at resolution 7 (coarse cells, a wide bulge)', 0.05, 7, 20_000],
] as const) {
  t.test(`membership by cover equals the brute-force model: ${what}`, async (t) => {
    let exact = 0;
    let judged = 0;
    const seen = new Set<number>();
    fc.assert(
      fc.property(starArb(scale), fc.integer(), (g, seed) => {
        if (geometryProblems(g, 100_000).length > 0) return true; // a generator slip, not a case
        const cover = new AreaCover(g, maxRes, maxCells);
        seen.add(cover.res);
        if (cover.size > maxCells && cover.res > 0) return false;
        for (const [lng, lat] of probes(g, seed, 200)) {
          // the report's own cell at the cover's resolution (h3.resolution = duty.h3Resolution)
          const v = cover.judge(lat, lng, latLngToCell(lat, lng, cover.res), cover.res);
          judged++;
          if (v === Verdict.boundaryIn || v === Verdict.boundaryOut) exact++;
          if (isInside(v) !== modelInside(g, lng, lat)) {
            t.fail(`(${lng}, ${lat}): cover says ${isInside(v)} (verdict ${v}), the model ${modelInside(g, lng, lat)}; res ${cover.res}; ${JSON.stringify(g)}`);
            return false;
          }
          // the same point judged from a cell at another resolution, and with no cell
          if (isInside(cover.judge(lat, lng, latLngToCell(lat, lng, 11), 11)) !== isInside(v)) return false;
          if (isInside(cover.judge(lat, lng, null, 0)) !== isInside(v)) return false;
        }
        return true;
      }),
      { numRuns: 60 },
    );
    t.comment(`${what}: resolutions ${[...seen].sort().join(', ')}; ${exact} of ${judged} points needed the exact test (half were put next to edges on purpose)`);
    t.ok(judged > 0);
  });
}

t.test("a station's area in Wuhan: most reports inside it need no test; covers stay within bounds", async (t) => {
  // ~3 km across, about 8 km²: a police station's area (派出所辖区)
  const area: DutyGeometry = { type: 'Polygon', coordinates: [star(114.28, 30.59, [0.016, 0.018, 0.015, 0.017, 0.016, 0.018, 0.014, 0.016], 0)] };
  const cover = new AreaCover(area, 9, 20_000);
  t.equal(cover.res, 9);
  let inside = 0;
  let untested = 0;
  for (const [i, [lng, lat]] of probes(area, 7, 40_000).entries()) {
    // the evenly spread ones only (the odd ones were put next to the edges)
    if (i % 2 === 1 || !modelInside(area, lng, lat)) continue;
    inside++;
    if (cover.judge(lat, lng, latLngToCell(lat, lng, 9), 9) === Verdict.interior) untested++;
  }
  t.ok(untested / inside > 0.5, `${untested} of ${inside} points inside judged by their cell alone (${cover.size} cells, ${cover.interior} interior)`);
  // a province-sized outline with room for 500 cells comes out coarse, not unbounded
  const province: DutyGeometry = { type: 'Polygon', coordinates: [star(112, 31, [3, 3.2, 2.8, 3.1, 2.9], 0)] };
  const coarse = new AreaCover(province, 9, 500);
  t.ok(coarse.size <= 500, `${coarse.size} cells at resolution ${coarse.res}`);
  t.ok(coarse.res < 9);
  // a district at resolution 9: its interior merged into parents, it keeps about its outline's cells
  const district: DutyGeometry = { type: 'Polygon', coordinates: [star(114.3, 30.6, [0.1, 0.12, 0.09, 0.11, 0.1], 0)] };
  const merged = new AreaCover(district, 9, 20_000);
  t.equal(merged.res, 9);
  t.ok(merged.size < 3000, `${merged.size} cells kept at resolution 9 (without merging: ~${Math.round((merged.shape.north - merged.shape.south) * 111 * (merged.shape.east - merged.shape.west) * 96 * 0.7 / 0.105)})`);
});
