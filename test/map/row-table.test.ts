/**
 * The live index's row lookup against a brute-force model (a Map of string keys): random
 * inserts and deletes, heavy on a few cells so probe runs collide and wrap, with growth.
 */
import t from 'tap';
import fc from 'fast-check';
import { RowTable } from '../../map/row-table.js';

t.test('behaves as a map of (level, cell, org) -> row', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 3, max: 15 }), fc.oneof(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 2 ** 30 - 1 })), fc.integer({ min: 0, max: 500 })), { maxLength: 600 }),
      (ops) => {
        const table = new RowTable(16);
        const model = new Map<string, number>();
        let next = 0;
        for (const [add, level, cell, org] of ops) {
          const k = `${level}/${cell}/${org}`;
          if (add && !model.has(k)) {
            model.set(k, next);
            table.set(level, cell, org, next++);
          } else if (!add && model.has(k)) {
            model.delete(k);
            table.delete(level, cell, org);
          }
          if (table.size !== model.size) return false;
        }
        for (const [add, level, cell, org] of ops) {
          void add;
          if (table.get(level, cell, org) !== (model.get(`${level}/${cell}/${org}`) ?? -1)) return false;
        }
        return true;
      },
    ),
    { numRuns: 300 },
  );
  t.pass('300 runs');
});

t.test('deleting from the middle of a wrapped probe run keeps the rest reachable', async (t) => {
  // a small table, every key on a handful of cells: long runs that wrap around the end
  const table = new RowTable(4);
  const keys: [number, number][] = [];
  for (let org = 0; org < 200; org++) keys.push([org % 3, org]);
  keys.forEach(([cell, org], row) => table.set(10, cell, org, row));
  for (let i = 0; i < keys.length; i += 2) table.delete(10, keys[i]![0], keys[i]![1]);
  keys.forEach(([cell, org], row) => t.equal(table.get(10, cell, org), row % 2 === 0 ? -1 : row));
  t.equal(table.size, 100);
});
