/**
 * Mapbox Vector Tile 2.1 writer for features already placed in tile units, on pbf.
 *
 * It writes what vt-pbf's fromGeojsonVt writes, byte for byte (test/map/mvt-writer.test.ts
 * checks it against vt-pbf): layers in order, each with version, name, extent, its features
 * (id, tags, type, geometry), then its keys and values in first-seen order. It exists because
 * vt-pbf goes through a vector-tile-js wrapper per feature, a Point per vertex and a
 * `typeof + ':' + value` string per property value, which made encoding a third of an
 * uncached cluster tile; here values are deduplicated through one Map per value type.
 */
import { PbfWriter } from 'pbf';

export type TagValue = string | number | boolean;

export interface MvtFeature {
  /** numeric feature id (uint); none when undefined */
  id?: number | undefined;
  /** 1 point, 2 line, 3 polygon */
  type: 1 | 2 | 3;
  /** point: [[x, y], ...]; line or polygon: rings of [x, y] (polygon rings closed) */
  geometry: [number, number][] | [number, number][][];
  tags: Readonly<Record<string, TagValue | null | undefined>>;
}

export interface MvtLayer {
  name: string;
  features: readonly MvtFeature[];
}

interface LayerContext {
  layer: MvtLayer;
  feature: MvtFeature;
  keys: string[];
  keyIndex: Map<string, number>;
  values: TagValue[];
  strings: Map<string, number>;
  numbers: Map<number, number>;
  booleans: [number, number];
}

/** Encodes the layers (empty ones included as given) as one tile. */
export function writeMvt(layers: readonly MvtLayer[], extent = 4096, version = 2): Uint8Array {
  const pbf = new PbfWriter();
  for (const layer of layers) {
    const ctx: LayerContext = { layer, feature: undefined as unknown as MvtFeature, keys: [], keyIndex: new Map(), values: [], strings: new Map(), numbers: new Map(), booleans: [-1, -1] };
    pbf.writeMessage(3, writeLayer, { ctx, extent, version });
  }
  return pbf.finish();
}

function writeLayer({ ctx, extent, version }: { ctx: LayerContext; extent: number; version: number }, pbf: PbfWriter): void {
  pbf.writeVarintField(15, version);
  pbf.writeStringField(1, ctx.layer.name);
  pbf.writeVarintField(5, extent);
  for (const feature of ctx.layer.features) {
    ctx.feature = feature;
    pbf.writeMessage(2, writeFeature, ctx);
  }
  for (const key of ctx.keys) pbf.writeStringField(3, key);
  for (const value of ctx.values) pbf.writeMessage(4, writeValue, value);
}

function writeFeature(ctx: LayerContext, pbf: PbfWriter): void {
  const f = ctx.feature;
  if (typeof f.id === 'number') pbf.writeVarintField(1, f.id);
  pbf.writeMessage(2, writeTags, ctx);
  pbf.writeVarintField(3, f.type);
  pbf.writeMessage(4, writeGeometry, f);
}

function writeTags(ctx: LayerContext, pbf: PbfWriter): void {
  const tags = ctx.feature.tags;
  for (const key in tags) {
    const value = tags[key];
    if (value === null || value === undefined) continue;
    let k = ctx.keyIndex.get(key);
    if (k === undefined) {
      k = ctx.keys.push(key) - 1;
      ctx.keyIndex.set(key, k);
    }
    pbf.writeVarint(k);
    pbf.writeVarint(valueIndex(ctx, value));
  }
}

/** The index of `value` in the layer's value table, added the first time it is seen. */
function interned<V extends number | string>(ctx: LayerContext, seen: Map<V, number>, value: V): number {
  let v = seen.get(value);
  if (v === undefined) {
    v = ctx.values.push(value) - 1;
    seen.set(value, v);
  }
  return v;
}

function valueIndex(ctx: LayerContext, value: TagValue): number {
  if (typeof value === 'number') return interned(ctx, ctx.numbers, value);
  if (typeof value === 'string') return interned(ctx, ctx.strings, value);
  const slot = value ? 0 : 1;
  if (ctx.booleans[slot] < 0) ctx.booleans[slot] = ctx.values.push(value) - 1;
  return ctx.booleans[slot];
}

const command = (cmd: number, length: number) => (length << 3) + (cmd & 0x7);
const zigzag = (n: number) => (n << 1) ^ (n >> 31);

function writeGeometry(f: MvtFeature, pbf: PbfWriter): void {
  const rings = (f.type === 1 ? [f.geometry] : f.geometry) as [number, number][][];
  let x = 0;
  let y = 0;
  for (const ring of rings) {
    pbf.writeVarint(command(1, f.type === 1 ? ring.length : 1)); // MoveTo
    // a polygon's closing vertex is a ClosePath, not a LineTo
    const n = f.type === 3 ? ring.length - 1 : ring.length;
    for (let i = 0; i < n; i++) {
      if (i === 1 && f.type !== 1) pbf.writeVarint(command(2, n - 1)); // LineTo
      const dx = ring[i]![0] - x;
      const dy = ring[i]![1] - y;
      pbf.writeVarint(zigzag(dx));
      pbf.writeVarint(zigzag(dy));
      x += dx;
      y += dy;
    }
    if (f.type === 3) pbf.writeVarint(command(7, 1)); // ClosePath
  }
}

function writeValue(value: TagValue, pbf: PbfWriter): void {
  if (typeof value === 'string') pbf.writeStringField(1, value);
  else if (typeof value === 'boolean') pbf.writeBooleanField(7, value);
  else if (value % 1 !== 0) pbf.writeDoubleField(3, value);
  else if (value < 0) pbf.writeSVarintField(6, value);
  else pbf.writeVarintField(5, value);
}
