/**
 * Tile representations: gzip only for a client that takes it, each coding with its own strong
 * ETag (RFC 9110 8.8.3), and the same tile in both, with the tile cache on and off.
 */
import { gunzipSync } from 'node:zlib';
import t from 'tap';
import { CAMERA, TOKENS, decodeMvt, position, rawGet, startMapServer, tileOf } from './helpers.js';

const LAT = 30.58;
const LNG = 114.27;

for (const cacheEntries of [1000, 0]) {
  t.test(`identity and gzip representations (cache ${cacheEntries ? 'on' : 'off'})`, async (t) => {
    const { server, base } = await startMapServer(t, { map: { cacheEntries } });
    await server.map.publish(Array.from({ length: 30 }, (_, i) => ({ kind: 'position' as const, position: position(String(13700000000 + i), i % 2 ? 'vehicle' : 'handheld', 'wuhan/jianghan', LAT + i * 0.001, LNG + i * 0.001) })));
    const [x, y] = tileOf(LNG, LAT, 9);
    t.same(tileOf(CAMERA.lng, CAMERA.lat, 9), [x, y], 'the registry camera is in the tile too');
    const path = `/tiles/clusters/9/${x}/${y}.mvt`;
    const auth = { authorization: `Bearer ${TOKENS.city.token}` };

    const plain = await rawGet(base, path, { ...auth, 'accept-encoding': 'identity' });
    t.equal(plain.status, 200);
    t.equal(plain.headers['content-encoding'], undefined, 'identity when gzip is not accepted');
    const zipped = await rawGet(base, path, { ...auth, 'accept-encoding': 'br, gzip' });
    t.equal(zipped.headers['content-encoding'], 'gzip');
    t.same(gunzipSync(zipped.body), plain.body, 'the gzip body is the identity body compressed');
    const n = (b: Buffer) => decodeMvt(b).layers.clusters!.features.reduce((s, f) => s + (f.props.cluster ? (f.props.point_count as number) : 1), 0);
    t.equal(n(plain.body), 31, 'every terminal counted (the 30 sent and the registry camera)');

    const plainTag = plain.headers.etag as string;
    const gzTag = zipped.headers.etag as string;
    t.not(plainTag, gzTag, 'a tag per content coding');
    t.equal((await rawGet(base, path, { ...auth, 'accept-encoding': 'gzip' })).headers.etag, gzTag, 'the same tag for the same bytes');
    t.equal((await rawGet(base, path, { ...auth, 'accept-encoding': 'gzip', 'if-none-match': gzTag })).status, 304, 'gzip tag, gzip client: 304');
    t.equal((await rawGet(base, path, { ...auth, 'if-none-match': plainTag })).status, 304, 'identity tag, identity client: 304');
    const cross = await rawGet(base, path, { ...auth, 'accept-encoding': 'gzip', 'if-none-match': plainTag });
    t.equal(cross.status, 200, "the identity tag does not validate the gzip representation");
    t.equal(cross.headers.etag, gzTag);
    t.equal((await rawGet(base, path, { ...auth, 'if-none-match': gzTag })).status, 200, 'nor the gzip tag the identity one');

    // a change to the tile changes both tags
    await server.map.publish([{ kind: 'position', position: position('13700000099', 'bodycam', 'wuhan/jianghan', LAT, LNG) }]);
    const after = await rawGet(base, path, { ...auth, 'accept-encoding': 'gzip', 'if-none-match': gzTag });
    t.equal(after.status, cacheEntries ? 304 : 200, cacheEntries ? 'within tileTtlMs the cached tile stands' : 'uncached: the new tile, a new tag');
    if (!cacheEntries) t.not(after.headers.etag, gzTag);
  });
}
