/**
 * Every terminal in a cluster is counted in exactly one `n_<category>`, `unknown` included (a
 * terminal the registry does not list): the n_* of a cluster sum to its point_count, and the
 * TileJSON describes each n_* field it carries.
 */
import t from 'tap';
import { CLUSTER_FIELDS, clusterFeatures } from '../../map/cluster-tile.js';
import { LiveIndex } from '../../map/live-index.js';

// the categories as the registry and events name them (events/categories.ts), written out here
const NAMES = ['vehicle', 'bodycam', 'handheld', 'fixedcam', 'unknown'];

t.test('clusters count every category, unknown included', async (t) => {
  const index = new LiveIndex();
  // 50 terminals around one point: 10 of each category (category index = i % 5)
  for (let i = 0; i < 50; i++) index.upsert(String(i), 114.27 + (i % 7) * 1e-4, 30.58 + Math.floor(i / 7) * 1e-4, i % 5, 'wuhan', false, 0, 0, Date.now());
  const sel = index.selection({}, () => true);
  // zoom 10, the tile holding 114.27, 30.58
  const z = 10;
  const x = Math.floor(((114.27 + 180) / 360) * 2 ** z);
  const sn = Math.sin((30.58 * Math.PI) / 180);
  const y = Math.floor((0.5 - Math.log((1 + sn) / (1 - sn)) / (4 * Math.PI)) * 2 ** z);
  const clusters = clusterFeatures(index, z, x, y, sel, 'wgs84', { maxFeatures: 4000 }).filter((f) => f.props.cluster);
  t.equal(clusters.length, 1, 'one cluster');
  const p = clusters[0]!.props;
  t.equal(p.point_count, 50);
  for (const name of NAMES) t.equal(p[`n_${name}`], 10, `n_${name}: 10`);
  t.equal(NAMES.reduce((n, c) => n + Number(p[`n_${c}`]), 0), p.point_count, 'the n_* sum to point_count');
  for (const name of NAMES) t.ok(CLUSTER_FIELDS[`n_${name}`], `the TileJSON describes n_${name}`);
});
