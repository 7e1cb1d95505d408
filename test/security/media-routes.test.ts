/**
 * The media routes under hostile requests (issue 19):
 * - paging is bounded: `limit` at most 500, `offset` at most 100,000 (OFFSET reads every row it
 *   skips), filters by their patterns; anything else is a 400 naming it, before the database;
 * - a Range header is never amplified: more than one range (thousands of them, or overlapping
 *   ones, which a multipart answer would send many times over), or a header past 100 bytes, gets
 *   the file once (200), never more bytes than the file has; a range past the end is a 416;
 * - a record's path is never followed outside the media store, whatever the database says (a
 *   restored or tampered row): such bytes are not in the store (404), the file is not read;
 * - downloads a client never reads hold a file descriptor each: at most http.maxDownloadsPerToken
 *   at once, 429 past it (dipper_http_refused_total{reason="downloads-per-token"}).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import t from 'tap';
import type { Message } from '../../decoders/index.js';
import type { MediaRecord } from '../../events/media-record.js';
import { call, until } from '../gateway/helpers/http.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';
import { sample, scrape } from '../ops/helpers.js';

const SIZE = 3000;

t.test('media routes: bounded paging, ranges never amplified, paths never followed out of the store', async (t) => {
  const server = await startTestServer(t);
  const api = (path: string) => call(server.ports.http, undefined, 'GET', path);
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: '013800000081' });
  t.teardown(() => term.close());
  await term.login();
  const data = Buffer.alloc(SIZE, 0x5a);
  data.writeUInt16BE(0xffd8, 0);
  term.sendParts(0x0801, { mediaId: 1, type: 0, format: 0, event: 0, channel: 1, location: locationBody(), data }, 1000);
  await term.next((m) => m.msgId === 0x8800 && !(m as Message<{ retransmitIds?: number[] }>).body.retransmitIds);
  const m = await until('the record', async () => ((await api('/api/media')).json?.items as MediaRecord[] | undefined)?.[0]);

  // paging and filters: refused by the schema, named
  for (const [query, field] of [
    ['limit=501', 'limit'],
    ['limit=0', 'limit'],
    ['offset=100001', 'offset'],
    ['offset=-1', 'offset'],
    ['type=photo', 'type'],
    [`event=${Array.from({ length: 17 }, (_, i) => i).join(',')}`, 'event'],
    ['event=1;DROP TABLE media', 'event'],
    ['terminal=..%2F..%2Fetc', 'terminal'],
    ['from=yesterday', 'from'],
    ['org=wuhan', 'additional properties'],
  ] as const) {
    const r = await api(`/api/media?${query}`);
    t.equal(r.status, 400, `${query}: 400`);
    t.match(r.json?.message, field, `says why: ${field}`);
  }
  t.equal((await api('/api/media?limit=500&offset=100000')).status, 200, 'the bounds themselves are allowed');
  for (const path of ['/api/media/not-a-uuid', '/api/media/not-a-uuid/meta', `/api/media/${m.id}?x=1`]) t.equal((await api(path)).status, 400, `${path}: 400`);

  const bytes = async (range: string) => {
    const res = await fetch(`http://127.0.0.1:${server.ports.http}/api/media/${m.id}`, { headers: { range } });
    return { status: res.status, type: res.headers.get('content-type'), range: res.headers.get('content-range'), body: Buffer.from(await res.arrayBuffer()) };
  };
  // 2,000 overlapping whole-file ranges: a multipart answer would be 2,000 copies
  const many = await bytes(`bytes=${Array.from({ length: 2000 }, () => '0-').join(',')}`);
  t.same([many.status, many.body.length, many.range, many.type], [200, SIZE, null, 'image/jpeg'], 'thousands of ranges: the file once');
  t.ok(many.body.equals(data));
  const two = await bytes('bytes=0-0,2999-2999');
  t.same([two.status, two.body.length], [200, SIZE], 'two ranges: the file once, not multipart');
  const long = await bytes(`bytes=0-${'9'.repeat(120)}`);
  t.same([long.status, long.body.length], [200, SIZE], 'a header past 100 bytes: ignored');
  const huge = await bytes(`bytes=0-${'9'.repeat(40)}`);
  t.same([huge.status, huge.range, huge.body.length], [206, `bytes 0-${SIZE - 1}/${SIZE}`, SIZE], 'a last byte past the end is clamped');
  t.same([(await bytes(`bytes=${'9'.repeat(40)}-`)).status, (await bytes('bytes=-0')).status], [416, 416], 'past the end, or none of it: 416');
  for (const junk of ['bytes=', 'bytes=-', 'bytes=5-2', 'lines=0-9', 'bytes=a-b', 'bytes=0-9 ,']) t.same([(await bytes(junk)).status, (await bytes(junk)).body.length], [200, SIZE], `${junk}: ignored`);

  // rows pointing out of the store: never read
  const secret = join(server.gateway.config.dataDir, 'auth-secret');
  writeFileSync(secret, 'not to be served');
  for (const path of ['../auth-secret', 'media/../auth-secret', 'media/13800000081/..', '/etc/passwd', `${m.path}.part`, 'media/13800000081/../../auth-secret']) {
    const id = randomUUID();
    await server.store!.db.query(`INSERT INTO media (id, terminal, org, media_id, type, format, event, channel, bytes, sha256, received_at, path) VALUES ($1, '13800000081', '', 2, 0, 0, 0, 1, 10, $2, now(), $3)`, [id, 'f'.repeat(64), path]);
    const r = await api(`/api/media/${id}`);
    t.equal(r.status, 404, `${path}: not in the store, not read`);
    t.notMatch(r.text, 'not to be served');
  }

  // the document lists the routes
  const doc = (await api('/docs/json')).json as { paths: Record<string, unknown> };
  t.ok(doc.paths['/api/media'] && doc.paths['/api/media/{id}'] && doc.paths['/api/media/{id}/meta'], 'in the OpenAPI document');
});

t.test('downloads that are never read: at most http.maxDownloadsPerToken at once, 429 past it, a slot freed when one ends', async (t) => {
  const server = await startTestServer(t, { http: { maxDownloadsPerToken: 2 } });
  // 16 MB: far more than loopback socket buffers hold, so an unread download stays open
  const SIZE_BIG = 16 * 1024 * 1024;
  const key = 'media/13800000082/1-big.jpg';
  mkdirSync(join(server.gateway.config.dataDir, 'media/13800000082'), { recursive: true });
  writeFileSync(join(server.gateway.config.dataDir, key), Buffer.alloc(SIZE_BIG, 0x5a));
  const id = randomUUID();
  await server.store!.db.query(`INSERT INTO media (id, terminal, org, media_id, type, format, event, channel, bytes, sha256, received_at, path) VALUES ($1, '13800000082', '', 1, 0, 0, 0, 1, $2, $3, now(), $4)`, [id, SIZE_BIG, 'a'.repeat(64), key]);
  const downloads = async () => sample(await scrape(server.ports.http), 'dipper_media_downloads');

  // two clients that ask and then read nothing
  const stalled = await Promise.all(
    [0, 1].map(
      () =>
        new Promise<Socket>((resolve) => {
          const s = connect(server.ports.http, '127.0.0.1', () => {
            s.write(`GET /api/media/${id} HTTP/1.1\r\nHost: x\r\n\r\n`);
            s.pause();
            resolve(s);
          });
        }),
    ),
  );
  t.teardown(() => stalled.forEach((s) => s.destroy()));
  await until('both downloads held', async () => (await downloads()) === 2);
  const third = await fetch(`http://127.0.0.1:${server.ports.http}/api/media/${id}`);
  t.equal(third.status, 429, 'a third at once: 429');
  t.match(((await third.json()) as { message: string }).message, 'http.maxDownloadsPerToken');
  t.equal(sample(await scrape(server.ports.http), 'dipper_http_refused_total{reason="downloads-per-token"}'), 1, 'counted');
  t.equal((await fetch(`http://127.0.0.1:${server.ports.http}/api/media/${id}`, { method: 'HEAD' })).status, 200, 'HEAD holds nothing: answered');

  stalled[0]!.destroy();
  await until('its slot freed', async () => (await downloads()) === 1);
  const res = await fetch(`http://127.0.0.1:${server.ports.http}/api/media/${id}`);
  t.equal(res.status, 200, 'a reader is served again');
  t.equal((await res.arrayBuffer()).byteLength, SIZE_BIG, 'the whole file');
  await until('the finished download released', async () => (await downloads()) === 1);
});
