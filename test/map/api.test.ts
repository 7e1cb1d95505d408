/**
 * The live command-map API end to end: terminals sent through real JT/T 808 sessions and the
 * sink API, tiles decoded with @mapbox/vector-tile and counted against what was sent, scope
 * isolation on every endpoint, validators, cases, SSE, tracks and CRS shifts.
 */
import { cellToParent, getResolution, latLngToCell } from 'h3-js';
import t from 'tap';
import type { Test } from 'tap';
import { until } from '../gateway/helpers/http.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';
import { CAMERA, JIANGHAN, TOKENS, WUCHANG, get, mvt, position, rawGet, startMapServer, terminalsIn, tileOf } from './helpers.js';
import type { DecodedFeature } from './helpers.js';
import type { GatewayEvent } from '../../events/model.js';
import type { Server } from '../../server/server.js';

const LAT = 30.58;
const LNG = 114.27;
const jhLat = (i: number) => LAT + i * 0.0007;
const jhLng = (i: number) => LNG + i * 0.0007;
const wcLat = (i: number) => 30.54 + i * 0.0007;
const wcLng = (i: number) => 114.31 + i * 0.0007;

/** 3 Jianghan terminals through real TCP sessions, the rest through the sink API; two in alarm. */
async function feed(t: Test, server: Server): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const term = await TestTerminal.tcp(server.ports.jt808, { phone: `0${JIANGHAN[i]!.terminal}` });
    t.teardown(() => term.close());
    await term.login();
    const s = term.send(0x0200, locationBody({ lat: jhLat(i), lng: jhLng(i), alarm: i === 0 ? 1 : 0 }));
    await term.ackOf(s);
  }
  const events: GatewayEvent[] = [];
  JIANGHAN.slice(3).forEach((d, k) => {
    const i = k + 3;
    events.push({ kind: 'position', position: position(d.terminal, d.category, d.org, jhLat(i), jhLng(i), { alarm: i === 5 ? 4 : 0 }) });
  });
  WUCHANG.forEach((d, i) => events.push({ kind: 'position', position: position(d.terminal, d.category, d.org, wcLat(i), wcLng(i)) }));
  await server.map.publish(events);
}

/** Every feature of the clusters layer over the tiles at zoom z that hold the points given. */
async function singlesAt(base: string, token: string, z: number, points: [number, number][], query = ''): Promise<Map<string, DecodedFeature>> {
  const tiles = new Set(points.map(([lng, lat]) => tileOf(lng, lat, z).join('/')));
  const seen = new Map<string, DecodedFeature>();
  for (const tile of tiles) {
    const res = await get(base, `/tiles/clusters/${z}/${tile}.mvt${query}`, token);
    if (res.status === 204) continue;
    const d = await mvt(res);
    const [tx, ty] = tile.split('/').map(Number) as [number, number];
    for (const f of d.layers.clusters?.features ?? []) {
      // buffer features belong to the neighbour: keep those inside this tile
      if (f.x < 0 || f.y < 0 || f.x >= 4096 || f.y >= 4096) continue;
      seen.set(String(f.props.id ?? `${tx}/${ty}/${f.id}`), f);
    }
  }
  return seen;
}

t.test('cluster tiles count exactly the terminals sent, per category and scope', async (t) => {
  const { server, base } = await startMapServer(t);
  await feed(t, server);
  const [x, y] = tileOf(LNG, LAT, 10);
  const z10 = `/tiles/clusters/10/${x}/${y}.mvt`;

  const city = await mvt(await get(base, z10, TOKENS.city.token));
  const layer = city.layers.clusters!;
  t.equal(layer.version, 2, 'layer version 2');
  t.equal(layer.extent, 4096, 'extent 4096');
  t.equal(terminalsIn(layer.features), 31, 'city: 30 terminals and the fixed camera');
  const sum = (k: string) => layer.features.reduce((n, f) => n + ((f.props[k] as number | undefined) ?? (f.props.category === k.slice(2) ? 1 : 0)), 0);
  t.same([sum('n_vehicle'), sum('n_bodycam'), sum('n_handheld'), sum('n_fixedcam')], [10, 10, 10, 1], 'per-category counts');
  for (const f of layer.features.filter((f) => f.props.cluster)) {
    t.ok(Number(f.props.expansion_zoom) > 10, 'expansion_zoom above the tile zoom');
    t.equal(f.props.point_count_abbreviated, String(f.props.point_count));
    t.equal(f.props.cluster_id, f.id, 'cluster_id is the feature id');
  }

  t.equal(terminalsIn((await mvt(await get(base, z10, TOKENS.jianghan.token))).layers.clusters!.features), 21, 'Jianghan sees its 20 and its camera');
  t.equal(terminalsIn((await mvt(await get(base, z10, TOKENS.wuchang.token))).layers.clusters!.features), 10, 'Wuchang sees its 10');
  t.equal(terminalsIn((await mvt(await get(base, `${z10}?category=vehicle`, TOKENS.city.token))).layers.clusters!.features), 10, 'category filter');
  t.equal(terminalsIn((await mvt(await get(base, `${z10}?alarm=true`, TOKENS.city.token))).layers.clusters!.features), 2, 'alarm filter: the two in alarm');
  t.equal((await get(base, `${z10}?online=false`, TOKENS.city.token)).status, 204, 'online filter: nobody is offline, and an empty tile is a 204');
  t.equal(terminalsIn((await mvt(await get(base, `${z10}?org=wuhan/jianghan/squad-0`, TOKENS.city.token))).layers.clusters!.features), 7, 'org filter: a squad');
  t.equal((await get(base, `${z10}?org=wuhan/jianghan`, TOKENS.wuchang.token)).status, 204, 'an org filter never widens the scope');

  const geo = (await (await get(base, `/tiles/clusters/10/${x}/${y}.geojson`, TOKENS.city.token)).json()) as { features: { properties: Record<string, unknown> }[] };
  t.equal(
    geo.features.filter((f) => f.properties.layer === 'clusters').reduce((n, f) => n + (f.properties.cluster ? (f.properties.point_count as number) : 1), 0),
    31,
    'GeoJSON carries the same counts',
  );

  // above clusterMaxZoom (12): one feature per terminal, with its attributes
  const points: [number, number][] = [...JIANGHAN.map((_, i) => [jhLng(i), jhLat(i)] as [number, number]), ...WUCHANG.map((_, i) => [wcLng(i), wcLat(i)] as [number, number]), [CAMERA.lng, CAMERA.lat]];
  const singles = await singlesAt(base, TOKENS.city.token, 15, points);
  t.same([...singles.keys()].sort(), [...JIANGHAN.map((d) => d.terminal), ...WUCHANG.map((d) => d.terminal), CAMERA.id].sort(), 'z15: every terminal once, by id');
  const first = singles.get(JIANGHAN[0]!.terminal)!;
  t.match(first.props, { id: JIANGHAN[0]!.terminal, category: 'vehicle', heading: 90, online: true, alarm: true }, 'a real session terminal: category from the registry, alarm from the alarm word');
  t.equal(first.props.speed, 36.5);
  t.equal(singles.get(CAMERA.id)!.props.category, 'fixedcam', 'registry resources appear as fixedcam');
  const jh = await singlesAt(base, TOKENS.jianghan.token, 15, points);
  t.notOk([...jh.keys()].some((id) => WUCHANG.some((d) => d.terminal === id)), 'Jianghan never sees a Wuchang terminal at high zoom');
});

t.test('decimation keeps a tile under the feature cap, alarms first', async (t) => {
  const { server, base } = await startMapServer(t, { tokens: false, map: { maxFeatures: 50 } });
  const events: GatewayEvent[] = Array.from({ length: 400 }, (_, i) => ({ kind: 'position', position: position(String(15000000000 + i), 'vehicle', 'wuhan/x', LAT + (i % 20) * 0.0001, LNG + Math.floor(i / 20) * 0.0001, { alarm: i < 5 ? 1 : 0 }) }));
  await server.map.publish(events);
  const [x, y] = tileOf(LNG, LAT, 16);
  const d = await mvt(await get(base, `/tiles/clusters/16/${x}/${y}.mvt`));
  t.ok(d.layers.clusters!.features.length <= 50, `${d.layers.clusters!.features.length} features at most the cap`);
  t.equal(d.layers.clusters!.features.filter((f) => f.props.alarm === true).length, 5, 'every alarm kept');
});

t.test('ETag and 304, gzip, TileJSON with a data version', async (t) => {
  const { server, base } = await startMapServer(t);
  await feed(t, server);
  const [x, y] = tileOf(LNG, LAT, 10);
  const path = `/tiles/clusters/10/${x}/${y}.mvt`;
  const auth = { authorization: `Bearer ${TOKENS.city.token}` };
  const plain = await rawGet(base, path, auth);
  t.equal(plain.status, 200);
  t.equal(plain.headers['content-type'], 'application/vnd.mapbox-vector-tile');
  const etag = plain.headers.etag as string;
  t.match(etag, /^"[^"]+"$/, 'a strong ETag');
  const zipped = await rawGet(base, path, { ...auth, 'accept-encoding': 'gzip' });
  t.equal(zipped.headers['content-encoding'], 'gzip', 'gzip when accepted');
  t.equal(zipped.body[0], 0x1f, 'gzip magic');
  t.not(zipped.headers.etag, etag, 'the gzip representation has its own tag');
  t.equal((await rawGet(base, path, { ...auth, 'if-none-match': etag })).status, 304, '304 for the current tag');
  t.equal((await rawGet(base, path, { ...auth, 'if-none-match': zipped.headers.etag as string, 'accept-encoding': 'gzip' })).status, 304, '304 for the gzip tag');
  t.equal((await rawGet(base, path, { ...auth, 'if-none-match': '"stale"' })).status, 200, '200 for another tag');

  const tj = (await (await get(base, '/tiles/clusters.json?category=vehicle,bodycam', TOKENS.city.token)).json()) as { tilejson: string; tiles: string[]; vector_layers: { id: string }[] };
  t.equal(tj.tilejson, '3.0.0');
  t.match(tj.tiles[0], /\/tiles\/clusters\/\{z\}\/\{x\}\/\{y\}\.mvt\?.*category=vehicle%2Cbodycam.*v=\d+/, 'tile URL carries the filters and a data version');
  t.same(tj.vector_layers.map((l) => l.id), ['clusters', 'cases']);
  const v1 = Number(/v=(\d+)/.exec(tj.tiles[0]!)![1]);
  await server.map.publish([{ kind: 'position', position: position(JIANGHAN[4]!.terminal, 'vehicle', JIANGHAN[4]!.org, 30.6, 114.3) }]);
  const tj2 = (await (await get(base, '/tiles/clusters.json', TOKENS.city.token)).json()) as { tiles: string[] };
  t.ok(Number(/v=(\d+)/.exec(tj2.tiles[0]!)![1]) > v1, 'the data version moves with the data');
  // what exists in the token's scope, per category (the page caps its counts with these): the fixtures, counted here
  const totals = async (token: string) => ((await (await get(base, '/tiles/clusters.json', token)).json()) as { dipper_totals: Record<string, number> }).dipper_totals;
  const count = (list: { category: string }[], c: string) => list.filter((d) => d.category === c).length;
  t.same(await totals(TOKENS.city.token), { total: JIANGHAN.length + WUCHANG.length + 1, vehicle: count(JIANGHAN, 'vehicle'), bodycam: count(JIANGHAN, 'bodycam'), handheld: WUCHANG.length, fixedcam: 1, unknown: 0 }, 'the city: every terminal and the camera');
  t.same(await totals(TOKENS.jianghan.token), { total: JIANGHAN.length + 1, vehicle: count(JIANGHAN, 'vehicle'), bodycam: count(JIANGHAN, 'bodycam'), handheld: 0, fixedcam: 1, unknown: 0 }, "Jianghan: its own, never Wuchang's");
  const heat = (await (await get(base, '/tiles/heat.json', TOKENS.city.token)).json()) as { vector_layers: { id: string }[] };
  t.same(heat.vector_layers.map((l) => l.id), ['positions', 'alarms', 'cases']);
});

t.test('heat tiles: absolute counts per H3 cell, scoped, edge cells in both tiles', async (t) => {
  const { server, base } = await startMapServer(t);
  await feed(t, server);
  const [x, y] = tileOf(LNG, LAT, 9);
  const count = async (token: string, query = '') => {
    const res = await get(base, `/tiles/heat/9/${x}/${y}.mvt${query}`, token);
    if (res.status === 204) return 0;
    const d = await mvt(res);
    return (d.layers.positions?.features ?? []).reduce((n, f) => n + (f.props.count as number), 0);
  };
  t.equal(await count(TOKENS.city.token), 30, 'city: 30 positions in the window');
  t.equal(await count(TOKENS.jianghan.token), 20, 'Jianghan: its own 20');
  t.equal(await count(TOKENS.wuchang.token), 10, 'Wuchang: its own 10');
  const d = await mvt(await get(base, `/tiles/heat/9/${x}/${y}.mvt?layers=positions&res=7`, TOKENS.city.token));
  t.ok(d.layers.positions!.features.every((f) => f.props.res === 7), 'res override');
  t.notOk(d.layers.alarms, 'only the layers asked for');
  const hex = (await (await get(base, `/tiles/heat/9/${x}/${y}.geojson?geom=hex`, TOKENS.city.token)).json()) as { features: { geometry: { type: string }; properties: { layer: string } }[] };
  t.ok(hex.features.length > 0 && hex.features.every((f) => f.geometry.type === 'Polygon'), 'hexagons on request');
  t.ok(hex.features.some((f) => f.properties.layer === 'alarms'), 'the alarm edges of the session terminal feed the alarms layer');

  // a cell on a tile edge: find the z14 tiles around one cell and check both carry it
  const z = 14;
  const [tx, ty] = tileOf(LNG, LAT, z);
  const cellsOf = async (ax: number, ay: number) => {
    const res = await get(base, `/tiles/heat/${z}/${ax}/${ay}.geojson?layers=positions&res=7`, TOKENS.city.token);
    if (res.status === 204) return new Set<string>();
    return new Set(((await res.json()) as { features: { properties: { h3: string } }[] }).features.map((f) => f.properties.h3));
  };
  const here = await cellsOf(tx, ty);
  const neighbours = [await cellsOf(tx + 1, ty), await cellsOf(tx - 1, ty), await cellsOf(tx, ty + 1), await cellsOf(tx, ty - 1)];
  t.ok(neighbours.some((n) => [...here].some((c) => n.has(c))), 'a res-7 cell (5 km² hexes, larger than a z14 tile) appears in neighbouring tiles');
});

t.test('heat resolution by zoom is the README table, ?res= is served as asked, a res finer than stored is a 400 naming it', async (t) => {
  const { server, base } = await startMapServer(t);
  await feed(t, server);
  const points: [number, number][] = [...JIANGHAN.map((_, i) => [jhLng(i), jhLat(i)] as [number, number]), ...WUCHANG.map((_, i) => [wcLng(i), wcLat(i)] as [number, number])];
  /** every cell of the positions layer over the tiles at zoom z that hold the points: h3 -> count */
  const cellsAt = async (z: number, query = '') => {
    const out = new Map<string, number>();
    for (const tile of new Set(points.map(([lng, lat]) => tileOf(lng, lat, z).join('/')))) {
      const res = await get(base, `/tiles/heat/${z}/${tile}.geojson?layers=positions${query}`, TOKENS.city.token);
      if (res.status === 204) continue;
      for (const f of ((await res.json()) as { features: { properties: { h3: string; count: number } }[] }).features) out.set(f.properties.h3, f.properties.count);
    }
    return out;
  };
  /** what h3-js says the cells are: each point's res-9 cell (the normaliser's) and its parent at res */
  const expected = (res: number) => {
    const m = new Map<string, number>();
    for (const [lng, lat] of points) {
      const cell = cellToParent(latLngToCell(lat, lng, 9), res);
      m.set(cell, (m.get(cell) ?? 0) + 1);
    }
    return m;
  };
  // README "Heat": | z | 0 | 1 | 2–3 | 4 | 5–6 | 7 | 8–9 | 10 | 11–12 | ≥ 13 | -> | res | 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 |
  const table: [number, number][] = [[7, 5], [8, 6], [9, 6], [10, 7], [11, 8], [12, 8], [13, 9]];
  for (const [z, res] of table) {
    const cells = await cellsAt(z);
    t.ok(cells.size > 0 && [...cells.keys()].every((c) => getResolution(c) === res), `z${z}: every cell is res ${res} (h3-js getResolution)`);
    t.same(Object.fromEntries(cells), Object.fromEntries(expected(res)), `z${z}: the cells and counts h3-js gives for the 30 positions`);
  }
  const asked = await cellsAt(9, '&res=8');
  t.same(Object.fromEntries(asked), Object.fromEntries(expected(8)), '?res=8 at z9: res-8 cells, not res 7');
  const refused = await get(base, '/tiles/heat/9/0/0.mvt?res=10', TOKENS.city.token);
  t.equal(refused.status, 400, '?res=10: finer than stored (h3.resolution 9)');
  t.match(await refused.text(), /res: 10 cannot be served/);
});

t.test('scope isolation on every endpoint; tokens; open health', async (t) => {
  const { server, base } = await startMapServer(t);
  await feed(t, server);
  const wc = WUCHANG[0]!.terminal;
  const jhToken = TOKENS.jianghan.token;

  t.equal((await get(base, '/api/terminals')).status, 401, 'no token: 401');
  t.equal((await get(base, '/api/terminals', 'not-a-token-at-all-xxxx')).status, 401, 'unknown token: 401');
  t.equal((await get(base, '/tiles/clusters/0/0/0.mvt')).status, 401, 'tiles need a token too');
  t.equal((await get(base, '/healthz')).status, 200, '/healthz open');
  t.equal((await get(base, '/metrics')).status, 401, '/metrics takes a token when tokens are configured (test/security/open-by-default.test.ts)');
  t.equal((await get(base, `/api/terminals?access_token=${jhToken}`)).status, 200, 'token in the query string');

  const list = (await (await get(base, '/api/terminals?limit=100', jhToken)).json()) as { total: number; items: { id: string; org: string }[] };
  t.equal(list.total, 21, 'list: Jianghan terminals and camera');
  t.ok(list.items.every((i) => i.org.startsWith('wuhan/jianghan')), 'list: only Jianghan');
  t.equal((await get(base, `/api/terminals/${wc}`, jhToken)).status, 404, 'detail: 404 outside the scope');
  t.equal((await get(base, `/api/terminals/${wc}`, TOKENS.wuchang.token)).status, 200, 'detail: 200 inside it');
  t.equal((await get(base, `/api/terminals/${wc}/track`, jhToken)).status, 404, 'track: 404 outside the scope');
  const cmd = await fetch(`${base}/api/terminals/${wc}/commands`, { method: 'POST', headers: { authorization: `Bearer ${jhToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ command: 'textMessage', body: { flag: 0, text: 'x' } }) });
  t.equal(cmd.status, 404, 'commands: 404 outside the scope');
  const live = (await (await get(base, '/api/live', jhToken)).json()) as { positions: { org: string }[]; resources: { org: string }[] };
  t.ok(live.positions.length > 0 && live.positions.every((p) => p.org.startsWith('wuhan/jianghan')), '/api/live: only Jianghan');
  const geo = (await get(base, `/tiles/clusters/15/${tileOf(wcLng(0), wcLat(0), 15).join('/')}.geojson`, jhToken)).status;
  t.equal(geo, 204, 'a Wuchang-only tile is empty for Jianghan');

  // cases: a Wuchang case is invisible to Jianghan
  const post = await fetch(`${base}/api/cases`, { method: 'POST', headers: { authorization: `Bearer ${TOKENS.wuchang.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: 'wc-1', type: 'theft', location: { lat: wcLat(0), lng: wcLng(0) }, time: new Date().toISOString() }) });
  t.equal(post.status, 201);
  t.equal(((await post.json()) as { org: string }).org, 'wuhan/wuchang', 'org defaults to the scope');
  t.equal(((await (await get(base, '/api/cases', jhToken)).json()) as { total: number }).total, 0, 'case list: none for Jianghan');
  t.equal((await get(base, '/api/cases/wc-1', jhToken)).status, 404, 'case detail: 404');
  const patch = await fetch(`${base}/api/cases/wc-1`, { method: 'PATCH', headers: { authorization: `Bearer ${jhToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ status: 'closed' }) });
  t.equal(patch.status, 404, 'case patch: 404');
  const [hx, hy] = tileOf(wcLng(0), wcLat(0), 10);
  const heat = await get(base, `/tiles/heat/10/${hx}/${hy}.mvt?layers=cases`, jhToken);
  t.equal(heat.status, 204, 'cases heat: nothing for Jianghan');
  const clusters = await mvt(await get(base, `/tiles/clusters/10/${hx}/${hy}.mvt`, jhToken));
  t.notOk(clusters.layers.cases, 'cases layer: nothing for Jianghan');
  t.equal((await mvt(await get(base, `/tiles/clusters/10/${hx}/${hy}.mvt`, TOKENS.city.token))).layers.cases!.features.length, 1, 'the city sees the case');
  t.equal(server.map.cases.size, 1);
});

t.test('cases: create, list, change; published to the sinks; validation', async (t) => {
  const { server, base, sink } = await startMapServer(t, { tokens: false });
  const send = (method: string, path: string, body: unknown) => fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const body = { id: 'c-1', type: 'traffic', location: { lat: LAT, lng: LNG }, time: '2026-11-24T08:00:00+08:00', org: 'wuhan/jianghan', description: '追尾' };
  const created = await send('POST', '/api/cases', body);
  t.equal(created.status, 201);
  const c = (await created.json()) as Record<string, unknown>;
  t.match(c, { id: 'c-1', status: 'open', time: '2026-11-24T00:00:00.000Z', org: 'wuhan/jianghan' });
  t.equal((await send('POST', '/api/cases', body)).status, 409, 'same id again: 409');
  const changed = await send('PATCH', '/api/cases/c-1', { status: 'dispatched' });
  t.equal(changed.status, 200);
  t.equal(((await changed.json()) as { status: string }).status, 'dispatched');
  const cases = sink.events.filter((e) => e.kind === 'case');
  t.same(cases.map((e) => (e.kind === 'case' ? e.case.status : '')), ['open', 'dispatched'], 'Case events went through the sink queue');
  t.equal(((await (await fetch(`${base}/api/cases?status=dispatched`)).json()) as { total: number }).total, 1);
  t.equal(((await (await fetch(`${base}/api/cases?status=closed`)).json()) as { total: number }).total, 0);
  t.equal((await fetch(`${base}/api/cases/c-1`)).status, 200);
  t.equal((await send('PATCH', '/api/cases/none', { status: 'closed' })).status, 404);

  const bad = async (res: Promise<Response>, what: string) => {
    const r = await res;
    t.equal(r.status, 400, what);
    t.match(((await r.json()) as { message: string }).message, /\w/, `${what}: says what is wrong`);
  };
  await bad(send('POST', '/api/cases', { ...body, id: 'c-2', location: { lat: 91, lng: 0 } }), 'latitude out of range');
  await bad(send('POST', '/api/cases', { ...body, id: 'c-2', status: 'whatever' }), 'unknown status');
  await bad(send('POST', '/api/cases', { ...body, id: 'c 2' }), 'bad id');
  await bad(send('POST', '/api/cases', { ...body, id: 'c-2', time: 'yesterday' }), 'bad time');
  await bad(send('PATCH', '/api/cases/c-1', {}), 'empty patch');
  await bad(send('PATCH', '/api/cases/c-1', { org: 'elsewhere' }), 'org cannot be patched');
  t.equal(server.map.cases.size, 1);
});

t.test('every input validated: 400 with a message, never 500', async (t) => {
  const { base } = await startMapServer(t, { tokens: false });
  const cases: [string, RegExp][] = [
    ['/tiles/clusters/25/0/0.mvt', /z must be <= 24/],
    ['/tiles/clusters/2/4/0.mvt', /x and y must be below 4/],
    ['/tiles/clusters/2/0/0.png', /must match pattern/],
    ['/tiles/clusters/2/x/0.mvt', /x must be integer/],
    ['/tiles/clusters/2/0/0.mvt?category=car', /category/],
    ['/tiles/clusters/2/0/0.mvt?online=maybe', /online must be boolean/],
    ['/tiles/clusters/2/0/0.mvt?crs=utm', /crs must be equal to one of the allowed values/],
    ['/tiles/clusters/2/0/0.mvt?nope=1', /must NOT have additional properties/],
    ['/tiles/heat/2/0/0.mvt?window=2d', /window/],
    ['/tiles/heat/2/0/0.mvt?window=900m', /window: must be between/],
    ['/tiles/heat/2/0/0.mvt?res=12', /res: 12 cannot be served: the finest stored resolution is 9/],
    ['/tiles/heat/2/0/0.mvt?layers=fires', /layers/],
    ['/api/terminals?bbox=1,2,3', /bbox/],
    ['/api/terminals?bbox=10,0,5,1', /west must not exceed east/],
    ['/api/terminals?limit=0', /limit must be >= 1/],
    ['/api/terminals/1/track?from=yesterday', /from/],
    ['/api/stream?types=weather', /types/],
  ];
  for (const [path, message] of cases) {
    const res = await fetch(base + path);
    t.equal(res.status, 400, path);
    t.match(((await res.json()) as { message: string }).message, message, `${path}: clear message`);
  }
  t.equal((await fetch(`${base}/api/terminals/13800000000/track?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z`)).status, 400, 'from after to');
});

t.test('OpenAPI document at /docs/json matches the routes', async (t) => {
  const { server, base } = await startMapServer(t);
  const doc = (await (await fetch(`${base}/docs/json`)).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
  t.match(doc.openapi, /^3\./);
  for (const [path, method] of [
    ['/tiles/clusters/{z}/{x}/{y}', 'get'],
    ['/tiles/heat/{z}/{x}/{y}', 'get'],
    ['/tiles/clusters.json', 'get'],
    ['/tiles/heat.json', 'get'],
    ['/api/terminals', 'get'],
    ['/api/terminals/{terminal}', 'get'],
    ['/api/terminals/{terminal}/track', 'get'],
    ['/api/stream', 'get'],
    ['/api/cases', 'post'],
    ['/api/cases', 'get'],
    ['/api/cases/{id}', 'patch'],
  ] as const) {
    t.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} documented`);
  }
  // every documented route exists (no stale entries)
  const routes = server.http.printRoutes({ commonPrefix: false });
  for (const path of Object.keys(doc.paths)) t.ok(routes.includes(path.split('/{')[0]!.split('/').pop()!), `${path} is routed`);
  // command names are the codec's; the route's old ones are documented as deprecated
  // (one request schema per command: test/gateway/command-bodies.test.ts)
  const commands = doc.paths['/api/terminals/{terminal}/commands']?.post as { requestBody: { content: Record<string, { schema: { oneOf: { title: string; properties: { command: { description: string } } }[] } }> } } | undefined;
  const text = commands?.requestBody.content['application/json']?.schema.oneOf.find((a) => a.title === '0x8300 textMessage');
  t.ok(text, 'the codec name');
  t.match(text?.properties.command.description ?? '', /deprecated, still accepted: "text"/, 'the old name, deprecated');
  const yaml = await fetch(`${base}/docs/yaml`);
  t.match(await yaml.text(), /openapi: 3\./, 'YAML too');
});

t.test('SSE stream: positions, alarms and cases, filtered by scope and type', async (t) => {
  const { server, base } = await startMapServer(t);
  const open = async (token: string, query = '') => {
    const ac = new AbortController();
    const res = await fetch(`${base}/api/stream?access_token=${token}${query}`, { signal: ac.signal });
    t.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const events: { event: string; data: Record<string, unknown> }[] = [];
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        text += decoder.decode(value, { stream: true });
        let i;
        while ((i = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, i);
          text = text.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        }
      }
    })();
    t.teardown(async () => {
      ac.abort();
      await pump;
    });
    return events;
  };
  const city = await open(TOKENS.city.token);
  const jianghan = await open(TOKENS.jianghan.token);
  const casesOnly = await open(TOKENS.city.token, '&types=case&crs=gcj02');
  await new Promise((r) => setTimeout(r, 100));
  t.equal(server.map.hub.size, 3, 'three subscribers');
  await server.map.publish([
    { kind: 'position', position: position(JIANGHAN[0]!.terminal, 'vehicle', JIANGHAN[0]!.org, LAT, LNG) },
    { kind: 'position', position: position(WUCHANG[0]!.terminal, 'handheld', WUCHANG[0]!.org, wcLat(0), wcLng(0)) },
  ]);
  await fetch(`${base}/api/cases`, { method: 'POST', headers: { authorization: `Bearer ${TOKENS.city.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: 'k-1', type: 'fire', location: { lat: LAT, lng: LNG }, time: new Date().toISOString(), org: 'wuhan/wuchang' }) });
  await until("the city's four events", () => city.length >= 4);
  t.same(city.map((e) => e.event), ['hello', 'position', 'position', 'case'], 'the city gets everything');
  await until("Jianghan's two events", () => jianghan.length >= 2);
  await new Promise((r) => setTimeout(r, 100));
  t.same(jianghan.map((e) => `${e.event}:${String(e.data.terminal ?? e.data.id ?? '')}`), ['hello:', `position:${JIANGHAN[0]!.terminal}`], 'Jianghan gets only its own terminal, not the Wuchang case');
  await until('the two events of the cases-only stream', () => casesOnly.length >= 2);
  t.same(casesOnly.map((e) => e.event), ['hello', 'case'], 'types filter');
  const loc = casesOnly[1]!.data.location as { lat: number; lng: number };
  t.ok(Math.abs(loc.lng - LNG) > 0.003 && Math.abs(loc.lng - LNG) < 0.01, 'crs=gcj02 shifts the location by a few hundred metres');
});

t.test('tracks: the ring in time order, simplified over long spans; CRS shifts on the API', async (t) => {
  const { server, base } = await startMapServer(t, { tokens: false });
  const d = JIANGHAN[0]!;
  const now = Date.now();
  const events: GatewayEvent[] = [];
  // two hours of fixes every 10 s along a straight line, then one late frame
  for (let i = 0; i < 720; i++) {
    const at = new Date(now - (720 - i) * 10_000).toISOString();
    events.push({ kind: 'position', position: position(d.terminal, d.category, d.org, LAT + i * 0.0001, LNG, { time: at, receivedAt: at }) });
  }
  await server.map.publish(events);
  const late = new Date(now - 721 * 10_000).toISOString();
  await server.map.publish([{ kind: 'position', position: position(d.terminal, d.category, d.org, 0.5, 0.5, { time: late, receivedAt: new Date().toISOString() }) }]);
  t.equal(server.map.index.get(d.terminal)!.lat, LAT + 719 * 0.0001, 'a late frame does not move the live position back');

  const short = (await (await fetch(`${base}/api/terminals/${d.terminal}/track?from=${now - 600_000}&to=${now}`)).json()) as { geometry: { coordinates: number[][] }; properties: { times: number[]; simplified: boolean } };
  t.equal(short.geometry.coordinates.length, 60, 'ten minutes: every fix');
  t.notOk(short.properties.simplified);
  t.same(short.properties.times.slice(0, 3), [0, 10, 20], 'times in seconds after the start');
  const long = (await (await fetch(`${base}/api/terminals/${d.terminal}/track?from=${new Date(now - 3 * 3600_000).toISOString()}`)).json()) as { geometry: { coordinates: number[][] }; properties: { fixes: number; simplified: boolean } };
  t.equal(long.properties.fixes, 721, 'three hours: every fix found (the late one included, in order)');
  t.ok(long.properties.simplified && long.geometry.coordinates.length < 10, `a straight line simplifies to ${long.geometry.coordinates.length} points`);

  const wgs = (await (await fetch(`${base}/api/terminals?category=vehicle`)).json()) as { items: { id: string; lng: number; lat: number }[] };
  const gcj = (await (await fetch(`${base}/api/terminals?category=vehicle&crs=gcj02`)).json()) as { items: { id: string; lng: number; lat: number }[] };
  const bd = (await (await fetch(`${base}/api/terminals?category=vehicle&crs=bd09`)).json()) as { items: { id: string; lng: number; lat: number }[] };
  t.ok(gcj.items[0]!.lng - wgs.items[0]!.lng > 0.004, 'GCJ-02 east of WGS-84 in Wuhan');
  t.ok(bd.items[0]!.lng - gcj.items[0]!.lng > 0.005, 'BD-09 further east');
  const detail = (await (await fetch(`${base}/api/terminals/${d.terminal}?crs=gcj02`)).json()) as { live: { lng: number }; device: { org: string } };
  t.equal(detail.live.lng, gcj.items.find((i) => i.id === d.terminal)!.lng, 'detail shifted the same way');
  t.equal(detail.device.org, d.org, 'registry data in the detail');
});

t.test('registry resources follow reloads; tiles shift with crs', async (t) => {
  const { server, base } = await startMapServer(t, { tokens: false });
  t.ok(server.map.index.has(CAMERA.id), 'the camera is on the map');
  const [x, y] = tileOf(CAMERA.lng, CAMERA.lat, 15);
  const wgs = (await (await get(base, `/tiles/clusters/15/${x}/${y}.geojson`)).json()) as { features: { geometry: { coordinates: [number, number] }; properties: { id: string } }[] };
  const gcj = await get(base, `/tiles/clusters/15/${x}/${y}.geojson?crs=gcj02`);
  const shifted = gcj.status === 204 ? [] : ((await gcj.json()) as typeof wgs).features;
  const cam = wgs.features.find((f) => f.properties.id === CAMERA.id)!;
  t.same(cam.geometry.coordinates, [CAMERA.lng, CAMERA.lat], 'WGS-84 by default');
  const camGcj = shifted.find((f) => f.properties.id === CAMERA.id);
  // the GCJ-02 point moved ~500 m east: it may have left this z15 tile, which is the point of shifting before projection
  if (camGcj) t.ok(camGcj.geometry.coordinates[0] > CAMERA.lng + 0.004, 'shifted east');
  else t.pass('shifted out of the WGS-84 tile');
  const [gx, gy] = tileOf(CAMERA.lng + 0.0048, CAMERA.lat - 0.0025, 15);
  const there = (await (await get(base, `/tiles/clusters/15/${gx}/${gy}.geojson?crs=gcj02`)).json()) as typeof wgs;
  t.ok(there.features.some((f) => f.properties.id === CAMERA.id), 'found in the tile of its GCJ-02 position');

  // the registry file loses the camera: after a reload and the map's sync it is gone
  const { writeFileSync } = await import('node:fs');
  writeFileSync(server.gateway.config.devices, JSON.stringify({ terminals: JIANGHAN, resources: [] }));
  server.gateway.registry.reload();
  // the file is imported into the database, the copy read back, the map synced: off this call
  await until('the camera gone from the map', () => !server.map.index.has(CAMERA.id));
  t.notOk(server.map.index.has(CAMERA.id), 'removed with the registry entry');
});

t.test('/api/terminals/{id}: one store and one meaning of online (heard from within map.offlineAfterMs), whether or not a session is open', async (t) => {
  const { server, base } = await startMapServer(t, { tokens: false });
  const gone = JIANGHAN[0]!;
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: `0${gone.terminal}` });
  await term.login();
  await term.ackOf(term.send(0x0200, locationBody({ lat: LAT, lng: LNG })));
  term.close();
  while (server.gateway.sessions.has(gone.terminal)) await new Promise((r) => setTimeout(r, 20));
  type Detail = { online: boolean; session: unknown; live: { online: boolean } | null; position: { lat: number } | null };
  const a = (await (await fetch(`${base}/api/terminals/${gone.terminal}`)).json()) as Detail;
  t.equal(a.session, null, 'the connection is closed');
  t.equal(a.online, true, 'heard from a moment ago: online, as on the map');
  t.equal(a.live?.online, true, 'the same answer as the map index');
  t.equal(a.position?.lat, LAT, 'the position as published, from the same index');

  // heard from an hour ago, default map.offlineAfterMs 6 min: offline, in the detail and the list alike
  const old = WUCHANG[0]!;
  const hourAgo = new Date(Date.now() - 3600_000).toISOString();
  await server.map.publish([{ kind: 'position', position: position(old.terminal, old.category, old.org, 30.54, 114.31, { time: hourAgo, receivedAt: hourAgo }) }]);
  const b = (await (await fetch(`${base}/api/terminals/${old.terminal}`)).json()) as Detail;
  t.equal(b.online, false, 'an hour silent: offline');
  const list = (await (await fetch(`${base}/api/terminals?online=false`)).json()) as { items: { id: string }[] };
  t.same(list.items.map((i) => i.id), [old.terminal], 'the list filter agrees');
});

t.test('/api/live: each terminal\'s last valid position exactly as published, and no static resource among them', async (t) => {
  const { server, base } = await startMapServer(t, { tokens: false });
  const d = WUCHANG[1]!;
  const first = position(d.terminal, d.category, d.org, 30.5, 114.3, { extras: { mileageKm: 12.5 } });
  const later = position(d.terminal, d.category, d.org, 30.6, 114.4, { time: new Date(Date.parse(first.time!) + 1000).toISOString(), extras: { mileageKm: 13 } });
  await server.map.publish([{ kind: 'position', position: first }, { kind: 'position', position: later }, { kind: 'position', position: { ...later, terminal: WUCHANG[2]!.terminal, valid: false } }]);
  const live = (await (await fetch(`${base}/api/live`)).json()) as { positions: unknown[]; resources: { id: string }[] };
  t.same(live.positions, [JSON.parse(JSON.stringify(later))], 'the later report, every field as published; the invalid one not kept');
  t.same(live.resources.map((r) => r.id), [CAMERA.id], 'the registry camera among the resources');
});
