/**
 * Evidence tied to its incident or case (issue 19), with real terminals over TCP and the embedded
 * PGlite: a photo a terminal uploads while its SOS incident is open is the incident's evidence,
 * one from before is not until someone attaches it, one from after the incident closed is not;
 * a duty officer attaches records to a case and uploads files for it (a JPEG and an MP4 made
 * to the standards, served back byte for byte: SHA-256); every link is a line of the history
 * with its actor; wrong types, mismatched bytes, oversized bodies and closed files are refused
 * by name; another district sees none of it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { Evidence } from '../../events/evidence.js';
import type { Incident } from '../../events/incident.js';
import type { MediaRecord } from '../../events/media-record.js';
import type { Server } from '../../server/server.js';
import { stillClip } from '../../simulators/clip.js';
import { gradientJpeg } from '../../simulators/picture.js';
import { fetchBytes, postFile, sha256, uploadOver808 } from '../helpers/media-upload.js';
import { call, until } from './helpers/http.js';
import { startTestServer } from './helpers/server.js';
import { TestTerminal, locationBody } from './helpers/terminal.js';

const JH_PHONE = '013900000081';
const JH_TERMINAL = '13900000081';
const HS_PHONE = '013900000082';
const DUTY = 'evidence-duty-token-jianghan-0001';
const VIEWER = 'evidence-viewer-token-jianghan-01';
const OTHER = 'evidence-duty-token-hongshan-0001';
const CITY = 'evidence-city-admin-token-0000001';
const MAX_UPLOAD = 64 * 1024;

function registry(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'dipper-evidence-')), 'devices.json');
  writeFileSync(file, JSON.stringify({ terminals: [{ terminal: JH_PHONE, category: 'bodycam', org: 'wuhan/jianghan' }, { terminal: HS_PHONE, category: 'bodycam', org: 'wuhan/hongshan' }] }));
  return file;
}

type Page = { total: number; items: Evidence[] };

t.test('an incident lists what its terminal uploaded while it was open and what was attached; a case what was attached or uploaded', async (t) => {
  const server: Server = await startTestServer(t, {
    devices: registry(),
    cases: { maxUploadBytes: MAX_UPLOAD },
    api: {
      tokens: [
        { token: DUTY, org: 'wuhan/jianghan', name: 'duty-jianghan', rights: ['read', 'command'] },
        { token: VIEWER, org: 'wuhan/jianghan', name: 'viewer' },
        { token: OTHER, org: 'wuhan/hongshan', name: 'duty-hongshan', rights: ['read', 'command'] },
        { token: CITY, org: '', name: 'city', rights: ['read', 'command', 'admin'] },
      ],
    },
  });
  const port = server.ports.http;
  const api = (token: string, method: string, path: string, body?: unknown) => call(port, token, method, path, body);
  const cam = await TestTerminal.tcp(server.ports.jt808, { phone: JH_PHONE });
  const other = await TestTerminal.tcp(server.ports.jt808, { phone: HS_PHONE });
  t.teardown(() => (cam.close(), other.close()));
  await cam.login();
  await other.login();
  const mediaOf = async (n: number) => until(`${n} media records`, async () => {
    const { json } = await api(CITY, 'GET', '/api/media?limit=500');
    return json.total === n ? (json.items as MediaRecord[]) : undefined;
  });

  // before the alarm: a photo that is no incident's
  const before = gradientJpeg(64, 48);
  await uploadOver808(cam, 1, before);
  await mediaOf(1);
  await cam.ackOf(cam.send(0x0200, locationBody({ alarm: 1 })));
  const incident = await until('the SOS incident', async () => ((await api(DUTY, 'GET', `/api/incidents?terminal=${JH_TERMINAL}`)).json?.items as Incident[] | undefined)?.[0]);
  // while it is open: a photo and a clip
  const photo = gradientJpeg(128, 96);
  const clip = stillClip();
  await uploadOver808(cam, 2, photo);
  await uploadOver808(cam, 3, clip, { type: 2, format: 4 });
  const [clipRecord, photoRecord, beforeRecord] = await mediaOf(3);

  const listed = (await api(DUTY, 'GET', `/api/incidents/${incident.id}/media`)).json as Page;
  t.equal(listed.total, 2, 'the photo and the clip uploaded while it was open');
  t.same(
    listed.items.map((e) => [e.id, e.link, e.linkedBy, e.sha256]),
    [
      [clipRecord!.id, 'while-open', null, sha256(clip)],
      [photoRecord!.id, 'while-open', null, sha256(photo)],
    ],
    'newest first, by the rule (no one linked them), with the SHA-256 of what the terminal sent',
  );
  t.equal((await api(VIEWER, 'GET', `/api/incidents/${incident.id}/media`)).status, 200, 'reading needs "read" only');
  t.equal((await api(OTHER, 'GET', `/api/incidents/${incident.id}/media`)).status, 404, 'another district: no such incident');
  const served = await fetchBytes(port, DUTY, `/api/media/${clipRecord!.id}`);
  t.equal(sha256(served.body), sha256(clip), 'the clip served is the clip sent');

  // the photo from before, attached by hand
  t.equal((await api(VIEWER, 'POST', `/api/incidents/${incident.id}/media`, { mediaId: beforeRecord!.id })).status, 403, 'attaching needs "command"');
  t.equal((await api(OTHER, 'POST', `/api/incidents/${incident.id}/media`, { mediaId: beforeRecord!.id })).status, 404);
  const attached = await api(DUTY, 'POST', `/api/incidents/${incident.id}/media`, { mediaId: beforeRecord!.id, note: 'taken as the officer ran' });
  t.equal(attached.status, 201);
  t.match(attached.json, { id: beforeRecord!.id, link: 'attached', linkedBy: 'duty-jianghan', sha256: sha256(before) });
  const again = await api(DUTY, 'POST', `/api/incidents/${incident.id}/media`, { mediaId: beforeRecord!.id });
  t.equal(again.status, 200, 'attached again: nothing new');
  t.equal(again.json.linkedAt, attached.json.linkedAt, 'the first link stands');
  t.equal(((await api(DUTY, 'GET', `/api/incidents/${incident.id}/media`)).json as Page).total, 3);
  const history = (await api(DUTY, 'GET', `/api/incidents/${incident.id}/history`)).json as { action: string; actor: string; note?: string; changes: { media?: { to: { id: string } } } }[];
  t.same(
    history.filter((e) => e.action === 'media-attached').map((e) => [e.actor, e.changes.media?.to.id, e.note]),
    [['duty-jianghan', beforeRecord!.id, 'taken as the officer ran']],
    'once in the history, with who and the note',
  );

  // closed: what the terminal sends afterwards is not the incident's, and nothing more is attached
  t.equal((await api(DUTY, 'POST', `/api/incidents/${incident.id}/ack`, {})).status, 200);
  t.equal((await api(DUTY, 'POST', `/api/incidents/${incident.id}/close`, {})).status, 200);
  await uploadOver808(cam, 4, gradientJpeg(16, 16));
  const [after] = await mediaOf(4);
  t.same(((await api(DUTY, 'GET', `/api/incidents/${incident.id}/media`)).json as Page).items.map((e) => e.id).sort(), [clipRecord!.id, photoRecord!.id, beforeRecord!.id].sort(), 'the photo after closing is not listed');
  const closed = await api(DUTY, 'POST', `/api/incidents/${incident.id}/media`, { mediaId: after!.id });
  t.equal(closed.status, 409);
  t.match(closed.json.message, /closed/);

  // a case in Jianghan: records attached, files uploaded
  const created = await api(CITY, 'POST', '/api/cases', { id: 'JH-2024-0042', type: 'dispute', org: 'wuhan/jianghan', location: { lat: 30.58, lng: 114.27 }, time: new Date().toISOString() });
  t.equal(created.status, 201);
  const casePath = '/api/cases/JH-2024-0042/media';
  t.equal((await api(DUTY, 'POST', casePath, { mediaId: photoRecord!.id })).status, 201, 'a record from the terminal attached');
  await uploadOver808(other, 1, gradientJpeg(32, 32));
  const [hongshanRecord] = await mediaOf(5);
  t.equal((await api(DUTY, 'POST', casePath, { mediaId: hongshanRecord!.id })).status, 404, 'a record the caller cannot see is no record');
  const across = await api(CITY, 'POST', casePath, { mediaId: hongshanRecord!.id });
  t.equal(across.status, 409, 'the city sees both, but a Hongshan record is not linked to a Jianghan case');
  t.match(across.json.message, /outside/);

  const jpeg = gradientJpeg(96, 64);
  const up = await postFile(port, DUTY, `${casePath}?note=${encodeURIComponent('photo from the complainant')}`, jpeg, 'image/jpeg');
  t.equal(up.status, 201);
  t.match(up.json, { link: 'uploaded', linkedBy: 'duty-jianghan', org: 'wuhan/jianghan', type: 0, format: 0, contentType: 'image/jpeg', bytes: jpeg.length, sha256: sha256(jpeg), position: null });
  t.match(up.json!.terminal, /^case-[0-9a-f]{20}$/, "stored under the case's pseudo-terminal");
  const mp4 = stillClip({ width: 32, height: 32, frames: 5 });
  const upClip = await postFile(port, DUTY, casePath, mp4, 'video/mp4');
  t.equal(upClip.status, 201);
  t.match(upClip.json, { type: 2, format: 257, contentType: 'video/mp4', sha256: sha256(mp4) });
  for (const [record, bytes, type] of [[up.json!, jpeg, 'image/jpeg'], [upClip.json!, mp4, 'video/mp4']] as const) {
    const got = await fetchBytes(port, DUTY, `/api/media/${String(record.id)}`);
    t.equal(got.status, 200);
    t.equal(got.type, type);
    t.equal(sha256(got.body), sha256(bytes), `the ${type} served is the one uploaded`);
  }

  // refused by name, nothing stored
  const html = Buffer.from('<html><script>alert(1)</script></html>');
  t.equal((await postFile(port, DUTY, casePath, html, 'text/html')).status, 415, 'a type not taken');
  const mismatch = await postFile(port, DUTY, casePath, html, 'image/jpeg');
  t.equal(mismatch.status, 415, 'bytes that are not what their type says');
  t.match(mismatch.json!.message, /not image\/jpeg/);
  t.equal((await postFile(port, DUTY, casePath, jpeg, 'image/png')).status, 415, 'a JPEG said to be a PNG');
  const big = Buffer.concat([jpeg, Buffer.alloc(MAX_UPLOAD)]);
  const tooLarge = await postFile(port, DUTY, casePath, big, 'image/jpeg');
  t.equal(tooLarge.status, 413);
  t.match(tooLarge.json!.message, /cases\.maxUploadBytes/);
  t.equal((await postFile(port, VIEWER, casePath, jpeg, 'image/jpeg')).status, 403, 'uploading needs "command"');
  t.equal((await postFile(port, OTHER, casePath, jpeg, 'image/jpeg')).status, 404, 'another district: no such case');
  t.equal(((await api(CITY, 'GET', '/api/media?limit=500')).json as { total: number }).total, 7, 'only the two uploads were stored');

  const caseMedia = (await api(DUTY, 'GET', casePath)).json as Page;
  t.same(
    caseMedia.items.map((e) => [e.id, e.link]),
    [
      [upClip.json!.id, 'uploaded'],
      [up.json!.id, 'uploaded'],
      [photoRecord!.id, 'attached'],
    ],
  );
  t.equal((await api(OTHER, 'GET', casePath)).status, 404);
  const caseHistory = (await api(DUTY, 'GET', '/api/cases/JH-2024-0042/history')).json as { action: string; actor: string; note?: string; changes: { media?: { to: { id: string; how: string; sha256: string } } } }[];
  t.same(
    caseHistory.map((e) => [e.action, e.actor, e.changes.media?.to.how, e.changes.media?.to.sha256, e.note]),
    [
      ['created', 'city', undefined, undefined, undefined],
      ['media-attached', 'duty-jianghan', 'attached', sha256(photo), undefined],
      ['media-attached', 'duty-jianghan', 'uploaded', sha256(jpeg), 'photo from the complainant'],
      ['media-attached', 'duty-jianghan', 'uploaded', sha256(mp4), undefined],
    ],
    'every attachment in the case history, with its actor',
  );

  // a closed case's file is final
  t.equal((await api(CITY, 'PATCH', '/api/cases/JH-2024-0042', { status: 'closed' })).status, 200);
  t.equal((await postFile(port, DUTY, casePath, jpeg, 'image/jpeg')).status, 409);
  t.equal((await api(DUTY, 'POST', casePath, { mediaId: after!.id })).status, 409);

  const metrics = (await call(port, CITY, 'GET', '/metrics')).text;
  for (const [outcome, n] of [['attached', 2], ['uploaded', 2], ['already', 1], ['unseen', 1], ['wrong-type', 1], ['mismatch', 2], ['too-large', 1], ['refused', 4]] as const) {
    t.match(metrics, new RegExp(`dipper_evidence_total\\{outcome="${outcome}"\\} ${n}\\n`), `${outcome}: ${n}`);
  }
});
