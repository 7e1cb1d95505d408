/**
 * Evidence on the page in headless Chromium (issue 19): a body camera raises an SOS, then
 * uploads a photo (a real JPEG) and a clip (a real H.264 MP4) over TCP while the incident is
 * open. The duty officer opens the incident's evidence: the photo is shown (decoded: its
 * naturalWidth is the JPEG's width) and the clip plays (its clock advances); the bytes the page
 * shows are the bytes the terminal sent (SHA-256, worked out here from what was sent). The
 * terminal's panel shows the same two as its latest media; a case clicked on the map shows the
 * file uploaded for it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { Page } from 'playwright-core';
import type { Incident } from '../../events/incident.js';
import { stillClip } from '../../simulators/clip.js';
import { gradientJpeg } from '../../simulators/picture.js';
import { ensureWebBuilt } from '../../web/build.js';
import { call, until } from '../gateway/helpers/http.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';
import { postFile, sha256, uploadOver808 } from '../helpers/media-upload.js';
import { chromiumPath, openBrowser, screenshot, waitForState } from './helpers/browser.js';

t.setTimeout(240_000);
const DUTY = 'evidence-duty-officer-token-0123456789';
const PHONE = '013966660001';
const TERMINAL = '13966660001';
const SCENE = { lat: 30.6, lng: 114.3 };

interface InPageMedia {
  querySelector(s: string): (InPageMedia & { naturalWidth: number; currentTime: number; readyState: number; src: string; muted: boolean; play(): Promise<void> }) | null;
}

/** the SHA-256 of what an element in the page shows: its blob read back in the page */
function shownHash(page: Page, selector: string): Promise<string> {
  return page.evaluate(async (sel) => {
    const doc = (globalThis as unknown as { document: InPageMedia }).document;
    const src = doc.querySelector(sel)!.src;
    const bytes = await (await fetch(src)).arrayBuffer();
    const digest = await crypto.subtle.digest('SHA-256', bytes);
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  }, selector);
}

t.test('an incident shows its photo and plays its video; the terminal and a case show theirs', async (t) => {
  chromiumPath(); // fails here, saying how to install it, when there is no browser
  const dir = mkdtempSync(join(tmpdir(), 'dipper-web-evidence-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const devices = join(dir, 'devices.json');
  writeFileSync(devices, JSON.stringify({ terminals: [{ terminal: PHONE, category: 'bodycam', org: 'wuhan/jianghan', officer: '钱七' }] }));
  await ensureWebBuilt();
  const server = await startTestServer(t, { devices, api: { tokens: [{ token: DUTY, org: 'wuhan', name: 'duty officer', rights: ['read', 'command', 'admin'] }] } });
  const port = server.ports.http;
  const cam = await TestTerminal.tcp(server.ports.jt808, { phone: PHONE });
  t.teardown(() => cam.close());
  await cam.login();
  await cam.ackOf(cam.send(0x0200, locationBody({ alarm: 0b1, lat: 30.58, lng: 114.27 })));
  const incident = await until('the SOS incident', async () => ((await call(port, DUTY, 'GET', `/api/incidents?terminal=${TERMINAL}`)).json?.items as Incident[] | undefined)?.[0]);
  const photo = gradientJpeg(160, 120);
  const clip = stillClip({ width: 64, height: 48, frames: 30, fps: 10 });
  await uploadOver808(cam, 1, photo);
  await uploadOver808(cam, 2, clip, { type: 2, format: 4 });
  await until('both listed as the incident\'s', async () => (await call(port, DUTY, 'GET', `/api/incidents/${incident.id}/media`)).json?.total === 2);
  // a case with a photo uploaded for it
  t.equal((await call(port, DUTY, 'POST', '/api/cases', { id: 'EV-1', type: 'dispute', location: SCENE, time: new Date().toISOString(), org: 'wuhan/jianghan' })).status, 201);
  const scenePhoto = gradientJpeg(48, 32);
  t.equal((await postFile(port, DUTY, '/api/cases/EV-1/media', scenePhoto, 'image/jpeg')).status, 201);

  const { page, errors } = await openBrowser(t);
  await page.goto(`http://127.0.0.1:${port}`);
  await page.waitForSelector('body[data-token-prompt="open"]');
  await page.fill('#token-input', DUTY);
  await page.click('#token-ok');
  await waitForState(page, 'the incident on the panel', (s) => s.ready === 'true' && s.incidents === '1');

  // the incident's evidence
  await page.click(`#incident-list li[data-id="${incident.id}"] button[data-action="evidence"]`);
  await page.waitForSelector(`#evidence[data-target="incident:${incident.id}"] #evidence-media[data-loaded="2"]`);
  const img = '#evidence-media figure[data-kind="image"] img';
  const video = '#evidence-media figure[data-kind="video"] video';
  await page.waitForFunction((sel) => ((globalThis as unknown as { document: InPageMedia }).document.querySelector(sel)?.naturalWidth ?? 0) > 0, img);
  t.equal(await page.$eval(img, (e) => (e as unknown as { naturalWidth: number }).naturalWidth), 160, 'the photo is decoded: as wide as the JPEG');
  // played by the page's own controls would need a gesture; muted, play() is allowed
  await page.$eval(video, (e) => {
    const v = e as unknown as { muted: boolean; play(): Promise<void> };
    v.muted = true;
    return v.play();
  });
  await page.waitForFunction((sel) => {
    const v = (globalThis as unknown as { document: InPageMedia }).document.querySelector(sel);
    return v !== null && v.readyState >= 2 && v.currentTime > 0;
  }, video);
  t.pass('the video plays: its clock advances with its frames decoded');
  t.equal(await shownHash(page, img), sha256(photo), 'the photo shown is the one the terminal sent');
  t.equal(await shownHash(page, video), sha256(clip), 'the video shown is the one the terminal sent');
  await screenshot(page, 'evidence-incident');

  // the terminal's latest media in its panel
  await page.fill('#search-input', TERMINAL);
  await page.click(`#search-results li[data-id="${TERMINAL}"]`);
  await page.waitForSelector('#panel-media-list[data-loaded="2"]');
  t.equal(await shownHash(page, '#panel-media-list figure[data-kind="image"] img'), sha256(photo), "the terminal's panel shows the photo");
  t.equal(await shownHash(page, '#panel-media-list figure[data-kind="video"] video'), sha256(clip), 'and the clip');
  await page.click('#panel-close');

  // a case clicked on the map: its evidence with its dispatch
  await page.evaluate(([lng, lat]) => (globalThis as unknown as { dipperMap: { jumpTo(o: object): void } }).dipperMap.jumpTo({ center: [lng, lat], zoom: 14 }), [SCENE.lng, SCENE.lat]);
  await waitForState(page, 'the case drawn', (s) => s.cases === '1');
  const at = await page.evaluate(([lng, lat]) => {
    const map = (globalThis as unknown as { dipperMap: { project(p: [number, number]): { x: number; y: number }; getContainer(): { getBoundingClientRect(): { left: number; top: number } } } }).dipperMap;
    const p = map.project([lng!, lat!]);
    const box = map.getContainer().getBoundingClientRect();
    return { x: box.left + p.x, y: box.top + p.y };
  }, [SCENE.lng, SCENE.lat]);
  await page.mouse.click(at.x, at.y);
  await page.waitForSelector('#evidence[data-target="case:EV-1"] #evidence-media[data-loaded="1"]');
  await page.waitForFunction((sel) => ((globalThis as unknown as { document: InPageMedia }).document.querySelector(sel)?.naturalWidth ?? 0) > 0, img);
  t.equal(await shownHash(page, img), sha256(scenePhoto), "the case's uploaded photo");
  await screenshot(page, 'evidence-case');
  t.same(errors.filter((e) => !/401 \(Unauthorized\)/.test(e)), [], 'no errors in the page');
});
