/**
 * The live map index: every terminal's latest position, category, org, online state and alarm
 * state, with additive counts per cluster cell, updated in place (never rebuilt).
 *
 * Model (supercluster's readability, a count pyramid's update cost):
 * - A terminal is a slot in flat typed arrays (no object per terminal).
 * - Its position is quantised to a cell of the level-16 Web Mercator grid (~600 m at the
 *   equator): the "quantum". Cluster centroids are sums of sub-cell centres (32×32 sub-cells
 *   per cluster cell: 2 px on a 512-px tile), so they stay exact under add/remove.
 * - For each cluster zoom z (0..countMaxZoom, 10 by default) the cells of grid level z + GRID_BITS (8×8 per
 *   tile: a cell is 512 of 4096 units, 64 px on a 512-px tile) hold rows, one per org unit
 *   present in the cell. A row holds 20 counters (category × online × alarm), its total, the
 *   sum of its quanta (centroid) and the XOR of its slots (names the terminal when total is 1).
 *   Filters pick counters (category, online, alarm) and rows (org, scope): they add counters,
 *   they never rebuild anything. Each cell also has an every-org row, the sum of its org rows,
 *   kept out of the cell's chain: a scope that takes every org unit reads that one row.
 * - A position that stays in its quantum with the same state touches no row at all; one that
 *   crosses a quantum touches, from the finest cluster level up, only the levels whose
 *   sub-cell changed (usually two or three). Each finds its (cell, org) row through one hash
 *   table over typed arrays (row-table.ts), never by walking the cell's rows. Every terminal is
 *   also in a bucket (a linked list of slots per level-15 cell, ~1.2 km): zooms 11 and 12
 *   are clustered by summing the buckets under the tile, and single terminals above
 *   clusterMaxZoom come from them.
 * - Online is "seen within offlineAfterMs"; `sweep(now)` moves stale terminals to offline.
 * - Beside its record, a reporting terminal keeps the last Position published for it, as
 *   published (GET /api/live, GET /api/terminals/{id}): the only object per terminal, one
 *   reference in an array by slot. Static resources have none.
 */
import { CATEGORIES, UNKNOWN_CATEGORY } from '../events/categories.js';
import type { Category } from '../events/categories.js';
import type { Position } from '../events/model.js';
import { worldX, worldY } from './mercator.js';
import { RowTable } from './row-table.js';
import { SlotRecords } from './slot-records.js';

const CATEGORY_INDEX = new Map<string, number>(CATEGORIES.map((c, i) => [c, i]));
const UNKNOWN_INDEX = CATEGORY_INDEX.get(UNKNOWN_CATEGORY)!;
/** A category's index in CATEGORIES; what is not one counts as unknown. */
export function categoryIndex(name: string): number {
  return CATEGORY_INDEX.get(name) ?? UNKNOWN_INDEX;
}

/** counters per row: category × online (2) × alarm (2); combo = cat*4 + online*2 + alarm */
export const COMBOS = CATEGORIES.length * 4;
const CATEGORY_COUNT = CATEGORIES.length;
/** a count row's layout in int32 words: the counters by combo, then these; the sums are float64 at ROW_SUMS stride */
const TOTAL = COMBOS;
const ORG = COMBOS + 1;
const NEXT = COMBOS + 2;
const XOR = COMBOS + 3;
/** the row's size: 128 bytes, two cache lines (counters 80 B, four words, two float64 sums) */
const ROW_WORDS = 32;
/**
 * The org id of a cell's every-org row: the sum of its org rows, kept beside them (not in the
 * cell's chain), so a query whose scope takes every org unit (a city-wide token) reads one row a
 * cell instead of one per squad (up to hundreds in a busy cell).
 */
const EVERY_ORG = (1 << 26) - 1;
const ROW_SUMS = ROW_WORDS / 2;
const SUM_X = (COMBOS + 4) / 2;
const SUM_Y = SUM_X + 1;
if ((COMBOS + 4) % 2 !== 0 || (SUM_Y + 1) * 2 > ROW_WORDS) throw new Error('a count row does not fit its 128 bytes');
// the combo is stored in a uint8 per slot
if (COMBOS > 256) throw new Error('too many categories for a uint8 combo');
/** cells per tile side at a cluster zoom, as bits: 3 = 8×8 */
export const GRID_BITS = 3;
/** the quantum level (Uint16 coordinates) */
const Q = 16;
/** the bucket level for single terminals; also the finest possible count level */
export const BUCKET_LEVEL = 15;
/** centroids are sums of sub-cell centres, 2^5 = 32 sub-cells per cluster cell side (2 px on a 512-px tile) */
const SUB_BITS = 5;
/**
 * Count rows stop at z10 (cells ~2.4 km): the finest levels would hold about one row per
 * terminal. z11 and z12 clusters are summed from the buckets under the tile instead (a
 * tile there covers at most 16×16 buckets).
 */
const COUNT_MAX_ZOOM = 10;
export interface LiveIndexOptions {
  /** highest zoom answered with clusters; above it single terminals (<= 12: level 15 keys stay small ints) */
  clusterMaxZoom?: number;
  /** highest zoom kept as count rows (default 10); zooms above, to clusterMaxZoom, are summed from buckets (memory) */
  countMaxZoom?: number;
  /** a terminal not heard from for this long counts as offline (default: the gateway's idle timeout, 6 min) */
  offlineAfterMs?: number;
  /** slots allocated up front; the arrays double when full */
  capacity?: number;
}

export interface TerminalView {
  id: string;
  lng: number;
  lat: number;
  category: Category;
  org: string;
  online: boolean;
  alarm: boolean;
  heading: number;
  speed: number;
  lastSeen: number;
  static: boolean;
}

/** Which terminals a query sees: counters (combos) and org units (mask by org id). */
export interface Selection {
  /** combo -> included */
  combos: Uint8Array;
  /** org id -> included; shorter than the org table means "not included" for the rest */
  orgs: Uint8Array;
  /** every org unit known when it was made is included: cells are read from their every-org rows */
  everyOrg: boolean;
}

const NONE = -1;

export class LiveIndex {
  readonly clusterMaxZoom: number;
  /** highest zoom with count rows; clusters above it (up to clusterMaxZoom) are summed from buckets */
  readonly countMaxZoom: number;
  /** the coarsest grid level with count rows (8×8 cells on the world) */
  readonly topLevel = GRID_BITS;
  readonly offlineAfterMs: number;
  /** bumped on every change: a cheap "has anything moved" check for caches */
  version = 0;
  /** seen before this = offline; moved forward by sweep() (no clock read per update) */
  private cutoff: number;

  // --- terminals, by slot
  private count = 0;
  private readonly slotOf = new Map<string, number>();
  private ids: string[] = [];
  /** the last published position by slot (undefined: a static resource, or none kept yet) */
  private last: (Position | undefined)[] = [];
  /** each slot's fields, one cache line per terminal (slot-records.ts) */
  private readonly rec: SlotRecords;
  private freeSlots: number[] = [];

  // --- org units, interned
  private readonly orgs: string[] = [];
  private readonly orgIdOf = new Map<string, number>();

  // --- count rows (a pool) and the cells that hold them
  // one row = ROW_WORDS int32 words (two cache lines, ROW_BYTES): a query reads a row's fields
  // together, so they sit together (seven arrays cost a cache miss each per row)
  private rowCap = 1024;
  private rowWords = new Int32Array(this.rowCap * ROW_WORDS);
  private rowSums = new Float64Array(this.rowWords.buffer);
  private rowsUsed = 0;
  private freeRow = NONE;
  /** cells[level]: cell key (cx * 2^level + cy) -> first row */
  private readonly cells: Map<number, number>[] = [];
  /** (level, cell key, org) -> row, for updates (row-table.ts); the cells' chains are for queries */
  private readonly rowOf = new RowTable();
  /** level-15 cell key -> first slot */
  private readonly buckets = new Map<number, number>();

  constructor(options: LiveIndexOptions = {}) {
    this.clusterMaxZoom = options.clusterMaxZoom ?? 12;
    if (this.clusterMaxZoom + GRID_BITS > BUCKET_LEVEL || this.clusterMaxZoom < 0) throw new RangeError(`clusterMaxZoom must be 0..${BUCKET_LEVEL - GRID_BITS}`);
    this.countMaxZoom = Math.min(this.clusterMaxZoom, options.countMaxZoom ?? COUNT_MAX_ZOOM);
    this.offlineAfterMs = options.offlineAfterMs ?? 360_000;
    this.cutoff = Date.now() - this.offlineAfterMs;
    this.rec = new SlotRecords(Math.max(16, options.capacity ?? 1024));
    for (let l = 0; l <= BUCKET_LEVEL; l++) {
      this.cells.push(new Map());
    }
  }

  /** terminals held */
  get size(): number {
    return this.count;
  }

  /** count rows in use (for the memory figure in /metrics and the benchmark) */
  get rows(): number {
    return this.rowsUsed;
  }

  get orgCount(): number {
    return this.orgs.length;
  }

  orgName(id: number): string {
    return this.orgs[id] ?? '';
  }

  /**
   * A terminal's latest state. `seenMs` is when it was last heard from (receive time), which
   * decides online. Positions older than the one held are the caller's to drop.
   */
  upsert(id: string, lng: number, lat: number, category: number, org: string, alarm: boolean, heading: number, speed: number, seenMs: number, timeMs = seenMs, isStatic = false): boolean {
    let slot = this.slotOf.get(id);
    // a late frame never moves a terminal back in time
    if (slot !== undefined && timeMs < this.rec.fix(slot)) return false;
    const nqx = Math.floor(worldX(lng) * 65536);
    const nqy = Math.floor(worldY(lat) * 65536);
    // the same org as held (the usual case) skips the intern lookup
    const orgId = slot !== undefined && this.orgs[this.rec.org(slot)] === org ? this.rec.org(slot) : this.internOrg(org);
    // a report received before the terminal's session ended (a late one) does not bring it back online
    const online = isStatic || (seenMs >= this.cutoff && (slot === undefined || seenMs > this.rec.gone(slot))) ? 1 : 0;
    const combo = category * 4 + online * 2 + (alarm ? 1 : 0);
    this.version++;
    if (slot === undefined) {
      slot = this.newSlot(id);
      this.rec.setReport(slot, lng, lat, heading, speed, seenMs, timeMs);
      this.rec.setQuantum(slot, nqx, nqy);
      this.rec.setOrg(slot, orgId);
      this.rec.setCombo(slot, combo);
      this.rec.setStatic(slot, isStatic);
      this.addAll(slot, 1);
      this.bucketAdd(slot);
      return true;
    }
    this.rec.setReport(slot, lng, lat, heading, speed, seenMs, timeMs);
    if (nqx === this.rec.qx(slot) && nqy === this.rec.qy(slot) && combo === this.rec.combo(slot) && orgId === this.rec.org(slot)) return true;
    const oldBucket = this.bucketKey(slot);
    const oqx = this.rec.qx(slot);
    const oqy = this.rec.qy(slot);
    if (combo === this.rec.combo(slot) && orgId === this.rec.org(slot)) {
      this.rec.setQuantum(slot, nqx, nqy);
      this.move(slot, oqx, oqy, nqx, nqy);
    } else {
      this.addAll(slot, -1);
      this.rec.setQuantum(slot, nqx, nqy);
      this.rec.setOrg(slot, orgId);
      this.rec.setCombo(slot, combo);
      this.addAll(slot, 1);
    }
    if (this.bucketKey(slot) !== oldBucket) {
      this.bucketRemove(slot, oldBucket);
      this.bucketAdd(slot);
    }
    return true;
  }

  /**
   * The registry moved a terminal to another category or org unit: counted under the new ones
   * at once (the next tile), not at its next report. Its kept position says so too.
   */
  reassign(id: string, category: number, categoryName: string, org: string): boolean {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return false;
    const orgId = this.internOrg(org);
    const combo = category * 4 + (this.rec.combo(slot) & 3);
    if (orgId === this.rec.org(slot) && combo === this.rec.combo(slot)) return false;
    this.version++;
    this.addAll(slot, -1);
    this.rec.setOrg(slot, orgId);
    this.rec.setCombo(slot, combo);
    this.addAll(slot, 1);
    const kept = this.last[slot];
    if (kept) this.last[slot] = { ...kept, org, category: categoryName as Position['category'] };
    return true;
  }

  /** Sets or clears a terminal's alarm state without a new position. */
  setAlarm(id: string, alarm: boolean): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    const combo = this.rec.combo(slot);
    const next = (combo & ~1) | (alarm ? 1 : 0);
    if (next === combo) return;
    this.recombo(slot, next);
  }

  /**
   * Presence without a position: a session ended (offline at once, not after offlineAfterMs) or
   * began (online, heard from at `atMs`). An end older than the terminal's last report is stale
   * (it reported again since) and changes nothing. Returns whether the state changed.
   */
  setOnline(id: string, online: boolean, atMs: number): boolean {
    const slot = this.slotOf.get(id);
    if (slot === undefined || this.rec.isStatic(slot)) return false;
    const combo = this.rec.combo(slot);
    if (online) {
      if (atMs > this.rec.seen(slot)) this.rec.setSeen(slot, atMs);
      if ((combo & 2) !== 0 || atMs < this.cutoff) return false;
      this.recombo(slot, combo | 2);
      return true;
    }
    if (this.rec.seen(slot) > atMs) return false;
    this.rec.setGone(slot, atMs);
    if ((combo & 2) === 0) return false;
    this.recombo(slot, combo & ~2);
    return true;
  }

  remove(id: string): boolean {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return false;
    this.version++;
    this.addAll(slot, -1);
    this.bucketRemove(slot, this.bucketKey(slot));
    this.slotOf.delete(id);
    this.ids[slot] = '';
    this.last[slot] = undefined;
    this.freeSlots.push(slot);
    this.count--;
    return true;
  }

  /** Moves terminals not heard from since now - offlineAfterMs to offline. Returns how many. */
  sweep(now = Date.now()): number {
    const cutoff = now - this.offlineAfterMs;
    this.cutoff = cutoff;
    let n = 0;
    const top = this.ids.length;
    for (let s = 0; s < top; s++) {
      const combo = this.rec.combo(s);
      if ((combo & 2) === 0 || this.rec.isStatic(s) || this.rec.seen(s) >= cutoff || this.ids[s] === '') continue;
      this.recombo(s, combo & ~2);
      n++;
    }
    return n;
  }

  has(id: string): boolean {
    return this.slotOf.has(id);
  }

  /** Keeps `position` as the terminal's last published one; call after its upsert was taken. */
  keep(position: Position): void {
    const slot = this.slotOf.get(position.terminal);
    if (slot !== undefined) this.last[slot] = position;
  }

  /** The last position published for a terminal, as published (none for a static resource). */
  position(id: string): Position | undefined {
    const slot = this.slotOf.get(id);
    return slot === undefined ? undefined : this.last[slot];
  }

  /** Every terminal's last published position (static resources have none), in slot order. */
  positions(): Position[] {
    const out: Position[] = [];
    for (const p of this.last) if (p !== undefined) out.push(p);
    return out;
  }

  get(id: string): TerminalView | undefined {
    const slot = this.slotOf.get(id);
    return slot === undefined ? undefined : this.view(slot);
  }

  view(slot: number): TerminalView {
    const combo = this.rec.combo(slot);
    return {
      id: this.ids[slot]!,
      lng: this.rec.lng(slot),
      lat: this.rec.lat(slot),
      category: CATEGORIES[combo >> 2]!,
      org: this.orgs[this.rec.org(slot)]!,
      online: (combo & 2) !== 0,
      alarm: (combo & 1) !== 0,
      heading: this.rec.heading(slot),
      speed: Math.round(this.rec.speed(slot) * 10) / 10,
      lastSeen: this.rec.seen(slot),
      static: this.rec.isStatic(slot),
    };
  }

  // --- queries -----------------------------------------------------------------------------

  /** A selection from filters; `orgAllowed` decides per org unit path (scope and org filter). */
  selection(filter: { categories?: readonly number[] | undefined; online?: boolean | undefined; alarm?: boolean | undefined }, orgAllowed: (org: string) => boolean): Selection {
    const combos = new Uint8Array(COMBOS);
    for (let c = 0; c < COMBOS; c++) {
      const cat = c >> 2;
      const online = (c & 2) !== 0;
      const alarm = (c & 1) !== 0;
      combos[c] = (!filter.categories || filter.categories.includes(cat)) && (filter.online === undefined || filter.online === online) && (filter.alarm === undefined || filter.alarm === alarm) ? 1 : 0;
    }
    const orgs = new Uint8Array(this.orgs.length);
    let every = true;
    for (let o = 0; o < this.orgs.length; o++) {
      orgs[o] = orgAllowed(this.orgs[o]!) ? 1 : 0;
      if (orgs[o] === 0) every = false;
    }
    return { combos, orgs, everyOrg: every };
  }

  /** Does a selection include this slot? */
  selects(sel: Selection, slot: number): boolean {
    return sel.combos[this.rec.combo(slot)] === 1 && sel.orgs[this.rec.org(slot)] === 1;
  }

  /**
   * Visits the non-empty cells of a cluster zoom within [cx0, cx1] × [cy0, cy1] (cell
   * coordinates at level z + GRID_BITS; x wraps around the antimeridian), summing the selected
   * counters. `visit` gets the cell, per-category counts, the centroid in world units and,
   * when the cell holds exactly one terminal in all, its slot.
   */
  cellsIn(z: number, cx0: number, cx1: number, cy0: number, cy1: number, sel: Selection, visit: (cell: CellSummary) => void): void {
    if (z > this.countMaxZoom) return this.cellsFromBuckets(z, cx0, cx1, cy0, cy1, sel, visit);
    const level = z + GRID_BITS;
    const n = (1 << level);
    const map = this.cells[level]!;
    const byCat = new Int32Array(CATEGORIES.length);
    const everyCombo = sel.combos.every((c) => c === 1);
    const everyOrg = this.takesEveryOrg(sel);
    for (let cy = Math.max(0, cy0); cy <= Math.min(n - 1, cy1); cy++) {
      for (let cxRaw = cx0; cxRaw <= cx1; cxRaw++) {
        const cx = ((cxRaw % n) + n) % n;
        // the cell's every-org row alone, or the chain of its org rows
        let row = everyOrg ? this.rowOf.get(level, cx * n + cy, EVERY_ORG) : (map.get(cx * n + cy) ?? NONE);
        if (row === NONE) continue;
        byCat.fill(0);
        let selected = 0;
        let all = 0;
        let sumX = 0;
        let sumY = 0;
        let inScope = 0;
        let alarms = 0;
        let xor = 0;
        while (row !== NONE) {
          all += this.rowWords[row * ROW_WORDS + TOTAL]!;
          xor ^= this.rowWords[row * ROW_WORDS + XOR]!;
          if (everyOrg || sel.orgs[this.rowWords[row * ROW_WORDS + ORG]!] === 1) {
            const base = row * ROW_WORDS;
            const counts = this.rowWords;
            if (everyCombo) {
              // no category, online or alarm filter: four counters a category, alarms the odd ones
              for (let c = 0, b = base; c < CATEGORY_COUNT; c++, b += 4) {
                const a1 = counts[b + 1]!;
                const a3 = counts[b + 3]!;
                byCat[c]! += counts[b]! + a1 + counts[b + 2]! + a3;
                alarms += a1 + a3;
              }
              selected += this.rowWords[row * ROW_WORDS + TOTAL]!;
            } else {
              for (let c = 0; c < COMBOS; c++) {
                const k = counts[base + c]!;
                if (k !== 0 && sel.combos[c] === 1) {
                  byCat[c >> 2]! += k;
                  selected += k;
                  if ((c & 1) === 1) alarms += k;
                }
              }
            }
            inScope += this.rowWords[row * ROW_WORDS + TOTAL]!;
            sumX += this.rowSums[row * ROW_SUMS + SUM_X]!;
            sumY += this.rowSums[row * ROW_SUMS + SUM_Y]!;
          }
          row = this.rowWords[row * ROW_WORDS + NEXT]!;
        }
        if (selected === 0) continue;
        // centroid of the terminals in scope (all categories: a filtered centroid would need a sum per counter)
        const wx = sumX / inScope / 65536 + (cxRaw - cx) / n;
        const wy = sumY / inScope / 65536;
        visit({ level, cx, cy, key: cx * n + cy, count: selected, alarms, byCategory: byCat, wx, wy, single: all === 1 ? xor : NONE });
      }
    }
  }

  /** cellsIn above countMaxZoom: the same sums, from the slots in the buckets of each cell (exact centroids) */
  private cellsFromBuckets(z: number, cx0: number, cx1: number, cy0: number, cy1: number, sel: Selection, visit: (cell: CellSummary) => void): void {
    const level = z + GRID_BITS;
    const n = (1 << level);
    const span = (1 << (BUCKET_LEVEL - level));
    const nb = (1 << BUCKET_LEVEL);
    const byCat = new Int32Array(CATEGORIES.length);
    for (let cy = Math.max(0, cy0); cy <= Math.min(n - 1, cy1); cy++) {
      for (let cxRaw = cx0; cxRaw <= cx1; cxRaw++) {
        const cx = ((cxRaw % n) + n) % n;
        byCat.fill(0);
        let selected = 0;
        let all = 0;
        let alarms = 0;
        let inScope = 0;
        let sumX = 0;
        let sumY = 0;
        let last = NONE;
        for (let bx = cx * span; bx < (cx + 1) * span; bx++) {
          for (let by = cy * span; by < (cy + 1) * span; by++) {
            let s = this.buckets.get(bx * nb + by);
            if (s === undefined) continue;
            while (s !== NONE) {
              all++;
              if (sel.orgs[this.rec.org(s)] === 1) {
                inScope++;
                sumX += this.rec.qx(s) + 0.5;
                sumY += this.rec.qy(s) + 0.5;
                const combo = this.rec.combo(s);
                if (sel.combos[combo] === 1) {
                  selected++;
                  byCat[combo >> 2]!++;
                  alarms += combo & 1;
                  last = s;
                }
              }
              s = this.rec.next(s);
            }
          }
        }
        if (selected === 0) continue;
        const wx = sumX / inScope / 65536 + (cxRaw - cx) / n;
        const wy = sumY / inScope / 65536;
        visit({ level, cx, cy, key: cx * n + cy, count: selected, alarms, byCategory: byCat, wx, wy, single: all === 1 ? last : NONE });
      }
    }
  }

  /** Any selected terminal in a cell above the count levels? */
  private bucketCellSelected(level: number, cx: number, cy: number, sel: Selection): boolean {
    const span = (1 << (BUCKET_LEVEL - level));
    const nb = (1 << BUCKET_LEVEL);
    for (let bx = cx * span; bx < (cx + 1) * span; bx++) {
      for (let by = cy * span; by < (cy + 1) * span; by++) {
        let s = this.buckets.get(bx * nb + by);
        if (s === undefined) continue;
        while (s !== NONE) {
          if (this.selects(sel, s)) return true;
          s = this.rec.next(s);
        }
      }
    }
    return false;
  }

  /**
   * The zoom at which a cluster cell splits into two or more non-empty cells (within the
   * selection's orgs), or clusterMaxZoom + 1 when it never does before single terminals show.
   */
  expansionZoom(level: number, cx: number, cy: number, sel: Selection): number {
    let x = cx;
    let y = cy;
    for (let l = level + 1; l <= this.clusterMaxZoom + GRID_BITS; l++) {
      const n = (1 << l);
      let nonEmpty = 0;
      let nx = 0;
      let ny = 0;
      // two non-empty children settle it: the other two need no lookup
      for (let q = 0; q < 4 && nonEmpty < 2; q++) {
        const kx = x * 2 + (q >> 1);
        const ky = y * 2 + (q & 1);
        if (l <= this.countMaxZoom + GRID_BITS ? this.cellSelected(l, kx * n + ky, sel) : this.bucketCellSelected(l, kx, ky, sel)) {
          nonEmpty++;
          nx = kx;
          ny = ky;
        }
      }
      if (nonEmpty !== 1) return l - GRID_BITS;
      x = nx;
      y = ny;
    }
    return this.clusterMaxZoom + 1;
  }

  /** Slots in the level-15 cells [bx0, bx1] × [by0, by1] (x wraps), selected ones only. */
  slotsIn(bx0: number, bx1: number, by0: number, by1: number, sel: Selection, visit: (slot: number, wrap: number) => void): void {
    const n = (1 << BUCKET_LEVEL);
    for (let by = Math.max(0, by0); by <= Math.min(n - 1, by1); by++) {
      for (let bxRaw = bx0; bxRaw <= bx1; bxRaw++) {
        const bx = ((bxRaw % n) + n) % n;
        let s = this.buckets.get(bx * n + by);
        if (s === undefined) continue;
        while (s !== NONE) {
          if (this.selects(sel, s)) visit(s, (bxRaw - bx) / n);
          s = this.rec.next(s);
        }
      }
    }
  }

  /**
   * Any selected terminal in cell (cx, cy) of a grid level? From the count rows up to
   * countMaxZoom + GRID_BITS, below that from the buckets under the cell (the nearest-unit
   * search descends through these levels, map/nearest.ts).
   */
  hasSelected(level: number, cx: number, cy: number, sel: Selection): boolean {
    if (level >= GRID_BITS && level <= this.countMaxZoom + GRID_BITS) return this.cellSelected(level, cx * (1 << level) + cy, sel);
    return this.bucketCellSelected(level, cx, cy, sel);
  }

  /** Every slot in one level-15 bucket, selected or not. */
  bucketSlots(bx: number, by: number, visit: (slot: number) => void): void {
    let s = this.buckets.get(bx * (1 << BUCKET_LEVEL) + by);
    if (s === undefined) return;
    while (s !== NONE) {
      visit(s);
      s = this.rec.next(s);
    }
  }

  /** The top count level's non-empty cells as [cx, cy] (at most 64: 8×8 at level GRID_BITS). */
  topCells(): [number, number][] {
    const n = 1 << GRID_BITS;
    return [...this.cells[GRID_BITS]!.keys()].map((k) => [Math.floor(k / n), k % n]);
  }

  /** Every selected slot (API listing); optional bbox in degrees. */
  forEach(sel: Selection, visit: (slot: number) => boolean | void, bbox?: readonly [number, number, number, number]): void {
    const top = this.ids.length;
    for (let s = 0; s < top; s++) {
      if (this.ids[s] === '' || !this.selects(sel, s)) continue;
      if (bbox && (this.rec.lng(s) < bbox[0] || this.rec.lat(s) < bbox[1] || this.rec.lng(s) > bbox[2] || this.rec.lat(s) > bbox[3])) continue;
      if (visit(s) === false) return;
    }
  }

  lngOf(slot: number): number {
    return this.rec.lng(slot);
  }

  latOf(slot: number): number {
    return this.rec.lat(slot);
  }

  idOf(slot: number): string {
    return this.ids[slot]!;
  }

  // --- internals ---------------------------------------------------------------------------

  private cellSelected(level: number, key: number, sel: Selection): boolean {
    let row = this.takesEveryOrg(sel) ? this.rowOf.get(level, key, EVERY_ORG) : (this.cells[level]!.get(key) ?? NONE);
    while (row !== NONE) {
      if (this.rowWords[row * ROW_WORDS + ORG] === EVERY_ORG || sel.orgs[this.rowWords[row * ROW_WORDS + ORG]!] === 1) {
        const base = row * ROW_WORDS;
        for (let c = 0; c < COMBOS; c++) if (sel.combos[c] === 1 && this.rowWords[base + c] !== 0) return true;
      }
      row = this.rowWords[row * ROW_WORDS + NEXT]!;
    }
    return false;
  }

  /** the selection takes every org unit there is (not only those known when it was made) */
  private takesEveryOrg(sel: Selection): boolean {
    return sel.everyOrg && sel.orgs.length === this.orgs.length;
  }


  private recombo(slot: number, combo: number): void {
    this.version++;
    this.addAll(slot, -1);
    this.rec.setCombo(slot, combo);
    this.addAll(slot, 1);
  }

  private internOrg(org: string): number {
    let id = this.orgIdOf.get(org);
    if (id === undefined) {
      id = this.orgs.length;
      if (id >= EVERY_ORG) throw new RangeError(`live index: more than ${EVERY_ORG - 1} org units`);
      this.orgs.push(org);
      this.orgIdOf.set(org, id);
    }
    return id;
  }

  private newSlot(id: string): number {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      slot = this.ids.length;
      if (slot >= this.rec.capacity) this.rec.grow();
      this.ids.push(id);
    } else this.ids[slot] = id;
    this.rec.setGone(slot, 0);
    this.slotOf.set(id, slot);
    this.count++;
    return slot;
  }

  /** Adds (+1) or removes (-1) a slot's contribution at every cluster level. */
  private addAll(slot: number, delta: 1 | -1): void {
    const qx = this.rec.qx(slot);
    const qy = this.rec.qy(slot);
    const org = this.rec.org(slot);
    const combo = this.rec.combo(slot);
    for (let z = 0; z <= this.countMaxZoom; z++) {
      const level = z + GRID_BITS;
      const ls = Q - level;
      const s = Q - Math.min(Q, level + SUB_BITS);
      const size = (1 << s);
      const key = (qx >> ls) * (1 << level) + (qy >> ls);
      const px = ((qx >> s) + 0.5) * size;
      const py = ((qy >> s) + 0.5) * size;
      this.touch(level, key, org, combo, slot, delta, px, py);
      this.touch(level, key, EVERY_ORG, combo, slot, delta, px, py);
    }
  }

  /**
   * A move within the same state: from the finest cluster level up, only the levels whose
   * centroid sub-cell changed; the first unchanged one ends it (coarser sub-cells contain it).
   */
  private move(slot: number, oqx: number, oqy: number, nqx: number, nqy: number): void {
    const org = this.rec.org(slot);
    const combo = this.rec.combo(slot);
    for (let z = this.countMaxZoom; z >= 0; z--) {
      const level = z + GRID_BITS;
      const s = Q - Math.min(Q, level + SUB_BITS);
      const osx = oqx >> s;
      const osy = oqy >> s;
      const nsx = nqx >> s;
      const nsy = nqy >> s;
      if (osx === nsx && osy === nsy) return;
      const ls = Q - level;
      const n = (1 << level);
      const size = (1 << s);
      const oldKey = (oqx >> ls) * n + (oqy >> ls);
      const newKey = (nqx >> ls) * n + (nqy >> ls);
      this.touch(level, oldKey, org, combo, slot, -1, (osx + 0.5) * size, (osy + 0.5) * size);
      this.touch(level, newKey, org, combo, slot, 1, (nsx + 0.5) * size, (nsy + 0.5) * size);
      this.touch(level, oldKey, EVERY_ORG, combo, slot, -1, (osx + 0.5) * size, (osy + 0.5) * size);
      this.touch(level, newKey, EVERY_ORG, combo, slot, 1, (nsx + 0.5) * size, (nsy + 0.5) * size);
    }
  }

  /** One slot in or out of the (cell, org) row at a level; `px, py`: its centroid point, quantum units. */
  private touch(level: number, key: number, org: number, combo: number, slot: number, delta: 1 | -1, px: number, py: number): void {
    const map = this.cells[level]!;
    const every = org === EVERY_ORG;
    let row = this.rowOf.get(level, key, org);
    if (row === NONE) {
      if (delta === -1) throw new Error(`live index: no row for slot ${slot} at level ${level}`);
      row = this.allocRow(org);
      if (org !== EVERY_ORG) {
        this.rowWords[row * ROW_WORDS + NEXT] = map.get(key) ?? NONE;
        map.set(key, row);
      }
      this.rowOf.set(level, key, org, row);
    }
    this.rowWords[row * ROW_WORDS + combo]! += delta;
    this.rowWords[row * ROW_WORDS + TOTAL]! += delta;
    this.rowWords[row * ROW_WORDS + XOR]! ^= slot;
    this.rowSums[row * ROW_SUMS + SUM_X]! += delta * px;
    this.rowSums[row * ROW_SUMS + SUM_Y]! += delta * py;
    if (this.rowWords[row * ROW_WORDS + TOTAL] !== 0) return;
    this.rowOf.delete(level, key, org);
    if (every) return this.releaseRow(row);
    // empty: unlink from the cell's chain (rare, so a walk is fine) and free it
    const head = map.get(key)!;
    if (head === row) {
      const next = this.rowWords[row * ROW_WORDS + NEXT]!;
      if (next === NONE) map.delete(key);
      else map.set(key, next);
    } else {
      let prev = head;
      while (this.rowWords[prev * ROW_WORDS + NEXT] !== row) prev = this.rowWords[prev * ROW_WORDS + NEXT]!;
      this.rowWords[prev * ROW_WORDS + NEXT] = this.rowWords[row * ROW_WORDS + NEXT]!;
    }
    this.releaseRow(row);
  }

  private allocRow(org: number): number {
    let row = this.freeRow;
    if (row !== NONE) this.freeRow = this.rowWords[row * ROW_WORDS + NEXT]!;
    else {
      if (this.rowsUsed + 1 > this.rowCap) this.growRows();
      row = this.rowsUsed;
    }
    this.rowsUsed++;
    this.rowWords.fill(0, row * ROW_WORDS, (row + 1) * ROW_WORDS);
    this.rowWords[row * ROW_WORDS + ORG] = org;
    this.rowWords[row * ROW_WORDS + NEXT] = NONE;
    return row;
  }

  private releaseRow(row: number): void {
    this.rowWords[row * ROW_WORDS + NEXT] = this.freeRow;
    this.freeRow = row;
    this.rowsUsed--;
  }

  private growRows(): void {
    // rows are handed out in order until the first free; the pool grows by half
    const c = Math.ceil(this.rowCap * 1.5);
    const words = new Int32Array(c * ROW_WORDS);
    words.set(this.rowWords);
    this.rowWords = words;
    this.rowSums = new Float64Array(words.buffer);
    this.rowCap = c;
  }

  private bucketKey(slot: number): number {
    const shift = Q - BUCKET_LEVEL;
    return (this.rec.qx(slot) >> shift) * (1 << BUCKET_LEVEL) + (this.rec.qy(slot) >> shift);
  }

  private bucketAdd(slot: number): void {
    const key = this.bucketKey(slot);
    const head = this.buckets.get(key);
    this.rec.setPrev(slot, NONE);
    this.rec.setNext(slot, head ?? NONE);
    if (head !== undefined) this.rec.setPrev(head, slot);
    this.buckets.set(key, slot);
  }

  private bucketRemove(slot: number, key: number): void {
    const prev = this.rec.prev(slot);
    const next = this.rec.next(slot);
    if (next !== NONE) this.rec.setPrev(next, prev);
    if (prev !== NONE) this.rec.setNext(prev, next);
    else if (next === NONE) this.buckets.delete(key);
    else this.buckets.set(key, next);
  }
}

export interface CellSummary {
  level: number;
  cx: number;
  cy: number;
  key: number;
  /** selected terminals in the cell */
  count: number;
  /** of which in alarm */
  alarms: number;
  /** selected terminals per category index (reused between visits: copy what you keep) */
  byCategory: Int32Array;
  /** centroid, world units */
  wx: number;
  wy: number;
  /** the one terminal's slot when the cell holds exactly one (before filters), else -1 */
  single: number;
}

