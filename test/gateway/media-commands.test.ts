/**
 * Media commands end to end (issue 19), a real terminal over TCP on a real gateway with PGlite:
 * takePhoto (0x8801) is answered with the media IDs of the terminal's 0x0805, each with an href;
 * once the terminal uploads one (0x0801) the href lists exactly that record and its bytes are the
 * terminal's (SHA-256 worked out here from what it sent). A record of the same media ID from
 * before the command (terminals reuse their IDs) and another terminal's are not in it. A failure
 * in 0x0805 says what the standard's result code means; the stored media search (0x8802) links
 * its items; the stored media upload (0x8803) and the single one (0x8805) are followed by
 * uploads the answer's hrefs find; a token of another district can neither command nor see.
 *
 * Result codes (JT/T 808-2013 §8.55 and §8.1): 0x0805 0 success, 1 failure, 2 channel not
 * supported, and its IDs count only when the result is 0; 0x0001 0 success, 1 failure,
 * 2 message error, 3 not supported.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import type { Message } from '../../decoders/index.js';
import type { MediaRecord } from '../../events/media-record.js';
import type { Server } from '../../server/server.js';
import { call, until } from './helpers/http.js';
import { startTestServer } from './helpers/server.js';
import { TestTerminal, locationBody } from './helpers/terminal.js';
import type { Downlink } from './helpers/terminal.js';

const PHONE = '013800000081';
const TERMINAL = '13800000081';
const NEIGHBOUR = '013800000082'; // same district, another vehicle
const DUTY = 'media-commands-jianghan-token-01';
const OTHER = 'media-commands-hongshan-token-01';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const SHOOT = { channel: 1, command: 2, intervalS: 0, save: 0, resolution: 1, quality: 5, brightness: 128, contrast: 64, saturation: 64, chroma: 128 };

function registry(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'dipper-media-commands-')), 'devices.json');
  writeFileSync(file, JSON.stringify({ terminals: [PHONE, NEIGHBOUR].map((terminal) => ({ terminal, category: 'vehicle', org: 'wuhan/jianghan' })) }));
  return file;
}

/** a JPEG-looking photo, different per seed */
function photo(size: number, seed: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 32) createHash('sha256').update(`${seed}:${i}`).digest().copy(bytes, i);
  bytes.writeUInt16BE(0xffd8, 0);
  bytes.writeUInt16BE(0xffd9, size - 2);
  return bytes;
}

interface Answer {
  msgId: number;
  reply: Message<Record<string, unknown>>;
  outcome?: string;
  message?: string;
  media?: { mediaId: number; href: string }[];
  mediaUnlinked?: number;
  uploads?: string;
}

interface Page {
  total: number;
  items: MediaRecord[];
}

const isCommand = (id: number) => (m: Downlink) => m.msgId === id;

/** An href's query, read back as GET /api/media will read it. */
function queryOf(href: string): Record<string, string> {
  const url = new URL(href, 'http://x');
  return { path: url.pathname, ...Object.fromEntries(url.searchParams) };
}

async function start(t: Test): Promise<{ server: Server; term: TestTerminal; neighbour: TestTerminal }> {
  const server = await startTestServer(t, {
    devices: registry(),
    api: {
      tokens: [
        { token: DUTY, org: 'wuhan/jianghan', name: 'duty-jianghan', rights: ['read', 'command'] },
        { token: OTHER, org: 'wuhan/hongshan', name: 'duty-hongshan', rights: ['read', 'command'] },
      ],
    },
  });
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: PHONE });
  const neighbour = await TestTerminal.tcp(server.ports.jt808, { phone: NEIGHBOUR });
  t.teardown(() => {
    term.close();
    neighbour.close();
  });
  await term.login();
  await neighbour.login();
  return { server, term, neighbour };
}

/** Uploads one file as 0x0801 in packages of 900 bytes and waits for its 0x8800 (all received). */
async function upload(term: TestTerminal, mediaId: number, data: Buffer, type = 0): Promise<void> {
  term.sendParts(0x0801, { mediaId, type, format: type === 0 ? 0 : 4, event: 0, channel: 1, location: locationBody(), data }, 900);
  // the one without retransmit IDs: every package arrived (a busy machine may ask for some first; they were all sent)
  await term.next((d) => d.msgId === 0x8800 && (d as Message<{ mediaId: number; retransmitIds?: number[] }>).body.mediaId === mediaId && !(d as Message<{ retransmitIds?: number[] }>).body.retransmitIds);
}

t.test('takePhoto: the 0x0805 IDs with hrefs; an uploaded one is found by its href, byte for byte', async (t) => {
  const { server, term, neighbour } = await start(t);
  const http = server.ports.http;
  const list = async (href: string, token = DUTY) => (await call(http, token, 'GET', href)).json as Page;

  // the same media ID from an hour ago (terminals count their IDs again after a restart), and from another vehicle
  const hourAgo = new Date(Date.now() - 3_600_000);
  await server.store!.media.insertMany([
    { terminal: TERMINAL, org: 'wuhan/jianghan', mediaId: 0x1002, type: 0, format: 0, event: 0, channel: 1, position: null, bytes: 10, sha256: 'a'.repeat(64), receivedAt: hourAgo, path: `media/${TERMINAL}/old-4098.jpg` },
  ]);
  const stranger = photo(700, 99);
  await upload(neighbour, 0x1002, stranger);

  const before = Date.now();
  const asking = call(http, DUTY, 'POST', `/api/terminals/${PHONE}/commands`, { command: 'takePhoto', body: SHOOT });
  const shoot = (await term.next(isCommand(0x8801))) as Message<typeof SHOOT>;
  t.same(shoot.body, SHOOT, 'the terminal got the command');
  term.send(0x0805, { ackSerial: shoot.serial, result: 0, mediaIds: [0x1001, 0x1002] });
  const res = await asking;
  t.equal(res.status, 200);
  const answer = res.json as Answer;
  t.equal(answer.msgId, 0x8801);
  t.same([answer.reply.msgId, answer.reply.body], [0x0805, { ackSerial: shoot.serial, result: 0, mediaIds: [0x1001, 0x1002] }], 'the decoded 0x0805, as before');
  t.equal(answer.outcome, 'ok');
  t.notOk('message' in answer, 'nothing to explain');
  t.same(answer.media!.map((m) => m.mediaId), [0x1001, 0x1002], 'one link per reported ID, in order');
  for (const m of answer.media!) {
    const q = queryOf(m.href);
    t.same([q.path, q.terminal, q.mediaId], ['/api/media', TERMINAL, String(m.mediaId)], 'GET /api/media, the commanded terminal, its ID');
    const from = Date.parse(q.from!);
    t.ok(from <= before && from >= before - 60_000, 'from: just before the command (less clock skew)');
  }
  t.equal(queryOf(answer.uploads!).type, '0', 'uploads: the photos it asked for');

  // nothing yet: the href answers, empty
  t.same((await list(answer.media![1]!.href)).total, 0, 'before the upload: no record (not the old one, not the neighbour\'s)');

  const bytes = photo(3000, 2);
  await upload(term, 0x1002, bytes);
  const page = await until('the photo listed at its href', async () => {
    const p = await list(answer.media![1]!.href);
    return p.total > 0 ? p : undefined;
  });
  t.equal(page.total, 1, 'exactly one record');
  const record = page.items[0]!;
  t.match(record, { terminal: TERMINAL, mediaId: 0x1002, bytes: 3000, sha256: sha256(bytes) });
  const file = await fetch(`http://127.0.0.1:${http}/api/media/${record.id}`, { headers: { authorization: `Bearer ${DUTY}` } });
  t.equal(file.status, 200);
  t.equal(sha256(Buffer.from(await file.arrayBuffer())), sha256(bytes), 'SHA-256 identical to what the terminal sent');
  t.equal((await list(answer.media![0]!.href)).total, 0, 'the ID not uploaded: still nothing');
  t.equal((await list(answer.uploads!)).total, 1, 'uploads since the command: that one');
  // the filter itself: the terminal and the ID, without a start, find the old record too
  t.equal((await list(`/api/media?terminal=${TERMINAL}&mediaId=${0x1002}`)).total, 2, '?mediaId= with ?terminal=: both of this terminal\'s');
  t.equal((await list(`/api/media?mediaId=${0x1002}`)).total, 3, '?mediaId= alone: every terminal\'s in scope');
  t.equal((await call(http, DUTY, 'GET', '/api/media?mediaId=4294967296')).status, 400, 'a media ID is a DWORD');

  // scopes: another district can neither command this terminal nor see what its hrefs list
  const refused = await call(http, OTHER, 'POST', `/api/terminals/${PHONE}/commands`, { command: 'takePhoto', body: SHOOT });
  t.equal(refused.status, 404, 'another district: the terminal is unknown');
  t.same(await list(answer.media![1]!.href, OTHER), { total: 0, offset: 0, limit: 100, items: [] }, 'and the href lists nothing for it');
  t.equal((await call(http, OTHER, 'GET', `/api/media/${record.id}`)).status, 404, 'nor are the bytes there');
  // the refused command never left: the next the terminal sees is the next one sent
  const next = call(http, DUTY, 'POST', `/api/terminals/${PHONE}/commands`, { command: 'positionQuery' });
  const query = await term.next((m) => m.msgId >= 0x8000 && m.msgId !== 0x8001 && m.msgId !== 0x8800);
  t.equal(query.msgId, 0x8201, 'nothing of the refused takePhoto reached the terminal');
  term.send(0x0201, { ackSerial: query.serial, ...locationBody() });
  t.equal((await next).status, 200);
});

t.test('a failed 0x0805 says what its result means, and links nothing', async (t) => {
  const { server, term } = await start(t);
  const shoot = async (result: number, mediaIds?: number[]): Promise<Answer> => {
    const asking = call(server.ports.http, DUTY, 'POST', `/api/terminals/${PHONE}/commands`, { command: 0x8801, body: SHOOT });
    const cmd = await term.next(isCommand(0x8801));
    term.send(0x0805, { ackSerial: cmd.serial, result, ...(mediaIds ? { mediaIds } : {}) });
    const res = await asking;
    t.equal(res.status, 200, 'answered: the terminal said no');
    return res.json as Answer;
  };
  const unsupported = await shoot(2);
  t.same([unsupported.outcome, unsupported.media, unsupported.uploads], ['channel-unsupported', [], undefined]);
  t.match(unsupported.message, /no camera on that channel \(0x0805 result 2: channel not supported\)/);
  const failed = await shoot(1, [7, 8]);
  t.equal(failed.outcome, 'failed');
  t.match(failed.message, /could not take the photo.*\(0x0805 result 1: failure\)/);
  t.same(failed.reply.body.mediaIds, [7, 8], 'the reply as the terminal sent it');
  t.same(failed.media, [], 'but IDs after a failure mean nothing (the standard: only when the result is 0)');
  const odd = await shoot(9);
  t.match([odd.outcome, odd.message], ['failed', /result 9, not in the standard/]);

  // a terminal answering with 0x0001 (a 2011 one, or one refusing)
  const asking = call(server.ports.http, DUTY, 'POST', `/api/terminals/${PHONE}/commands`, { command: 'takePhoto', body: SHOOT });
  const cmd = await term.next(isCommand(0x8801));
  term.send(0x0001, { ackSerial: cmd.serial, ackMsgId: 0x8801, result: 3 });
  const refused = (await asking).json as Answer;
  t.same([refused.outcome, refused.media], ['unsupported', []]);
  t.match(refused.message, /does not support 0x8801 \(0x0001 result 3: not supported\)/);
});

t.test('0x8802 answered with a list: each item linked; 0x8803 and 0x8805 followed by uploads the hrefs find', async (t) => {
  const { server, term } = await start(t);
  const http = server.ports.http;
  const post = (payload: unknown) => call(http, DUTY, 'POST', `/api/terminals/${PHONE}/commands`, payload);
  const list = async (href: string) => (await call(http, DUTY, 'GET', href)).json as Page;

  // the stored media search
  const searching = post({ command: 'storedMediaSearch', body: { type: 0, event: 0, start: '2024-05-01T00:00:00.000Z', end: '2024-05-02T00:00:00.000Z' } });
  const search = (await term.next(isCommand(0x8802))) as Message<Record<string, unknown>>;
  t.same(search.body, { type: 0, channel: 0, event: 0, start: '2024-05-01T00:00:00.000Z', end: '2024-05-02T00:00:00.000Z' }, 'every channel by default');
  const items = [
    { mediaId: 0x2001, type: 0, channel: 1, event: 0, location: locationBody({ time: '2024-05-01T02:00:00.000Z' }) },
    { mediaId: 0x2002, type: 0, channel: 2, event: 0, location: locationBody({ time: '2024-05-01T03:00:00.000Z' }) },
  ];
  term.send(0x0802, { ackSerial: search.serial, items });
  const found = (await searching).json as Answer;
  t.equal(found.reply.msgId, 0x0802);
  t.match((found.reply.body.items as unknown[]).map((i) => (i as { mediaId: number; channel: number }).mediaId), [0x2001, 0x2002], 'the items, decoded');
  t.equal(found.outcome, 'ok');
  t.same(
    found.media!.map((m) => queryOf(m.href)),
    [0x2001, 0x2002].map((id) => ({ path: '/api/media', terminal: TERMINAL, mediaId: String(id) })),
    'an href per item, without a start (it may have been uploaded before)',
  );
  t.notOk('uploads' in found, 'a search uploads nothing');

  // the stored media upload: 0x0001, then the files as 0x0801
  const uploading = post({ command: 'storedMediaUpload', body: { type: 0, event: 0 } });
  const order = (await term.next(isCommand(0x8803))) as Message<Record<string, unknown>>;
  t.same(order.body, { type: 0, channel: 0, event: 0, start: null, end: null, delete: 0 }, 'kept on the terminal by default');
  term.send(0x0001, { ackSerial: order.serial, ackMsgId: 0x8803, result: 0 });
  const ordered = (await uploading).json as Answer;
  t.same([ordered.outcome, ordered.media], ['ok', []]);
  t.same((({ path, terminal, type }) => ({ path, terminal, type }))(queryOf(ordered.uploads!)), { path: '/api/media', terminal: TERMINAL, type: '0' });
  const files = [photo(1500, 21), photo(2500, 22)];
  await upload(term, 0x2001, files[0]!);
  await upload(term, 0x2002, files[1]!);
  const arrived = await until('both uploads listed', async () => {
    const p = await list(ordered.uploads!);
    return p.total === 2 ? p : undefined;
  });
  t.same(arrived.items.map((m) => m.sha256).sort(), files.map(sha256).sort(), 'the files the terminal sent');
  for (const [i, link] of found.media!.entries()) {
    const p = await list(link.href);
    t.same([p.total, p.items[0]?.sha256], [1, sha256(files[i]!)], `the search's href for ${link.mediaId} finds its upload`);
  }

  // the single stored media upload: its own ID linked
  const single = post({ command: 'singleStoredMediaUpload', body: { mediaId: 0x2002, delete: 1 } });
  const one = (await term.next(isCommand(0x8805))) as Message<Record<string, unknown>>;
  t.same(one.body, { mediaId: 0x2002, delete: 1 });
  term.send(0x0001, { ackSerial: one.serial, ackMsgId: 0x8805, result: 0 });
  const singled = (await single).json as Answer;
  t.same(singled.media!.map((m) => m.mediaId), [0x2002]);
  const again = photo(1800, 23);
  await upload(term, 0x2002, again);
  const newest = await until('the upload listed at its href', async () => {
    const p = await list(singled.media![0]!.href);
    return p.items[0]?.sha256 === sha256(again) ? p.items[0] : undefined;
  });
  t.equal(newest.mediaId, 0x2002, 'newest first: the file this command brought');

  // a refusal of the upload
  const refusing = post({ command: 'storedMediaUpload', body: { type: 2, event: 0 } });
  const refused = await term.next(isCommand(0x8803));
  term.send(0x0001, { ackSerial: refused.serial, ackMsgId: 0x8803, result: 2 });
  const said = (await refusing).json as Answer;
  t.same([said.outcome, said.uploads], ['bad-message', undefined]);
  t.match(said.message, /0x0001 result 2: message error/);
});
