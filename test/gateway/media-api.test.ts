/**
 * Media from 0x0801, end to end (issue 19): a real terminal over TCP uploads a photo in several
 * packages, one lost; the gateway asks for it with 0x8800, the terminal sends it again; the photo
 * is then listed, described and served by the API byte for byte (its SHA-256 worked out here from
 * what the terminal sent), with its Content-Type, a strong ETag and 304, and ranges; a token of
 * another district sees none of it (404, never 403). A file deleted to make room (drop-oldest)
 * answers 410 and its record says since when; one not in this gateway's store answers 404. On the embedded PGlite
 * and on PostgreSQL (scripts/postgres.sh, a fresh database).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import type { Message } from '../../decoders/index.js';
import type { MediaRecord } from '../../events/media-record.js';
import type { Server } from '../../server/server.js';
import { freshDatabaseUrl } from '../store/engines.js';
import { call, until } from './helpers/http.js';
import { startTestServer } from './helpers/server.js';
import { TestTerminal, locationBody } from './helpers/terminal.js';

const PHONE = '013800000071';
const TERMINAL = '13800000071';
const DUTY = 'media-viewer-token-jianghan-0001';
const OTHER = 'media-viewer-token-hongshan-0001';
const CITY = 'media-city-admin-token-00000001';
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function registry(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'dipper-media-api-')), 'devices.json');
  writeFileSync(file, JSON.stringify({ terminals: [{ terminal: PHONE, category: 'bodycam', org: 'wuhan/jianghan' }] }));
  return file;
}

async function start(t: Test, engine: 'pglite' | 'postgres', media?: { maxBytesPerTerminal: number; policy: 'drop-oldest' }): Promise<Server> {
  const url = engine === 'postgres' ? await freshDatabaseUrl(t) : '';
  return startTestServer(t, {
    devices: registry(),
    reassembly: { timeoutMs: 30 },
    database: { url },
    ...(media ? { media } : {}),
    api: {
      tokens: [
        { token: DUTY, org: 'wuhan/jianghan', name: 'viewer-jianghan' },
        { token: OTHER, org: 'wuhan/hongshan', name: 'viewer-hongshan' },
        { token: CITY, org: '', name: 'city', rights: ['read', 'command', 'admin'] },
      ],
    },
  });
}

/** a JPEG-looking photo of `size` bytes, not repeating within a package */
function photo(size: number, seed: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 32) createHash('sha256').update(`${seed}:${i}`).digest().copy(bytes, i);
  bytes.writeUInt16BE(0xffd8, 0); // SOI
  bytes.writeUInt16BE(0xffd9, size - 2); // EOI
  return bytes;
}

/** bytes over HTTP, with the headers a test asks for */
async function fetchBytes(server: Server, token: string | undefined, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(`http://127.0.0.1:${server.ports.http}${path}`, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

const list = async (server: Server, token: string, query = '') => (await call(server.ports.http, token, 'GET', `/api/media${query}`)).json as { total: number; offset: number; limit: number; items: MediaRecord[] };

for (const engine of ['pglite', 'postgres'] as const) {
  t.test(`${engine}: a photo in six packages, one lost and sent again, listed, described and served byte for byte`, async (t) => {
    const server = await start(t, engine);
    const term = await TestTerminal.tcp(server.ports.jt808, { phone: PHONE });
    t.teardown(() => term.close());
    await term.login();

    const bytes = photo(5000, 1);
    const fix = locationBody({ lat: 30.5801, lng: 114.2702 });
    const { frames } = term.sendParts(0x0801, { mediaId: 0x12345678, type: 0, format: 0, event: 2, channel: 3, location: fix, data: bytes }, 900, [3]);
    t.equal(frames.length, 6, '36 + 5,000 bytes in packages of 900');
    // answer every 0x8800 that lists packages (later ones may still be in flight when the timer fires) until the one without
    const asked: number[] = [];
    for (;;) {
      const answer = (await term.next(0x8800)) as Message<{ mediaId: number; retransmitIds?: number[] }>;
      t.equal(answer.body.mediaId, 0x12345678);
      if (!answer.body.retransmitIds) break;
      asked.push(...answer.body.retransmitIds);
      for (const id of answer.body.retransmitIds) term.writeRaw(frames[id - 1]!);
    }
    t.ok(asked.includes(3), '0x8800 asked for the lost package');

    // the record is written off the ingest path: it is listed a moment after the answer
    const page = await until('the photo listed', async () => {
      const r = await list(server, DUTY);
      return r.total === 1 ? r : undefined;
    });
    t.same({ total: page.total, offset: page.offset, limit: page.limit }, { total: 1, offset: 0, limit: 100 });
    const m = page.items[0]!;
    t.match(m, {
      terminal: TERMINAL,
      org: 'wuhan/jianghan',
      mediaId: 0x12345678,
      type: 0,
      format: 0,
      contentType: 'image/jpeg',
      event: 2,
      channel: 3,
      bytes: 5000,
      sha256: sha256(bytes),
      removedAt: null,
    });
    t.match(m.path, new RegExp(`^media/${TERMINAL}/305419896-.*\\.jpg$`));
    t.match(m.position, { terminal: TERMINAL, lat: 30.5801, lng: 114.2702, valid: true }, 'where it was taken, from the 0x0200 block it carried');
    t.same((await call(server.ports.http, DUTY, 'GET', `/api/media/${m.id}/meta`)).json, m, 'its record on its own');
    const shifted = (await call(server.ports.http, DUTY, 'GET', `/api/media/${m.id}/meta?crs=gcj02`)).json as MediaRecord;
    const metres = Math.hypot((shifted.position!.lng - 114.2702) * 96_000, (shifted.position!.lat - 30.5801) * 111_000);
    t.ok(metres > 200 && metres < 1000, `?crs=gcj02 shifts where it was taken (${Math.round(metres)} m)`);

    // the bytes: what the terminal sent, whole
    const whole = await fetchBytes(server, DUTY, `/api/media/${m.id}`);
    t.equal(whole.status, 200);
    t.equal(sha256(whole.body), sha256(bytes), "the SHA-256 of the terminal's bytes");
    t.ok(whole.body.equals(bytes), 'byte for byte');
    t.equal(whole.headers.get('content-type'), 'image/jpeg');
    t.equal(whole.headers.get('content-length'), '5000');
    t.equal(whole.headers.get('accept-ranges'), 'bytes');
    t.equal(whole.headers.get('x-content-type-options'), 'nosniff');
    const etag = `"${sha256(bytes)}"`;
    t.equal(whole.headers.get('etag'), etag, 'a strong ETag: the SHA-256');

    // validators
    const again = await fetchBytes(server, DUTY, `/api/media/${m.id}`, { 'if-none-match': etag });
    t.equal(again.status, 304);
    t.equal(again.body.length, 0, 'nothing sent again');
    t.equal(again.headers.get('etag'), etag);
    t.equal((await fetchBytes(server, DUTY, `/api/media/${m.id}`, { 'if-none-match': `"other", W/${etag}` })).status, 304, 'a weak form in a list matches too');
    t.equal((await fetchBytes(server, DUTY, `/api/media/${m.id}`, { 'if-none-match': '"other"' })).status, 200);

    // ranges
    const part = await fetchBytes(server, DUTY, `/api/media/${m.id}`, { range: 'bytes=100-1099' });
    t.equal(part.status, 206);
    t.equal(part.headers.get('content-range'), 'bytes 100-1099/5000');
    t.equal(part.headers.get('content-length'), '1000');
    t.equal(part.headers.get('content-type'), 'image/jpeg');
    t.ok(part.body.equals(bytes.subarray(100, 1100)), 'bytes 100 to 1099');
    const tail = await fetchBytes(server, DUTY, `/api/media/${m.id}`, { range: 'bytes=-16' });
    t.same([tail.status, tail.headers.get('content-range')], [206, 'bytes 4984-4999/5000']);
    t.ok(tail.body.equals(bytes.subarray(4984)), 'the last 16, up to the EOI marker');
    const open = await fetchBytes(server, DUTY, `/api/media/${m.id}`, { range: 'bytes=4990-' });
    t.same([open.status, open.headers.get('content-range'), open.body.length], [206, 'bytes 4990-4999/5000', 10]);
    const past = await fetchBytes(server, DUTY, `/api/media/${m.id}`, { range: 'bytes=5000-' });
    t.same([past.status, past.headers.get('content-range')], [416, 'bytes */5000'], 'a range past the end: 416');
    const sameFile = await fetchBytes(server, DUTY, `/api/media/${m.id}`, { range: 'bytes=0-9', 'if-range': etag });
    t.same([sameFile.status, sameFile.body.length], [206, 10], 'If-Range with its tag: the range');
    const changed = await fetchBytes(server, DUTY, `/api/media/${m.id}`, { range: 'bytes=0-9', 'if-range': '"another"' });
    t.same([changed.status, changed.body.length], [200, 5000], 'If-Range with another tag: the whole file');
    const head = await fetchBytes(server, DUTY, `/api/media/${m.id}`, {}, 'HEAD');
    t.same([head.status, head.headers.get('content-length'), head.headers.get('etag'), head.body.length], [200, '5000', etag, 0], 'HEAD: the headers only');
    const headPart = await fetchBytes(server, DUTY, `/api/media/${m.id}`, { range: 'bytes=10-19' }, 'HEAD');
    t.same([headPart.status, headPart.headers.get('content-range'), headPart.headers.get('content-length'), headPart.body.length], [206, 'bytes 10-19/5000', '10', 0], 'a range too');

    // filters
    const total = async (query: string) => (await list(server, DUTY, query)).total;
    t.equal(await total(`?terminal=${PHONE}`), 1, 'a terminal by its phone number, leading zero and all');
    t.equal(await total('?terminal=13800000072'), 0);
    t.equal(await total('?type=image'), 1);
    t.equal(await total('?type=audio,video'), 0);
    t.equal(await total('?event=0,2'), 1);
    t.equal(await total('?event=1'), 0);
    t.equal(await total(`?from=${encodeURIComponent(m.receivedAt)}`), 1, 'from is inclusive');
    t.equal(await total(`?to=${encodeURIComponent(m.receivedAt)}`), 0, 'to is not');

    // scopes: another district sees nothing, and an id of this one is no id at all there
    t.same(await list(server, OTHER), { total: 0, offset: 0, limit: 100, items: [] });
    for (const path of [`/api/media/${m.id}`, `/api/media/${m.id}/meta`]) {
      const r = await call(server.ports.http, OTHER, 'GET', path);
      t.equal(r.status, 404, `${path} for another district: 404, never 403`);
    }
    t.equal((await list(server, CITY)).total, 1, 'the city sees every district');
    t.equal((await call(server.ports.http, undefined, 'GET', '/api/media')).status, 401, 'no token: 401');
    t.equal((await call(server.ports.http, DUTY, 'GET', '/api/media/6f1b1c1e-0000-4000-8000-000000000000')).status, 404, 'an id never given: 404');
  });

  t.test(`${engine}: bytes dropped to make room answer 410 and the record says since when; bytes not in this store answer 404, the record untouched`, async (t) => {
    // 4,096 bytes charged per photo: two fit a terminal's quota, the third drops the oldest
    const server = await start(t, engine, { maxBytesPerTerminal: 2 * 4096, policy: 'drop-oldest' });
    const term = await TestTerminal.tcp(server.ports.jt808, { phone: PHONE });
    t.teardown(() => term.close());
    await term.login();
    const photos = [1, 2, 3].map((n) => photo(600, 10 + n));
    for (const [i, data] of photos.entries()) {
      term.send(0x0801, { mediaId: i + 1, type: 0, format: 0, event: 1, channel: 1, location: locationBody(), data });
      await term.next((d) => d.msgId === 0x8800 && (d as Message<{ mediaId: number }>).body.mediaId === i + 1);
    }
    const byId = await until('the first marked removed', async () => {
      const r = await list(server, DUTY);
      const ids = new Map(r.items.map((m) => [m.mediaId, m]));
      return r.total === 3 && ids.get(1)?.removedAt ? ids : undefined;
    });
    const [first, second, third] = [byId.get(1)!, byId.get(2)!, byId.get(3)!];
    t.same([second.removedAt, third.removedAt], [null, null], 'the two kept are not');
    const dropped = await call(server.ports.http, DUTY, 'GET', `/api/media/${first.id}`);
    t.equal(dropped.status, 410, 'dropped: 410 Gone');
    t.match(dropped.json.message, /drop-oldest/);
    t.equal((await call(server.ports.http, DUTY, 'GET', `/api/media/${first.id}/meta`)).json.removedAt, first.removedAt, 'its record stays, with the time');
    t.equal(sha256((await fetchBytes(server, DUTY, `/api/media/${third.id}`)).body), sha256(photos[2]!), 'the newest still served');

    // not in this gateway's store (deleted behind its back, or another gateway's dataDir): 404, and a
    // read never marks the record (that would hide the evidence on every gateway)
    rmSync(join(server.gateway.config.dataDir, second.path));
    const missing = await call(server.ports.http, DUTY, 'GET', `/api/media/${second.id}`);
    t.equal(missing.status, 404, 'a file not in this store: 404');
    t.match(missing.json.message, /not in this gateway's media store/);
    t.equal(((await call(server.ports.http, DUTY, 'GET', `/api/media/${second.id}/meta`)).json as MediaRecord).removedAt, null, 'its record is not marked by a read');
    t.equal((await call(server.ports.http, OTHER, 'GET', `/api/media/${first.id}`)).status, 404, 'another district: 404, not 410');
  });
}
