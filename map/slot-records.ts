/**
 * The live index's per-terminal records: one 64-byte record (a cache line) per slot in one
 * buffer, read and written through named accessors, so no caller computes an offset. An update
 * and a tile's walk over a bucket touch one line per terminal, not one per field.
 *
 * Layout (bytes):  0 lng  8 lat  16 last seen  24 fix time   (float64)
 *                 32 speed                                   (float32)
 *                 36 heading  38 quantum x  40 quantum y     (uint16)
 *                 42 combo (category*4 + online*2 + alarm)  43 static  (uint8)
 *                 44 org id (uint32)  48 next  52 previous slot in the bucket (int32)
 *                 56 session ended at (float64; 0: never)
 * The accessors are one typed-array access each (V8 inlines them): as fast as the bare offsets.
 */
export const SLOT_BYTES = 64;

// indexes in units of each view's element: slot * (64 / size) + byte offset / size
const F_LNG = 0;
const F_LAT = 1;
const F_SEEN = 2;
const F_FIX = 3;
const F_GONE = 7;
const F32_SPEED = 8;
const U16_HEADING = 18;
const U16_QX = 19;
const U16_QY = 20;
const U8_COMBO = 42;
const U8_STATIC = 43;
const U32_ORG = 11;
const I32_NEXT = 12;
const I32_PREV = 13;

export class SlotRecords {
  private f64!: Float64Array;
  private f32!: Float32Array;
  private u16!: Uint16Array;
  private u8!: Uint8Array;
  private u32!: Uint32Array;
  private i32!: Int32Array;

  constructor(public capacity: number) {
    this.views(new ArrayBuffer(capacity * SLOT_BYTES));
  }

  /** Doubles the capacity, records kept. */
  grow(): void {
    const old = this.u8;
    this.capacity *= 2;
    this.views(new ArrayBuffer(this.capacity * SLOT_BYTES));
    this.u8.set(old);
  }

  private views(buffer: ArrayBuffer): void {
    this.f64 = new Float64Array(buffer);
    this.f32 = new Float32Array(buffer);
    this.u16 = new Uint16Array(buffer);
    this.u8 = new Uint8Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.i32 = new Int32Array(buffer);
  }

  lng(s: number): number {
    return this.f64[s * 8 + F_LNG]!;
  }

  lat(s: number): number {
    return this.f64[s * 8 + F_LAT]!;
  }

  /** last heard from (receive time, ms): decides online */
  seen(s: number): number {
    return this.f64[s * 8 + F_SEEN]!;
  }

  /** the fix's own time (ms): a later report with an earlier fix is a late frame */
  fix(s: number): number {
    return this.f64[s * 8 + F_FIX]!;
  }

  speed(s: number): number {
    return this.f32[s * 16 + F32_SPEED]!;
  }

  heading(s: number): number {
    return this.u16[s * 32 + U16_HEADING]!;
  }

  setSeen(s: number, ms: number): void {
    this.f64[s * 8 + F_SEEN] = ms;
  }

  /** when its session last ended (presence offline, receive time ms; 0: never): a report received before it is not a sign of life */
  gone(s: number): number {
    return this.f64[s * 8 + F_GONE]!;
  }

  setGone(s: number, ms: number): void {
    this.f64[s * 8 + F_GONE] = ms;
  }

  /** The fields a report sets on every update. */
  setReport(s: number, lng: number, lat: number, heading: number, speed: number, seenMs: number, fixMs: number): void {
    this.f64[s * 8 + F_FIX] = fixMs;
    this.f64[s * 8 + F_LNG] = lng;
    this.f64[s * 8 + F_LAT] = lat;
    this.u16[s * 32 + U16_HEADING] = heading;
    this.f32[s * 16 + F32_SPEED] = speed;
    this.f64[s * 8 + F_SEEN] = seenMs;
  }

  /** quantum x, y: the level-16 Web Mercator cell */
  qx(s: number): number {
    return this.u16[s * 32 + U16_QX]!;
  }

  qy(s: number): number {
    return this.u16[s * 32 + U16_QY]!;
  }

  setQuantum(s: number, qx: number, qy: number): void {
    this.u16[s * 32 + U16_QX] = qx;
    this.u16[s * 32 + U16_QY] = qy;
  }

  /** category*4 + online*2 + alarm: the row counter the slot adds to */
  combo(s: number): number {
    return this.u8[s * 64 + U8_COMBO]!;
  }

  setCombo(s: number, combo: number): void {
    this.u8[s * 64 + U8_COMBO] = combo;
  }

  /** a static resource (always online) */
  isStatic(s: number): boolean {
    return this.u8[s * 64 + U8_STATIC] === 1;
  }

  setStatic(s: number, isStatic: boolean): void {
    this.u8[s * 64 + U8_STATIC] = isStatic ? 1 : 0;
  }

  /** interned org unit id */
  org(s: number): number {
    return this.u32[s * 16 + U32_ORG]!;
  }

  setOrg(s: number, org: number): void {
    this.u32[s * 16 + U32_ORG] = org;
  }

  /** next slot in the bucket's list (-1: none) */
  next(s: number): number {
    return this.i32[s * 16 + I32_NEXT]!;
  }

  setNext(s: number, next: number): void {
    this.i32[s * 16 + I32_NEXT] = next;
  }

  /** previous slot in the bucket's list (-1: the head) */
  prev(s: number): number {
    return this.i32[s * 16 + I32_PREV]!;
  }

  setPrev(s: number, prev: number): void {
    this.i32[s * 16 + I32_PREV] = prev;
  }
}
