/**
 * The live index's (level, cell, org) -> count row lookup: an open-addressing hash table over
 * typed arrays (linear probing, backward-shift deletion, grown at 3/4 full). Every update
 * finds one row per count level here, so it is the index's hottest path: a JavaScript Map
 * keyed by `cell * 2^20 + org` hashed a heap number per call (the key is past 2^31) and was
 * half of the build's time at 1M terminals (issue 23). Two int32 words per key, no objects.
 */
const EMPTY = -1;

export class RowTable {
  private mask: number;
  /** the cell key (level-local, < 2^30) */
  private cells: Int32Array;
  /** org * 16 + level */
  private orgLevels: Int32Array;
  /** the row, EMPTY for a free slot */
  private rows: Int32Array;
  private used = 0;

  constructor(capacity = 1024) {
    let size = 16;
    while (size * 0.75 < capacity) size *= 2;
    this.mask = size - 1;
    this.cells = new Int32Array(size);
    this.orgLevels = new Int32Array(size);
    this.rows = new Int32Array(size).fill(EMPTY);
  }

  get size(): number {
    return this.used;
  }

  /** bytes held by the table's arrays */
  get bytes(): number {
    return this.rows.length * 12;
  }

  /** The row of (level, cell, org), or -1. */
  get(level: number, cell: number, org: number): number {
    const ol = org * 16 + level;
    let i = hash(cell, ol) & this.mask;
    for (;;) {
      const row = this.rows[i]!;
      if (row === EMPTY || (this.cells[i] === cell && this.orgLevels[i] === ol)) return row;
      i = (i + 1) & this.mask;
    }
  }

  /** Adds a key that is not in the table. */
  set(level: number, cell: number, org: number, row: number): void {
    if ((this.used + 1) > (this.mask + 1) * 0.75) this.grow();
    this.put(cell, org * 16 + level, row);
    this.used++;
  }

  /** Removes a key that is in the table. */
  delete(level: number, cell: number, org: number): void {
    const ol = org * 16 + level;
    const mask = this.mask;
    let i = hash(cell, ol) & mask;
    while (!(this.cells[i] === cell && this.orgLevels[i] === ol) || this.rows[i] === EMPTY) i = (i + 1) & mask;
    // backward shift: move later entries of the probe run into the hole when their home allows
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      if (this.rows[j] === EMPTY) break;
      const home = hash(this.cells[j]!, this.orgLevels[j]!) & mask;
      // j's entry may fill the hole when its home is not after the hole (cyclically, up to j)
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        this.cells[hole] = this.cells[j]!;
        this.orgLevels[hole] = this.orgLevels[j]!;
        this.rows[hole] = this.rows[j]!;
        hole = j;
      }
    }
    this.rows[hole] = EMPTY;
    this.used--;
  }

  private put(cell: number, ol: number, row: number): void {
    let i = hash(cell, ol) & this.mask;
    while (this.rows[i] !== EMPTY) i = (i + 1) & this.mask;
    this.cells[i] = cell;
    this.orgLevels[i] = ol;
    this.rows[i] = row;
  }

  private grow(): void {
    const { cells, orgLevels, rows } = this;
    const size = rows.length * 2;
    this.mask = size - 1;
    this.cells = new Int32Array(size);
    this.orgLevels = new Int32Array(size);
    this.rows = new Int32Array(size).fill(EMPTY);
    for (let i = 0; i < rows.length; i++) if (rows[i] !== EMPTY) this.put(cells[i]!, orgLevels[i]!, rows[i]!);
  }
}

/** murmur3's 32-bit finaliser over the two words */
function hash(a: number, b: number): number {
  let h = Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
