/**
 * Media commands' answers are a terminal's words (issue 19): what the command route builds from
 * them is bounded and points only at the commanded terminal.
 * - A 0x0805 reporting 65,535 media IDs (262,145 bytes, in 263 packages: within reassembly's
 *   bounds) gets links for the first 1,024 distinct ones; the other 64,511 are counted in
 *   dipper_command_media_unlinked_total and said in `mediaUnlinked`, and another terminal's
 *   command is answered meanwhile as usual. Repeated IDs are linked once.
 * - A 0x0805 whose count says 65,535 but carries one ID is a malformed frame (counted, 0x8001
 *   result 2), answers no command: the caller gets its timeout (504), nothing invented.
 * - A terminal reporting another terminal's media IDs (here, one of another district's) links
 *   only its own records: the hrefs name the commanded terminal, never one from the answer.
 * - Through the command relay the reply is the holder's JSON: the links built from it are those
 *   of the decoded message, and a reply of the wrong shape (IDs as strings, out of range, nested)
 *   is linked only where it holds a valid DWORD.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { MEDIA_LINKS_MAX, mediaAnswer } from '../../api/command-media.js';
import { decodeBody, enframe, toJson, unframe } from '../../decoders/index.js';
import type { Message } from '../../decoders/index.js';
import { openAnswer, relayKey, seal } from '../../sinks/relay-wire.js';
import { call, until } from '../gateway/helpers/http.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';
import type { Downlink } from '../gateway/helpers/terminal.js';
import { sample } from '../ops/helpers.js';

const A = '013800000091'; // wuhan/jianghan
const B = '013800000092'; // wuhan/hongshan
const DUTY = 'command-media-jianghan-token-001';
const CITY = 'command-media-city-token-0000001';
const SHOOT = { channel: 1, command: 1, intervalS: 0, save: 0, resolution: 1, quality: 5, brightness: 128, contrast: 64, saturation: 64, chroma: 128 };
const isShoot = (m: Downlink) => m.msgId === 0x8801;

function registry(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'dipper-command-media-')), 'devices.json');
  writeFileSync(file, JSON.stringify({ terminals: [{ terminal: A, category: 'vehicle', org: 'wuhan/jianghan' }, { terminal: B, category: 'vehicle', org: 'wuhan/hongshan' }] }));
  return file;
}

interface Answer {
  reply: Message<Record<string, unknown>>;
  outcome: string;
  media: { mediaId: number; href: string }[];
  mediaUnlinked?: number;
}

t.test('over TCP: a 0x0805 of 65,535 IDs, repeats, a lying count, another terminal\'s IDs', async (t) => {
  const server = await startTestServer(t, {
    devices: registry(),
    api: {
      tokens: [
        { token: DUTY, org: 'wuhan/jianghan', name: 'duty', rights: ['read', 'command'] },
        { token: CITY, org: '', name: 'city', rights: ['read', 'command'] },
      ],
    },
  });
  const http = server.ports.http;
  const a = await TestTerminal.tcp(server.ports.jt808, { phone: A });
  const b = await TestTerminal.tcp(server.ports.jt808, { phone: B });
  t.teardown(() => {
    a.close();
    b.close();
  });
  await a.login();
  await b.login();
  const shoot = (token: string, phone: string, timeoutMs?: number) =>
    call(http, token, 'POST', `/api/terminals/${phone}/commands`, { command: 'takePhoto', body: SHOOT, ...(timeoutMs ? { timeoutMs } : {}) });
  const unlinked = async () => sample((await call(http, CITY, 'GET', '/metrics')).text, 'dipper_command_media_unlinked_total') ?? 0;

  t.test('65,535 IDs: 1,024 linked, the rest counted; another terminal is answered meanwhile', async (t) => {
    const before = await unlinked();
    const asking = shoot(DUTY, A);
    const cmd = await a.next(isShoot);
    const ids = Array.from({ length: 65535 }, (_, i) => i + 1);
    const { frames } = a.sendParts(0x0805, { ackSerial: cmd.serial, result: 0, mediaIds: ids }, 1000);
    t.equal(frames.length, 263, '5 + 262,140 bytes in packages of 1,000');
    // B's command while A's answer is being reassembled and linked
    const other = shoot(CITY, B);
    const bCmd = await b.next(isShoot);
    b.send(0x0805, { ackSerial: bCmd.serial, result: 0, mediaIds: [77] });
    const bRes = await other;
    t.same([bRes.status, (bRes.json as Answer).media.map((m) => m.mediaId)], [200, [77]], 'the other terminal answered as usual');

    const res = await asking;
    t.equal(res.status, 200);
    const answer = res.json as Answer;
    t.equal((answer.reply.body.mediaIds as number[]).length, 65535, 'the reply as the terminal sent it');
    t.equal(answer.media.length, MEDIA_LINKS_MAX);
    t.same([answer.media[0]!.mediaId, answer.media.at(-1)!.mediaId], [1, 1024], 'the first 1,024, in order');
    t.equal(answer.mediaUnlinked, 65535 - 1024, 'the rest said');
    t.equal((await unlinked()) - before, 65535 - 1024, 'and counted');
  });

  t.test('repeated IDs are linked once', async (t) => {
    const asking = shoot(DUTY, A);
    const cmd = await a.next(isShoot);
    a.send(0x0805, { ackSerial: cmd.serial, result: 0, mediaIds: [5, 5, 6, 5] });
    const answer = (await asking).json as Answer;
    t.same([answer.media.map((m) => m.mediaId), answer.mediaUnlinked], [[5, 6], 2]);
  });

  t.test('a count of 65,535 with one ID: a malformed frame, no answer invented', async (t) => {
    const malformed = async () => {
      const text = (await call(http, CITY, 'GET', '/metrics')).text;
      return text.split('\n').filter((l) => l.startsWith('dipper_decode_errors_total')).reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
    };
    const before = await malformed();
    const asking = shoot(DUTY, A, 1000);
    const cmd = await a.next(isShoot);
    // a true 0x0805 with one ID, its count then made 0xFFFF (2013 header: 12 bytes; the count after serial and result)
    const data = Buffer.from(unframe(a.frame(0x0805, { ackSerial: cmd.serial, result: 0, mediaIds: [1] }).subarray(1, -1)) as Buffer);
    t.equal(data.readUInt16BE(15), 1, 'the count where the layout puts it');
    data.writeUInt16BE(0xffff, 15);
    a.writeRaw(enframe(data));
    const refusal = await a.ackOf(data.readUInt16BE(10));
    t.same([refusal.ackMsgId, refusal.result], [0x0805, 2], 'answered 0x8001 result 2 (message error)');
    t.ok((await malformed()) > before, 'counted as a decode error');
    const res = await asking;
    t.equal(res.status, 504, 'the command was not answered: its timeout, nothing invented');
  });

  t.test("another terminal's media IDs find only the commanded terminal's records", async (t) => {
    // B (another district) uploads media 0x3003
    const bytes = Buffer.alloc(600, 0x3a);
    bytes.writeUInt16BE(0xffd8, 0);
    b.send(0x0801, { mediaId: 0x3003, type: 0, format: 0, event: 0, channel: 1, location: locationBody(), data: bytes });
    await until("B's upload recorded", async () => ((await call(http, CITY, 'GET', '/api/media?mediaId=12291')).json as { total: number }).total === 1 || undefined);
    // A claims it took it
    const asking = shoot(DUTY, A);
    const cmd = await a.next(isShoot);
    a.send(0x0805, { ackSerial: cmd.serial, result: 0, mediaIds: [0x3003] });
    const answer = (await asking).json as Answer;
    const href = answer.media[0]!.href;
    t.equal(new URL(href, 'http://x').searchParams.get('terminal'), A.replace(/^0+/, ''), "the href names A, whatever A's answer says");
    for (const token of [DUTY, CITY]) {
      const page = (await call(http, token, 'GET', href)).json as { total: number };
      t.equal(page.total, 0, `${token === CITY ? 'even the city' : 'A\'s district'} finds nothing of B's through it`);
    }
  });
});

t.test('through the relay: the holder\'s JSON links as the decoded message; wrong shapes link only valid IDs', async (t) => {
  const key = relayKey('a-relay-test-secret-of-at-least-32-bytes');
  // a real 0x0805 body as a 2013 terminal sends it: serial 0x0102, result 0, two IDs 0x10 and 0xFFFFFFFF
  const decoded = decodeBody({ msgId: 0x0805, version: '2013', phone: '013800000091', serial: 9 }, Buffer.from('0102 00 0002 00000010 ffffffff'.replace(/ /g, ''), 'hex'));
  if (!decoded.ok || 'part' in decoded.message) throw new Error('the fixture decodes');
  const message = decoded.message;
  const sealed = seal(key, { type: 'answer', id: crypto.randomUUID(), from: crypto.randomUUID(), to: crypto.randomUUID(), issuedAt: Date.now(), phase: 'answer', outcome: 'answered', reply: JSON.parse(toJson(message)) as object });
  const opened = openAnswer(key, sealed);
  if (!opened.ok) throw new Error(`the relay refused it: ${opened.reason}`);
  const at = Date.parse('2024-05-01T00:00:05.000Z');
  const local = mediaAnswer(0x8801, SHOOT, message, '13800000091', at);
  const relayed = mediaAnswer(0x8801, SHOOT, opened.value.reply, '13800000091', at);
  t.same(relayed, local, 'the same links either way');
  t.same(
    local!.media,
    [
      { mediaId: 0x10, href: '/api/media?terminal=13800000091&mediaId=16&from=2024-05-01T00%3A00%3A00.000Z' },
      { mediaId: 0xffffffff, href: '/api/media?terminal=13800000091&mediaId=4294967295&from=2024-05-01T00%3A00%3A00.000Z' },
    ],
    'IDs and hrefs (from: 5 s before the command)',
  );

  const hostile = { msgId: 0x0805, body: { ackSerial: 1, result: 0, mediaIds: ['16', -1, 2 ** 32, 1.5, { id: 3 }, null, 4] } };
  t.same(mediaAnswer(0x8801, SHOOT, hostile, '13800000091', at)!.media.map((m) => m.mediaId), [4], 'only the valid DWORD');
  t.same(mediaAnswer(0x8801, SHOOT, { msgId: 0x0805, body: { result: 0, mediaIds: 'everything' } }, '1', at)!.media, [], 'not a list: nothing');
  t.equal(mediaAnswer(0x8801, SHOOT, { msgId: 0x0805, body: 'x' }, '1', at), undefined, 'no body: no media answer');
  t.equal(mediaAnswer(0x8801, SHOOT, null, '1', at), undefined);
  const items = { msgId: 0x0802, body: { ackSerial: 1, items: [{ mediaId: 8 }, 'x', { type: 0 }, { mediaId: 'nine' }] } };
  t.same(mediaAnswer(0x8802, {}, items, '1', at)!.media, [{ mediaId: 8, href: '/api/media?terminal=1&mediaId=8' }], '0x0802 items without a valid ID (a 2011 terminal\'s) are not linked');
});
