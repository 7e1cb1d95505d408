/**
 * Case evidence uploads under hostile requests (issue 19), each guard with its count:
 * - a body is held in memory while received: at most cases.maxUploadsAtOnce at once (429 past
 *   it, dipper_evidence_total{outcome="busy"}), counted from the headers, freed when the client
 *   goes away; a JSON attachment holds nothing and is never refused for it;
 * - at most cases.maxUploadBytes: 413 from Content-Length before a byte of the body is read, or
 *   as soon as a chunked body passes it; an upload may be larger than http.maxBodyBytes, a JSON
 *   body on the same route may not;
 * - only the listed types, and only bytes that are what their type says (an HTML page said to
 *   be an image, a video, a sound): 415, nothing stored;
 * - each case has its own media quota (media.maxBytesPerTerminal): one case's uploads cannot fill
 *   another's room, nor a terminal's (507 past it, outcome "quota");
 * - an uploaded file is served as it was checked, never as a page (nosniff, CSP sandbox);
 * - a record of another district is no record (404), and a link never crosses org units (409).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { MediaRecord } from '../../events/media-record.js';
import { stillClip } from '../../simulators/clip.js';
import { gradientJpeg } from '../../simulators/picture.js';
import { call, until } from '../gateway/helpers/http.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { TestTerminal } from '../gateway/helpers/terminal.js';
import { postFile, uploadOver808 } from '../helpers/media-upload.js';
import { sample } from '../ops/helpers.js';

const CITY = 'evidence-security-city-token-0001';
const JH = 'evidence-security-jh-token-000001';
const MAX_UPLOAD = 128 * 1024;

function registry(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'dipper-evidence-sec-')), 'devices.json');
  writeFileSync(file, JSON.stringify({ terminals: [{ terminal: '013900000091', category: 'bodycam', org: 'wuhan/hongshan' }] }));
  return file;
}

/** a JPEG of `size` bytes: a real one's head, then filler */
const jpegOf = (size: number) => Buffer.concat([gradientJpeg(8, 8), Buffer.alloc(size, 0x11)]).subarray(0, size);

t.test('evidence uploads: bounded at once, in size, in type, per case; served inert; scoped', async (t) => {
  const server = await startTestServer(t, {
    devices: registry(),
    cases: { maxUploadBytes: MAX_UPLOAD, maxUploadsAtOnce: 2 },
    media: { maxBytesPerTerminal: 256 * 1024 },
    api: {
      tokens: [
        { token: CITY, org: '', name: 'city', rights: ['read', 'command', 'admin'] },
        { token: JH, org: 'wuhan/jianghan', name: 'jianghan', rights: ['read', 'command'] },
      ],
    },
  });
  const port = server.ports.http;
  const metric = async (series: string) => sample((await call(port, CITY, 'GET', '/metrics')).text, series) ?? 0;
  const evidence = (outcome: string) => metric(`dipper_evidence_total{outcome="${outcome}"}`);
  for (const id of ['JH-1', 'JH-2']) {
    t.equal((await call(port, CITY, 'POST', '/api/cases', { id, type: 'theft', org: 'wuhan/jianghan', location: { lat: 30.58, lng: 114.27 }, time: new Date().toISOString() })).status, 201);
  }
  const files = () => metric('dipper_media_files');

  await t.test('uploads at once', async (t) => {
    const held: Socket[] = [];
    t.teardown(() => held.forEach((s) => s.destroy()));
    for (let i = 0; i < 2; i++) {
      held.push(
        await new Promise<Socket>((resolve) => {
          const s = connect(port, '127.0.0.1', () => {
            // the headers and the first bytes, then nothing: a slow client holding its slot
            s.write(`POST /api/cases/JH-1/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${JH}\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n`);
            s.write(jpegOf(1000));
            resolve(s);
          });
          s.on('error', () => undefined);
        }),
      );
    }
    await until('both uploads being received', async () => (await metric('dipper_evidence_uploads_receiving')) === 2);
    const third = await postFile(port, JH, '/api/cases/JH-1/media', jpegOf(2000), 'image/jpeg');
    t.equal(third.status, 429, 'a third at once: 429');
    t.match(third.json!.message, /cases\.maxUploadsAtOnce/);
    t.equal(await evidence('busy'), 1, 'counted');
    // a terminal of no org unit uploads meanwhile: a record to attach
    const term = await TestTerminal.tcp(server.ports.jt808, { phone: '013900000092' });
    t.teardown(() => term.close());
    await term.login();
    await uploadOver808(term, 7, gradientJpeg(16, 16));
    const record = await until('the record', async () => ((await call(port, CITY, 'GET', '/api/media')).json?.items as MediaRecord[] | undefined)?.[0]);
    t.equal((await call(port, CITY, 'POST', '/api/cases/JH-1/media', { mediaId: record.id })).status, 409, 'a JSON attachment is never held back by the uploads (this record is of no org unit: refused for that)');
    held[0]!.destroy();
    await until('its slot freed', async () => (await metric('dipper_evidence_uploads_receiving')) === 1);
    t.equal((await postFile(port, JH, '/api/cases/JH-1/media', jpegOf(2000), 'image/jpeg')).status, 201, 'taken again');
  });

  await t.test('size', async (t) => {
    const before = await files();
    t.equal((await postFile(port, JH, '/api/cases/JH-1/media', jpegOf(100 * 1024), 'image/jpeg')).status, 201, 'larger than http.maxBodyBytes (64 KiB), within cases.maxUploadBytes');
    // Content-Length past the limit: answered before the body is sent
    const early = await new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1', () => s.write(`POST /api/cases/JH-1/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${JH}\r\nContent-Type: image/jpeg\r\nContent-Length: ${MAX_UPLOAD + 1}\r\n\r\n`));
      let answer = '';
      s.on('data', (d) => {
        answer += d.toString('latin1');
        if (answer.includes('\r\n\r\n')) {
          s.destroy();
          resolve(answer);
        }
      });
      s.on('error', () => undefined);
    });
    t.match(early, /^HTTP\/1\.1 413 /, '413 from the Content-Length, no body sent');
    // chunked, no length: refused once it passes
    const chunked = await fetch(`http://127.0.0.1:${port}/api/cases/JH-1/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${JH}`, 'content-type': 'image/jpeg' },
      body: new ReadableStream({
        start(c) {
          c.enqueue(jpegOf(64 * 1024));
          c.enqueue(Buffer.alloc(64 * 1024 + 1, 0x22));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    t.equal(chunked.status, 413, 'a chunked body past the limit');
    const json = await call(port, JH, 'POST', '/api/cases/JH-1/media', JSON.stringify({ mediaId: 'x'.repeat(70 * 1024) }));
    t.equal(json.status, 413, 'a JSON body is held to http.maxBodyBytes on this route too');
    t.equal(await evidence('too-large'), 3, 'each counted');
    t.equal(await files(), before + 1, 'only the one within the limit stored');
  });

  await t.test('type', async (t) => {
    const before = await files();
    const page = Buffer.from('<!doctype html><script>fetch("/api/cases")</script>');
    for (const type of ['image/jpeg', 'image/png', 'video/mp4', 'audio/mpeg', 'audio/wav']) {
      const r = await postFile(port, JH, '/api/cases/JH-1/media', page, type);
      t.equal(r.status, 415, `an HTML page said to be ${type}`);
    }
    t.equal((await postFile(port, JH, '/api/cases/JH-1/media', Buffer.alloc(0), 'image/jpeg')).status, 415, 'no bytes at all');
    for (const type of ['text/html', 'image/svg+xml', 'application/octet-stream', 'multipart/form-data; boundary=x']) {
      t.equal((await postFile(port, JH, '/api/cases/JH-1/media', gradientJpeg(8, 8), type)).status, 415, `${type} is not taken`);
    }
    t.equal(await evidence('mismatch'), 6);
    t.equal(await evidence('wrong-type'), 4);
    t.equal(await files(), before, 'nothing stored');
  });

  await t.test('a quota per case', async (t) => {
    // JH-1 holds 2 KB (4 KiB charged), 100 KB (100 KiB); 150 KB more passes its 256 KiB
    const past = await postFile(port, JH, '/api/cases/JH-1/media', jpegOf(120 * 1024), 'image/jpeg');
    t.equal(past.status, 201);
    const full = await postFile(port, JH, '/api/cases/JH-1/media', jpegOf(100 * 1024), 'image/jpeg');
    t.equal(full.status, 507, "past the case's quota");
    t.match(full.json!.message, /terminal-quota/);
    t.equal(await evidence('quota'), 1);
    t.equal((await postFile(port, JH, '/api/cases/JH-2/media', jpegOf(100 * 1024), 'image/jpeg')).status, 201, 'another case has room of its own');
    const served = await fetch(`http://127.0.0.1:${port}/api/media/${String(past.json!.id)}`, { headers: { authorization: `Bearer ${JH}` } });
    t.equal(served.headers.get('x-content-type-options'), 'nosniff');
    t.equal(served.headers.get('content-security-policy'), 'sandbox', 'served inert');
  });

  await t.test('scope', async (t) => {
    const term = await TestTerminal.tcp(server.ports.jt808, { phone: '013900000091' });
    t.teardown(() => term.close());
    await term.login();
    await uploadOver808(term, 9, stillClip({ width: 16, height: 16, frames: 2 }), { type: 2, format: 4 });
    const hongshan = await until('the Hongshan record', async () => ((await call(port, CITY, 'GET', '/api/media?terminal=13900000091')).json?.items as MediaRecord[] | undefined)?.[0]);
    t.equal((await call(port, JH, 'POST', '/api/cases/JH-1/media', { mediaId: hongshan.id })).status, 404, "another district's record is no record");
    t.equal((await call(port, CITY, 'POST', '/api/cases/JH-1/media', { mediaId: hongshan.id })).status, 409, 'never linked across org units');
    t.equal((await call(port, JH, 'GET', '/api/cases/JH-1/media')).json.items.some((e: { id: string }) => e.id === hongshan.id), false);
  });
});

t.test('a slow upload (a byte now and then) is answered 408 at cases.uploadTimeoutMs and its slot freed', async (t) => {
  // the deadline counts from the slow request's own headers: nothing else in this test waits on it
  const server = await startTestServer(t, {
    devices: registry(),
    cases: { maxUploadBytes: MAX_UPLOAD, maxUploadsAtOnce: 1, uploadTimeoutMs: 2000 },
    api: {
      tokens: [
        { token: CITY, org: '', name: 'city', rights: ['read', 'command', 'admin'] },
        { token: JH, org: 'wuhan/jianghan', name: 'jianghan', rights: ['read', 'command'] },
      ],
    },
  });
  const port = server.ports.http;
  const metric = async (series: string) => sample((await call(port, CITY, 'GET', '/metrics')).text, series) ?? 0;
  t.equal((await call(port, CITY, 'POST', '/api/cases', { id: 'JH-9', type: 'theft', org: 'wuhan/jianghan', location: { lat: 30.58, lng: 114.27 }, time: new Date().toISOString() })).status, 201);

  const answer = await new Promise<string>((resolve) => {
    let text = '';
    const s = connect(port, '127.0.0.1', () => {
      s.write(`POST /api/cases/JH-9/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${JH}\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n`);
      s.write(jpegOf(1000));
      // then a byte now and then: never idle, never done
      const trickle = setInterval(() => s.write(Buffer.from([0x11])), 200);
      s.on('close', () => clearInterval(trickle));
    });
    s.on('data', (d) => (text += d.toString('latin1')));
    s.on('close', () => resolve(text));
    s.on('error', () => undefined);
    t.teardown(() => s.destroy());
  });
  t.match(answer, /^HTTP\/1\.1 408 /, 'answered 408, then the connection closed');
  t.match(answer, /cases\.uploadTimeoutMs/);
  t.equal(await metric('dipper_evidence_total{outcome="timeout"}'), 1, 'counted');
  await until('its slot freed', async () => (await metric('dipper_evidence_uploads_receiving')) === 0);
  t.equal((await postFile(port, JH, '/api/cases/JH-9/media', jpegOf(2000), 'image/jpeg')).status, 201, 'the next upload is taken');
});
