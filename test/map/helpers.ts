/** A gateway with a device registry in two districts, three tokens, and helpers to read tiles. */
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import type { Test } from 'tap';
import { latLngToCell, cellToParent } from 'h3-js';
import type { Config } from '../../server/config.js';
import type { GatewayEvent, Position } from '../../events/model.js';
import type { Server } from '../../server/server.js';
import type { EventSink } from '../../events/sink.js';
import { startTestServer, testConfig } from '../gateway/helpers/server.js';

/** Every right: these tests are about scope (rights: test/security/open-by-default.test.ts). */
const ALL: ('read' | 'command' | 'admin')[] = ['read', 'command', 'admin'];
export const TOKENS = {
  city: { token: 'city-token-0123456789', org: 'wuhan', rights: ALL },
  jianghan: { token: 'jianghan-token-0123456789', org: 'wuhan/jianghan', rights: ALL },
  wuchang: { token: 'wuchang-token-0123456789', org: 'wuhan/wuchang', rights: ALL },
};

/** Terminals of the registry: 20 in Jianghan (vehicles and bodycams), 10 in Wuchang (handhelds). */
export const JIANGHAN = Array.from({ length: 20 }, (_, i) => ({ terminal: String(13800000000 + i), category: i % 2 === 0 ? 'vehicle' : 'bodycam', org: `wuhan/jianghan/squad-${i % 3}` }));
export const WUCHANG = Array.from({ length: 10 }, (_, i) => ({ terminal: String(13900000000 + i), category: 'handheld', org: 'wuhan/wuchang' }));
export const CAMERA = { id: 'cam-17', kind: 'fixedcam', org: 'wuhan/jianghan', lat: 30.585, lng: 114.275, name: 'Jianghan Rd north' };

/** Collects every event the gateway publishes (a sink like Kafka). */
export class CollectingSink implements EventSink {
  readonly name = 'collect';
  readonly events: GatewayEvent[] = [];
  async publish(events: readonly GatewayEvent[]): Promise<void> {
    this.events.push(...events);
  }
  async close(): Promise<void> {}
}

export async function startMapServer(t: Test, options: { tokens?: boolean; map?: Partial<Config['map']>; jt808?: Partial<Config['jt808']> } = {}): Promise<{ server: Server; base: string; sink: CollectingSink }> {
  const probe = testConfig();
  const devices = `${probe.dataDir}/devices.json`;
  writeFileSync(devices, JSON.stringify({ terminals: [...JIANGHAN, ...WUCHANG], resources: [CAMERA] }));
  const sink = new CollectingSink();
  const server = await startTestServer(t, { devices, api: { tokens: options.tokens === false ? [] : Object.values(TOKENS) }, ...(options.map ? { map: options.map } : {}), ...(options.jt808 ? { jt808: options.jt808 } : {}) }, [sink]);
  return { server, base: `http://127.0.0.1:${server.ports.http}`, sink };
}

export function position(terminal: string, category: string, org: string, lat: number, lng: number, over: Partial<Position> = {}): Position {
  const now = new Date().toISOString();
  const h3 = latLngToCell(lat, lng, 9);
  return {
    terminal,
    category: category as Position['category'],
    org,
    time: now,
    receivedAt: now,
    lat,
    lng,
    speed: 30,
    heading: 90,
    altitude: 0,
    alarm: 0,
    status: 3,
    alarms: [],
    flags: ['acc', 'fix'],
    extras: {},
    h3,
    h3Parents: { '7': cellToParent(h3, 7), '5': cellToParent(h3, 5) },
    valid: true,
    backfill: false,
    ...over,
  };
}

export async function get(base: string, path: string, token?: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(base + path, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
}

export interface DecodedFeature {
  id: number | undefined;
  props: Record<string, number | string | boolean>;
  x: number;
  y: number;
}

export function decodeMvt(bytes: Uint8Array): { layers: Record<string, { version: number; extent: number; features: DecodedFeature[] }> } {
  const tile = new VectorTile(new PbfReader(bytes));
  const layers: Record<string, { version: number; extent: number; features: DecodedFeature[] }> = {};
  for (const [name, layer] of Object.entries(tile.layers)) {
    const features: DecodedFeature[] = [];
    for (let i = 0; i < layer.length; i++) {
      const f = layer.feature(i);
      const g = f.loadGeometry()[0]![0]!;
      features.push({ id: f.id, props: f.properties, x: g.x, y: g.y });
    }
    layers[name] = { version: layer.version, extent: layer.extent, features };
  }
  return { layers };
}

export async function mvt(res: Response): Promise<ReturnType<typeof decodeMvt>> {
  // fetch decodes Content-Encoding itself; rawGet below sees the wire bytes
  return decodeMvt(new Uint8Array(await res.arrayBuffer()));
}

/** The tile at zoom z holding a lng/lat. */
export function tileOf(lng: number, lat: number, z: number): [number, number] {
  const n = 2 ** z;
  const x = Math.floor(((lng + 180) / 360) * n);
  const s = Math.sin((lat * Math.PI) / 180);
  const y = Math.floor((0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * n);
  return [x, y];
}

/** Sum of point_count over clusters plus singles in a decoded "clusters" layer. */
export function terminalsIn(features: DecodedFeature[]): number {
  return features.reduce((n, f) => n + (f.props.cluster ? (f.props.point_count as number) : 1), 0);
}

/** A GET that leaves the body as sent (no decompression): status, headers, bytes. */
export function rawGet(base: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(base + path, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}
