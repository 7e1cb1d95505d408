/**
 * Issue 14, section 5: "open by default, commands included". With no API tokens anyone on the
 * network could read every terminal and POST 0x8103/0x8105/0x8500/0x8300. Reproduced against
 * a real gateway in-process (the entry point's defaults, in child processes, are in
 * open-by-default-start.test.ts: split so each file fits tap's per-file timeout on a busy machine):
 * - tokens carry rights: a read token gets 403 on commands (0x8103, 0x8105, 0x8500, 0x8300)
 *   and on case changes, and no command reaches the terminal; a command token reaches only
 *   the terminals of its scope;
 * - TileJSON tile URLs come from http.publicUrl (or are root-relative), never from the Host
 *   header, and never carry the caller's access_token;
 * - JSON bodies: a 1 MB body of nested [ is refused (413 by size, 400 by depth) before it is
 *   parsed, and the gateway keeps answering terminals;
 * - /api/stream: at most http.maxStreamsPerToken per token, 429 beyond;
 * - a case id used by another district cannot be probed: creating it answers as for an unused id;
 * - /metrics (every org's online counts) takes a token whose org is "" when tokens are configured.
 */
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import type { Message } from '../../decoders/index.js';
import { validate } from '../../server/config.js';
import { jsonTooDeep } from '../../api/json-depth.js';
import type { Server } from '../../server/server.js';
import type { Right } from '../../events/tokens.js';
import { startTestServer, testConfig } from '../gateway/helpers/server.js';
import { until } from '../gateway/helpers/http.js';
import { TestTerminal } from '../gateway/helpers/terminal.js';
import { rawGet } from '../map/helpers.js';
import { sample, scrape } from '../ops/helpers.js';

// ---- rights: a token carries rights as well as a scope ----

const JH = { terminal: '13800000001', category: 'vehicle', org: 'wuhan/jianghan' };
const WC = { terminal: '13900000001', category: 'vehicle', org: 'wuhan/wuchang' };
const READER = { token: 'reader-token-0123456789', org: '' };
const JH_COMMANDER = { token: 'jh-commander-token-0123456789', org: 'wuhan/jianghan', rights: ['read', 'command'] as Right[] };
const CITY_COMMANDER = { token: 'city-commander-token-0123456789', org: '', rights: ['command'] as Right[] };
const ADMIN = { token: 'admin-token-0123456789', org: 'wuhan', rights: ['read', 'admin'] as Right[] };

/** What an attacker posts (issue 14 §5): new server address, reset, unlock, a forged order. */
const ATTACKS = [
  { command: 0x8103, body: { params: [{ id: 0x0013, value: 'evil.example.com' }] } },
  { command: 0x8105, body: { command: 4 } },
  { command: 0x8500, body: { flag: 0 } },
  { command: 0x8300, body: { flag: 0, text: 'forged dispatch order' } },
];
const DOWNLINKS = new Set(ATTACKS.map((a) => a.command));

async function startWithTokens(t: Test): Promise<{ server: Server; base: string; jh: TestTerminal; wc: TestTerminal }> {
  const probe = testConfig();
  const devices = join(probe.dataDir, 'devices.json');
  writeFileSync(devices, JSON.stringify({ terminals: [JH, WC] }));
  const server = await startTestServer(t, { devices, api: { tokens: [READER, JH_COMMANDER, CITY_COMMANDER, ADMIN] } });
  const terminals: TestTerminal[] = [];
  for (const d of [JH, WC]) {
    const term = await TestTerminal.tcp(server.ports.jt808, { phone: `0${d.terminal}` });
    t.teardown(() => term.close());
    await term.login();
    terminals.push(term);
  }
  return { server, base: `http://127.0.0.1:${server.ports.http}`, jh: terminals[0]!, wc: terminals[1]! };
}

function call(base: string, method: string, path: string, token: string, body?: unknown): Promise<Response> {
  return fetch(base + path, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** The command a terminal receives next is `text` (so nothing before it was delivered), answered 0x0001. */
async function receivesOnly(t: Test, term: TestTerminal, pending: Promise<Response>, text: string): Promise<void> {
  const cmd = (await term.next(0x8300)) as Message<{ text: string }>;
  t.equal(cmd.body.text, text, 'the first 0x8300 the terminal got is the allowed one');
  term.send(0x0001, { ackSerial: cmd.serial, ackMsgId: 0x8300, result: 0 });
  t.equal((await pending).status, 200, 'the allowed command is answered');
  t.same(term.received.filter((m) => DOWNLINKS.has(m.msgId)), [], 'no forbidden command reached the terminal');
}

t.test('a read token gets 403 on every command and on every route that changes something', async (t) => {
  const { base, jh } = await startWithTokens(t);
  for (const a of ATTACKS) {
    const res = await call(base, 'POST', `/api/terminals/${JH.terminal}/commands`, READER.token, a);
    t.equal(res.status, 403, `0x${a.command.toString(16)}: 403`);
    const json = (await res.json()) as { error: string; message: string };
    t.equal(json.error, 'Forbidden');
    t.match(json.message, /"command" right/, 'the message names the missing right');
  }
  const create = await call(base, 'POST', '/api/cases', READER.token, { id: 'r-1', type: 'theft', location: { lat: 30.58, lng: 114.27 }, time: new Date().toISOString() });
  t.equal(create.status, 403, 'case creation: 403');
  t.match(((await create.json()) as { message: string }).message, /"admin" right/);
  // every route of the OpenAPI document that is not a read: none is open to a read token
  const doc = (await (await fetch(`${base}/docs/json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  let writes = 0;
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const method of Object.keys(methods)) {
      if (method === 'get' || method === 'head') continue;
      writes++;
      const url = path.replace('{terminal}', JH.terminal).replace('{id}', 'r-1');
      t.equal((await call(base, method.toUpperCase(), url, READER.token, {})).status, 403, `${method.toUpperCase()} ${path}: 403`);
    }
  }
  t.ok(writes >= 3, `${writes} changing routes checked (commands, case create, case patch)`);
  await receivesOnly(t, jh, call(base, 'POST', `/api/terminals/${JH.terminal}/commands`, JH_COMMANDER.token, { command: 'textMessage', body: { flag: 0, text: 'allowed' } }), 'allowed');
});

t.test('a command token commands only the terminals of its scope, and cannot create cases', async (t) => {
  const { base, jh, wc } = await startWithTokens(t);
  for (const a of ATTACKS) {
    const res = await call(base, 'POST', `/api/terminals/${WC.terminal}/commands`, JH_COMMANDER.token, a);
    t.equal(res.status, 404, `0x${a.command.toString(16)} to another district's terminal: 404, as if unknown`);
  }
  await receivesOnly(t, wc, call(base, 'POST', `/api/terminals/${WC.terminal}/commands`, CITY_COMMANDER.token, { command: 'textMessage', body: { flag: 0, text: 'from the city' } }), 'from the city');
  await receivesOnly(t, jh, call(base, 'POST', `/api/terminals/${JH.terminal}/commands`, JH_COMMANDER.token, { command: 'textMessage', body: { flag: 0, text: 'in scope' } }), 'in scope');
  const kase = { id: 'c-1', type: 'theft', location: { lat: 30.58, lng: 114.27 }, time: new Date().toISOString() };
  t.equal((await call(base, 'POST', '/api/cases', JH_COMMANDER.token, kase)).status, 403, 'command token: no case creation');
  t.equal((await call(base, 'GET', '/api/terminals', CITY_COMMANDER.token)).status, 403, 'command without read: no reading');
  t.equal((await call(base, 'POST', '/api/cases', ADMIN.token, kase)).status, 201, 'admin token: case created');
  t.equal((await call(base, 'PATCH', '/api/cases/c-1', JH_COMMANDER.token, { status: 'closed' })).status, 403, 'command token: no case change');
  t.equal((await call(base, 'PATCH', '/api/cases/c-1', ADMIN.token, { status: 'closed' })).status, 200, 'admin token: case changed');
});

t.test('rights default to read only', async (t) => {
  const c = validate({ api: { tokens: [{ token: 'a-token-of-16-chars-or-more', org: '' }] } });
  t.same(c.api.tokens[0]!.rights, ['read']);
  t.throws(() => validate({ api: { tokens: [{ token: 'a-token-of-16-chars-or-more', org: '', rights: ['write'] }] } }), /api\.tokens\.0\.rights/);
});

// ---- TileJSON: tile URLs from configuration, never from the Host header, never with the token ----

t.test('TileJSON ignores a hostile Host header and never copies access_token into tile URLs', async (t) => {
  const hostile = { host: 'evil.example.com', 'x-forwarded-host': 'evil.example.com', 'x-forwarded-proto': 'https' };
  const check = async (base: string, kind: 'clusters' | 'heat', prefix: string) => {
    const res = await rawGet(base, `/tiles/${kind}.json?access_token=${READER.token}&org=wuhan`, hostile);
    t.equal(res.status, 200, `${kind}.json answers`);
    const tile = (JSON.parse(res.body.toString()) as { tiles: string[] }).tiles[0]!;
    t.ok(tile.startsWith(`${prefix}/tiles/${kind}/{z}/{x}/{y}.mvt?`), `${kind}: ${tile} starts with ${prefix || 'a root-relative path'}`);
    t.notMatch(tile, /evil/, 'nothing from Host or X-Forwarded-Host');
    t.notMatch(tile, /access_token/, 'no access_token parameter');
    t.notOk(tile.includes(READER.token), 'not the token itself');
    t.match(tile, /[?&]org=wuhan(&|$)/, 'the filters are kept');
  };
  const { base } = await startWithTokens(t);
  await check(base, 'clusters', '');
  await check(base, 'heat', '');
  const configured = await startTestServer(t, { http: { publicUrl: 'https://map.example.org/dipper/' }, api: { tokens: [READER] } });
  const configuredBase = `http://127.0.0.1:${configured.ports.http}`;
  await check(configuredBase, 'clusters', 'https://map.example.org/dipper');
  await check(configuredBase, 'heat', 'https://map.example.org/dipper');
  t.throws(() => validate({ http: { publicUrl: 'map.example.org' } }), /http\.publicUrl/, 'publicUrl must be an http(s) URL');
});

// ---- JSON bodies: bounded in size and depth before they are parsed ----

t.test('nesting depth scan: brackets in strings do not count, escapes are followed', async (t) => {
  t.notOk(jsonTooDeep('[[[1]]]', 3), 'depth 3 at max 3');
  t.ok(jsonTooDeep('[[[[1]]]]', 3), 'depth 4 at max 3');
  t.ok(jsonTooDeep('{"a":{"b":[{}]}}', 3), 'objects and arrays both count: 4 levels');
  t.notOk(jsonTooDeep('{"a":"[[[[[[[[{{{{"}', 1), 'inside a string');
  t.notOk(jsonTooDeep('["\\"[[[[[[", "\\\\"]', 1), 'escaped quote, then an escaped backslash before the closing quote');
  t.ok(jsonTooDeep('["\\\\", [[1]]]', 2), 'after an escaped backslash the string has ended');
  t.ok(jsonTooDeep('['.repeat(1_000_000), 32), 'a million [');
});

/** POST with a body sent chunked (no Content-Length): the limit must hold while it streams. */
function postChunked(port: number, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
    for (let i = 0; i < body.length; i += 16_384) req.write(body.slice(i, i + 16_384));
    req.end();
  });
}

t.test('a 1 MB body of nested [ is refused before it is parsed; the gateway keeps serving', async (t) => {
  const server = await startTestServer(t);
  const port = server.ports.http;
  const base = `http://127.0.0.1:${port}`;
  const term = await TestTerminal.tcp(server.ports.jt808);
  t.teardown(() => term.close());
  await term.login();
  const bomb = '['.repeat(1_000_000);
  const json = { 'content-type': 'application/json' };

  const sized = await fetch(`${base}/api/cases`, { method: 'POST', headers: json, body: bomb });
  t.equal(sized.status, 413, '1 MB with Content-Length: 413 (http.maxBodyBytes is 64 KB)');
  t.equal(await postChunked(port, '/api/cases', bomb), 413, '1 MB chunked: 413 once it passes the limit');
  const commands = await fetch(`${base}/api/terminals/13912345678/commands`, { method: 'POST', headers: json, body: bomb });
  t.equal(commands.status, 413, 'the commands route too');

  const deep = await fetch(`${base}/api/cases`, { method: 'POST', headers: json, body: '['.repeat(60_000) });
  t.equal(deep.status, 400, '60,000 [ under the size limit: 400');
  t.match(((await deep.json()) as { message: string }).message, /http\.maxJsonDepth/, 'named as too deep, not as a parse error');
  const balanced = await fetch(`${base}/api/cases`, { method: 'POST', headers: json, body: `${'['.repeat(33)}${']'.repeat(33)}` });
  t.equal(balanced.status, 400, 'valid JSON 33 deep: 400 too');

  const metrics = await scrape(port);
  t.equal(sample(metrics, 'dipper_http_refused_total{reason="body-too-large"}'), 3, 'counted: too large');
  t.equal(sample(metrics, 'dipper_http_refused_total{reason="json-too-deep"}'), 2, 'counted: too deep');

  const ok = await fetch(`${base}/api/cases`, { method: 'POST', headers: json, body: JSON.stringify({ id: 'c-1', type: 'theft', location: { lat: 30.58, lng: 114.27 }, time: new Date().toISOString() }) });
  t.equal(ok.status, 201, 'an ordinary case is still created');
  t.equal((await term.ackOf(term.send(0x0002, {}))).result, 0, 'a terminal\'s heartbeat is still answered');
});

t.test('a bigger http.maxBodyBytes still refuses the 1 MB nesting by depth', async (t) => {
  const server = await startTestServer(t, { http: { maxBodyBytes: 2 * 1024 * 1024 } });
  const res = await fetch(`http://127.0.0.1:${server.ports.http}/api/cases`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '['.repeat(1_000_000) });
  t.equal(res.status, 400);
  t.match(((await res.json()) as { message: string }).message, /http\.maxJsonDepth/);
});

// ---- the SSE stream: concurrent clients capped per token ----

/** Opens /api/stream; for a 200, waits for the hello event (the stream is counted by then). */
async function openStream(t: Test, base: string, token: string): Promise<{ status: number; json?: { error: string; message: string }; close: () => void }> {
  const abort = new AbortController();
  t.teardown(() => abort.abort());
  const res = await fetch(`${base}/api/stream`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
  if (res.status !== 200) return { status: res.status, json: (await res.json()) as { error: string; message: string }, close: () => abort.abort() };
  const reader = res.body!.getReader();
  let text = '';
  while (!text.includes('event: hello')) text += new TextDecoder().decode((await reader.read()).value);
  return { status: 200, close: () => abort.abort() };
}

t.test('/api/stream: at most http.maxStreamsPerToken per token, 429 beyond, counted', async (t) => {
  const server = await startTestServer(t, { http: { maxStreamsPerToken: 2 }, api: { tokens: [READER, ADMIN] } });
  const base = `http://127.0.0.1:${server.ports.http}`;
  const first = await openStream(t, base, READER.token);
  const second = await openStream(t, base, READER.token);
  t.same([first.status, second.status], [200, 200], 'two streams for one token');
  const third = await openStream(t, base, READER.token);
  t.equal(third.status, 429, 'the third: 429');
  t.equal(third.json?.error, 'Too Many Requests');
  t.match(third.json?.message, /http\.maxStreamsPerToken/);
  t.equal((await openStream(t, base, ADMIN.token)).status, 200, 'another token has its own allowance');
  const metrics = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${READER.token}` } })).text();
  t.equal(sample(metrics, 'dipper_http_refused_total{reason="streams-per-token"}'), 1, 'the refusal is counted');
  first.close();
  // the server sees the close asynchronously: wait for a stream to be accepted again
  const again = await until('a stream accepted again', async () => {
    const { status } = await openStream(t, base, READER.token);
    return status !== 429 && status;
  });
  t.equal(again, 200, 'a closed stream frees its place');
  second.close();
});

// ---- cases: no 409 probe across districts ----

t.test('creating a case with another district\'s id answers as for an unused id', async (t) => {
  const jh = { token: 'jh-admin-token-0123456789', org: 'wuhan/jianghan', rights: ['read', 'admin'] as Right[] };
  const wc = { token: 'wc-admin-token-0123456789', org: 'wuhan/wuchang', rights: ['read', 'admin'] as Right[] };
  const city = { token: 'city-admin-token-0123456789', org: 'wuhan', rights: ['read', 'admin'] as Right[] };
  const server = await startTestServer(t, { api: { tokens: [jh, wc, city] } });
  const base = `http://127.0.0.1:${server.ports.http}`;
  const kase = (id: string, type: string) => ({ id, type, location: { lat: 30.58, lng: 114.27 }, time: '2026-01-02T03:04:05.000Z' });
  const answer = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> });
  /** what a caller can compare: status and fields, less the timestamps */
  const shape = ({ status, body }: { status: number; body: Record<string, unknown> }) => ({ status, keys: Object.keys(body).sort(), org: body.org, status_: body.status });

  t.equal((await call(base, 'POST', '/api/cases', jh.token, kase('JH-2026-001', 'theft'))).status, 201, 'Jianghan has case JH-2026-001');
  const probe = await answer(await call(base, 'POST', '/api/cases', wc.token, kase('JH-2026-001', 'dispute')));
  const fresh = await answer(await call(base, 'POST', '/api/cases', wc.token, kase('WC-2026-777', 'dispute')));
  t.same(shape(probe), shape(fresh), 'Wuchang creating Jianghan\'s id gets what it gets for an unused id');
  t.equal(probe.status, 201);
  t.equal(probe.body.id, 'JH-2026-001', 'with the id it asked for');

  const own = await answer(await call(base, 'GET', '/api/cases/JH-2026-001', wc.token));
  t.same([own.status, own.body.org, own.body.type], [200, 'wuhan/wuchang', 'dispute'], 'Wuchang reads back its own case under that id');
  const list = (await answer(await call(base, 'GET', '/api/cases', wc.token))).body as { total: number; items: { org: string }[] };
  t.ok(list.items.every((c) => c.org === 'wuhan/wuchang'), 'its list shows only its cases');
  t.equal((await call(base, 'POST', '/api/cases', wc.token, kase('JH-2026-001', 'dispute'))).status, 409, 'its own id again: 409 (a case it can see)');
  const theirs = await answer(await call(base, 'GET', '/api/cases/JH-2026-001', jh.token));
  t.same([theirs.status, theirs.body.org, theirs.body.type], [200, 'wuhan/jianghan', 'theft'], 'Jianghan\'s case is untouched');
  t.equal((await call(base, 'PATCH', '/api/cases/JH-2026-001', wc.token, { status: 'closed' })).status, 200, 'Wuchang changes its own case');
  t.equal(((await answer(await call(base, 'GET', '/api/cases/JH-2026-001', jh.token))).body).status, 'open', '...not Jianghan\'s');

  const both = await answer(await call(base, 'GET', '/api/cases/JH-2026-001', city.token));
  t.equal(both.status, 409, 'the city sees both: it must choose');
  t.match(both.body.message, /wuhan\/jianghan/);
  t.match(both.body.message, /wuhan\/wuchang/);
  const chosen = await answer(await call(base, 'GET', '/api/cases/JH-2026-001?org=wuhan/jianghan', city.token));
  t.same([chosen.status, chosen.body.type], [200, 'theft'], '?org= chooses');
  t.equal((await call(base, 'POST', '/api/cases', city.token, { ...kase('JH-2026-001', 'x'), org: 'wuhan/jianghan' })).status, 409, 'the city collides with the cases it sees');
  t.equal(server.map.cases.get('JH-2026-001'), undefined, 'an id held by two org units is unknown to lookups by id alone (MQTT topics): withheld, never the wrong district\'s');
});

// ---- /metrics: per-org counts only for a whole-fleet token ----

t.test('/metrics takes a token whose org is "" when tokens are configured', async (t) => {
  const district = { token: 'district-reader-token-0123456789', org: 'wuhan/jianghan' };
  const probe = testConfig();
  const devices = join(probe.dataDir, 'devices.json');
  writeFileSync(devices, JSON.stringify({ terminals: [JH, WC] }));
  const server = await startTestServer(t, { devices, api: { tokens: [READER, district] } });
  const base = `http://127.0.0.1:${server.ports.http}`;
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: `0${WC.terminal}` });
  t.teardown(() => term.close());
  await term.login();

  const anonymous = await fetch(`${base}/metrics`);
  t.equal(anonymous.status, 401, 'no token: 401');
  t.notMatch(await anonymous.text(), /wuhan/, 'and no org in the answer');
  const scoped = await call(base, 'GET', '/metrics', district.token);
  t.equal(scoped.status, 403, 'a district token: 403 (the counts are every district\'s)');
  t.notMatch(await scoped.text(), /wuchang/);
  const fleet = await call(base, 'GET', '/metrics', READER.token);
  t.equal(fleet.status, 200, 'a whole-fleet token: 200');
  t.equal(sample(await fleet.text(), 'dipper_terminals_online{category="vehicle",org="wuhan/wuchang"}'), 1, 'with the per-org online counts');
  t.equal((await fetch(`${base}/healthz`)).status, 200, '/healthz stays open');
  t.equal((await fetch(`${base}/readyz`)).status, 200, '/readyz stays open');

  const open = await startTestServer(t);
  t.equal((await fetch(`http://127.0.0.1:${open.ports.http}/metrics`)).status, 200, 'no tokens (loopback only): open as before');
});
