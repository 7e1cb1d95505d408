/**
 * The duty-area geometry check: what RFC 7946 allows and the watch can hold passes, the rest is
 * refused naming its place. Each case is drawn by hand (a bow tie, a hole outside its ring, a
 * ring folding back on itself ...), so what must be refused is known without the code.
 */
import t from 'tap';
import type { DutyGeometry } from '../../events/duty.js';
import { geometryProblems, inRing } from '../../events/duty-geometry.js';

const poly = (...rings: number[][][]): DutyGeometry => ({ type: 'Polygon', coordinates: rings });
const multi = (...polygons: number[][][][]): DutyGeometry => ({ type: 'MultiPolygon', coordinates: polygons });
const SQUARE = [
  [114.0, 30.0],
  [114.1, 30.0],
  [114.1, 30.1],
  [114.0, 30.1],
  [114.0, 30.0],
];
const HOLE = [
  [114.02, 30.02],
  [114.02, 30.08],
  [114.08, 30.08],
  [114.08, 30.02],
  [114.02, 30.02],
];

t.test('valid shapes pass', async (t) => {
  t.same(geometryProblems(poly(SQUARE), 100), [], 'a square');
  t.same(geometryProblems(poly([...SQUARE].reverse()), 100), [], 'either winding order (RFC 7946 §3.1.6)');
  t.same(geometryProblems(poly(SQUARE, HOLE), 100), [], 'with a hole');
  t.same(geometryProblems(poly(SQUARE.map(([x, y]) => [x!, y!, 23])), 100), [], 'an altitude is ignored');
  const touching = [
    [114.0, 30.0],
    [114.05, 30.05],
    [114.08, 30.02],
    [114.0, 30.0],
  ];
  t.same(geometryProblems(poly(SQUARE, touching), 100), [], 'a hole touching its outer ring at a vertex');
  const east = SQUARE.map(([x, y]) => [x! + 0.1, y!]);
  t.same(geometryProblems(multi([SQUARE], [east]), 100), [], 'two parts sharing an edge');
  const shifted = SQUARE.map(([x, y]) => [x! + 0.05, y! + 0.05]);
  t.same(geometryProblems(multi([SQUARE], [shifted]), 100), [], 'two parts overlapping: their union counts');
  const inner = SQUARE.map(([x, y]) => [114.05 + (x! - 114) / 10, 30.05 + (y! - 30) / 10]);
  t.same(geometryProblems(multi([SQUARE, HOLE], [inner]), 100), [], 'an island in the lake');
});

t.test('refused, naming the place', async (t) => {
  t.match(geometryProblems(poly(SQUARE.slice(0, 4).concat([[114.0, 30.05]])), 100), ['geometry.coordinates[0]: not closed (the last position must repeat the first)']);
  t.match(geometryProblems(poly(SQUARE.map(([x, y]) => [y!, x!])), 100), ['geometry.coordinates[0][0]: latitude 114 is outside -90..90 (positions are [longitude, latitude])']);
  t.match(geometryProblems(poly([[-181, 0], [1, 0], [1, 1], [-181, 0]]), 100)[0], /coordinates\[0\]\[0\]: longitude -181/);
  t.match(geometryProblems(poly([[179, 0], [-179, 0], [-179, 1], [179, 0]]), 100), [/coordinates\[0\]\[1\]: the edge to it spans more than 180° of longitude/]);
  t.match(geometryProblems(poly([SQUARE[0]!, SQUARE[1]!, SQUARE[1]!, SQUARE[2]!, SQUARE[0]!]), 100), ['geometry.coordinates[0][2]: repeats the position before it']);
  t.match(geometryProblems(poly([[114, 30], [114.1, 30], [114.2, 30], [114, 30]]), 100), ['geometry.coordinates[0]: encloses no area']);
  t.match(geometryProblems(poly(SQUARE), 4), ['geometry.coordinates: 5 positions, more than duty.maxVertices (4): simplify the outline']);

  // a bow tie: edges 0-1 and 2-3 cross at (114.05, 30.05)
  const bowTie = [
    [114.0, 30.0],
    [114.1, 30.1],
    [114.1, 30.0],
    [114.0, 30.1],
    [114.0, 30.0],
  ];
  t.match(geometryProblems(poly(bowTie), 100), ['geometry: edge geometry.coordinates[0][0]-[1] crosses edge geometry.coordinates[0][2]-[3] (self-crossing rings are refused: which side is inside would be ambiguous)']);
  // a spike: out along y = 30.0 and back over the same line
  const spike = [
    [114.0, 30.0],
    [114.2, 30.0],
    [114.1, 30.0],
    [114.1, 30.1],
    [114.0, 30.1],
    [114.0, 30.0],
  ];
  t.match(geometryProblems(poly(spike), 100), [/edge geometry\.coordinates\[0\]\[0\]-\[1\] overlaps edge geometry\.coordinates\[0\]\[1\]-\[2\]/]);
  // a hole poking out of its ring
  const poking = HOLE.map(([x, y]) => [x! + 0.05, y!]);
  t.match(geometryProblems(poly(SQUARE, poking), 100), [/crosses edge geometry\.coordinates\[1\]/]);
  const outside = HOLE.map(([x, y]) => [x! + 0.5, y!]);
  t.match(geometryProblems(poly(SQUARE, outside), 100), ['geometry.coordinates[1]: a hole outside its outer ring']);
  // in a MultiPolygon the path names the part
  t.match(geometryProblems(multi([SQUARE], [bowTie]), 100, 'features[3].geometry'), [/^features\[3\]\.geometry: edge features\[3\]\.geometry\.coordinates\[1\]\[0\]\[0\]-\[1\] crosses/]);
  // a broken export answers with its first few problems, not thousands
  const broken = Array.from({ length: 50 }, (_, i) => [200 + i, 0]);
  t.equal(geometryProblems(poly([...broken, broken[0]!]), 1000).length, 10);
});

t.test('inRing is the even-odd rule', async (t) => {
  t.equal(inRing(SQUARE, 114.05, 30.05), true);
  t.equal(inRing(SQUARE, 114.15, 30.05), false);
  t.equal(inRing(SQUARE, 114.05, 29.99), false);
});
