/** Terminal categories: one list (events/categories.ts), and every room that needs them takes it. */
import t from 'tap';
import { CATEGORIES } from '../../events/categories.js';
import { PositionSchema } from '../../events/model.js';
import { parseRegistry } from '../../gateway/registry/devices.js';
import { COMBOS, LiveIndex, categoryIndex } from '../../map/live-index.js';
import { CATEGORIES as WEB_CATEGORIES } from '../../web/src/config.js';

// the list as published in events/schemas/position.schema.json, written out by hand
const DOCUMENTED = ['vehicle', 'bodycam', 'handheld', 'fixedcam', 'unknown'];

t.test('the list', async (t) => {
  t.same([...CATEGORIES], DOCUMENTED);
});

t.test('the published event schema enumerates exactly the list', async (t) => {
  const category = PositionSchema.properties.category as unknown as { anyOf: { const: string }[] };
  t.same(
    category.anyOf.map((l) => l.const),
    DOCUMENTED,
  );
});

t.test('the registry accepts each category and refuses any other', async (t) => {
  for (const c of DOCUMENTED) {
    const data = parseRegistry(JSON.stringify({ terminals: [{ terminal: '1', category: c, org: 'a' }] }), 'json');
    t.equal(data.devices.get('1')?.category, c, c);
  }
  t.throws(() => parseRegistry(JSON.stringify({ terminals: [{ terminal: '1', category: 'drone', org: 'a' }] }), 'json'), /category "drone" is not one of vehicle, bodycam, handheld, fixedcam, unknown/);
});

t.test('the live index counts per category × online × alarm, derived from the list', async (t) => {
  t.equal(COMBOS, DOCUMENTED.length * 2 * 2);
  DOCUMENTED.forEach((c, i) => t.equal(categoryIndex(c), i, c));
  t.equal(categoryIndex('drone'), 4, 'not one: unknown');
  // every category round-trips through a slot's combo byte
  const index = new LiveIndex();
  DOCUMENTED.forEach((c, i) => index.upsert(`t${i}`, 114.3 + i / 100, 30.6, categoryIndex(c), 'org', i % 2 === 0, 0, 0, Date.now(), Date.now()));
  DOCUMENTED.forEach((c, i) => t.equal(index.get(`t${i}`)?.category, c, `slot of ${c}`));
});

t.test('the web page toggles every category, unknown included (issue 16: counted and shown)', async (t) => {
  t.same([...WEB_CATEGORIES], ['vehicle', 'bodycam', 'handheld', 'fixedcam', 'unknown']);
});
