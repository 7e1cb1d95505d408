/**
 * Su-biao attachments end to end (issue 19), over real TCP against a whole gateway on PGlite: a
 * terminal reports an ADAS alarm whose identifier says it has 2 attachments; the gateway opens its
 * incident and sends 0x9208 (its bytes read here against T/JSATL12's layout: ipLen, ip, TCP port,
 * UDP port, the identifier as sent, a 32-character alarm number, 16 reserved bytes); the terminal
 * connects to the attachment port, sends its list (0x1210), each file's info (0x1211), its data
 * with one range withheld, 0x1212; the gateway answers 0x9212 result 1 with exactly that range,
 * and result 0 once it is sent; the files are then listed by alarm number and by incident and
 * served byte for byte (SHA-256 worked out here from what the terminal sent). The same with
 * Guangdong's and Heilongjiang's layouts of the identifier and of 0x1210.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import type { Message, SuBiaoAlarmIdentifier } from '../../decoders/index.js';
import type { MediaRecord } from '../../events/media-record.js';
import type { Server } from '../../server/server.js';
import { AttachmentClient, dataFrame } from './helpers/attachment-client.js';
import { freePort } from './helpers/free-port.js';
import { call, until } from './helpers/http.js';
import { startTestServer } from './helpers/server.js';
import { TestTerminal, locationBody } from './helpers/terminal.js';
import { hex } from '../helpers/frames.js';

const TOKEN = 'attachments-viewer-token-jianghan-01';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** bytes that do not repeat, with the given first bytes (a JPEG's SOI, an MP4's ftyp box) */
function fileOf(size: number, seed: string, head: Buffer): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 32) createHash('sha256').update(`${seed}:${i}`).digest().copy(bytes, i);
  head.copy(bytes, 0);
  return bytes;
}
const JPEG_HEAD = Buffer.from('ffd8ffe0', 'hex');
const MP4_HEAD = Buffer.from('0000001866747970', 'hex'); // size 24, "ftyp"

async function start(t: Test, phone: string): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'dipper-attachments-'));
  const devices = join(dir, 'devices.json');
  writeFileSync(devices, JSON.stringify({ terminals: [{ terminal: phone, category: 'vehicle', org: 'wuhan/jianghan' }] }));
  return startTestServer(t, { devices, attachments: { port: await freePort() }, api: { tokens: [{ token: TOKEN, org: 'wuhan/jianghan', name: 'viewer' }] } });
}

/** An ADAS forward-collision start (T/JSATL12 table 4-15) carrying `identifier`. */
function adasReport(identifier: SuBiaoAlarmIdentifier): object {
  const time = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
  const adas = { alarmId: 7, flag: 1, type: 1, level: 2, frontSpeed: 40, distance: 12, departureType: 0, roadSignType: 0, roadSignData: 0, speed: 42, altitude: 20, lat: 30.6, lng: 114.3, time, vehicleStatus: 1, identifier };
  return { ...locationBody({ lat: 30.6, lng: 114.3, time }), extras: { adas } };
}

/** The alarm's incident, once the incident writer has it. */
async function incidentOf(server: Server, terminal: string): Promise<string> {
  return until('the alarm opened its incident', async () => {
    const r = (await call(server.ports.http, TOKEN, 'GET', `/api/incidents?terminal=${terminal}`)).json as { items: { id: string; kind: string }[] };
    return r.items.find((i) => i.kind === 'adas.forwardCollision')?.id;
  });
}

async function listed(server: Server, query: string, n: number): Promise<MediaRecord[]> {
  return until(`${n} media for ${query}`, async () => {
    const r = (await call(server.ports.http, TOKEN, 'GET', `/api/media?${query}`)).json as { total: number; items: MediaRecord[] };
    return r.total === n ? r.items : undefined;
  });
}

async function bytesOf(server: Server, id: string): Promise<{ body: Buffer; type: string | null }> {
  const res = await fetch(`http://127.0.0.1:${server.ports.http}/api/media/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { body: Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type') };
}

/** A file's 0x1211, its data in frames of `frameBytes` without the `withheld` one, 0x1212; then what 0x9212 asks, sent, until result 0. */
async function upload(t: Test, client: AttachmentClient, name: string, fileType: number, bytes: Buffer, frameBytes: number, withheld: number | undefined): Promise<void> {
  t.equal(await client.ackOf(client.send(0x1211, { name, fileType, size: bytes.length })), 0, `${name}: 0x1211 answered 0x8001 result 0`);
  client.sendData(name, bytes, frameBytes, withheld === undefined ? [] : [withheld]);
  const first = await client.done(name, fileType, bytes.length);
  if (withheld === undefined) {
    t.same(first, { name, fileType, result: 0, resend: [] }, `${name}: whole at once: 0x9212 result 0`);
    return;
  }
  const length = Math.min(frameBytes, bytes.length - withheld);
  t.same(first, { name, fileType, result: 1, resend: [{ offset: withheld, length }] }, `${name}: 0x9212 result 1 names exactly the withheld range (${withheld}, ${length})`);
  client.writeRaw(dataFrame(name, withheld, bytes.subarray(withheld, withheld + length)));
  t.same(await client.done(name, fileType, bytes.length), { name, fileType, result: 0, resend: [] }, `${name}: the range sent: 0x9212 result 0`);
}

t.test('Jiangsu (T/JSATL12): 0x9208 after an ADAS alarm with 2 attachments; a JPEG and an MP4 with a withheld range; stored, listed by alarm and incident, served byte for byte', async (t) => {
  const PHONE = '013800000091';
  const TERMINAL = '13800000091';
  const server = await start(t, PHONE);
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: PHONE });
  t.teardown(() => term.close());
  await term.login();

  // T/JSATL12 §4.5.2 table 4-16: terminal ID BYTE[7], time BCD[6] (GMT+8), seq, attachments, reserved
  const identifier = { terminalId: 'T091AB1', time: '2026-03-01T07:59:40.000Z', seq: 3, attachments: 2, reserved: 0 };
  const identifierHex = hex(`
    54303931414231   // "T091AB1"
    260301155940     // 2026-03-01 15:59:40 +8 = 07:59:40Z
    03 02 00         // seq 3, 2 attachments, reserved 0
  `);
  const pos = term.send(0x0200, adasReport(identifier));
  t.equal((await term.ackOf(pos)).result, 0, 'the report is acknowledged');
  const command = (await term.next(0x9208)) as Message<{ alarmNo: string; identifier: SuBiaoAlarmIdentifier; tcpPort: number }>;

  // its bytes, as T/JSATL12 table 4-21 lays them out (2013 header: 12 bytes, then the body)
  const frame = term.raw.find((f) => f.readUInt16BE(0) === 0x9208)!;
  const body = frame.subarray(12);
  const port = server.ports.attachments!;
  t.same(body.subarray(0, 14), Buffer.concat([hex('09'), Buffer.from('127.0.0.1'), Buffer.from([port >> 8, port & 0xff]), hex('0000')]), 'ipLen 9, "127.0.0.1" (the address the terminal reached), TCP port: the attachment port, UDP port 0');
  t.same(body.subarray(14, 30), identifierHex, 'the 16-byte identifier, as the alarm carried it');
  const alarmNo = body.subarray(30, 62).toString('latin1');
  t.match(alarmNo, /^[0-9a-f]{32}$/, 'a 32-character alarm number');
  t.same(body.subarray(62), Buffer.alloc(16), '16 reserved bytes, zero');
  t.equal(body.length, 78, 'nothing more');
  t.equal(command.body.alarmNo, alarmNo);

  const incident = await incidentOf(server, TERMINAL);
  const client = await AttachmentClient.open(port, PHONE);
  t.teardown(() => client.close());
  const jpeg = fileOf(20_000, 'jpeg', JPEG_HEAD);
  const mp4 = fileOf(200_000, 'mp4', MP4_HEAD);
  const JPEG = `00_65_6401_1_${alarmNo}.jpg`.slice(0, 50);
  const MP4 = `02_65_6401_2_${alarmNo}.mp4`.slice(0, 50);
  const list = client.send(0x1210, { terminalId: 'T091AB1', identifier, alarmNo, infoType: 0, files: [{ name: JPEG, size: jpeg.length }, { name: MP4, size: mp4.length }] });
  t.equal(await client.ackOf(list), 0, '0x1210 answered 0x8001 result 0');
  await upload(t, client, JPEG, 0, jpeg, 8000, undefined);
  await upload(t, client, MP4, 2, mp4, 65536, 65536);

  const byAlarm = await listed(server, `alarmNo=${alarmNo}`, 2);
  const byName = new Map(byAlarm.map((m) => [m.fileName, m]));
  for (const [name, bytes, type, contentType] of [[JPEG, jpeg, 0, 'image/jpeg'], [MP4, mp4, 2, 'video/mp4']] as const) {
    const m = byName.get(name)!;
    t.match(m, { terminal: TERMINAL, org: 'wuhan/jianghan', type, contentType, bytes: bytes.length, sha256: sha256(bytes), alarmNo, alarmKind: 'adas.forwardCollision', incident, alarmIdentifier: identifier, removedAt: null }, `${name}: its record`);
    const served = await bytesOf(server, m.id);
    t.equal(sha256(served.body), sha256(bytes), `${name}: served with the SHA-256 of what the terminal sent`);
    t.equal(served.type, contentType);
  }
  const byIncident = await listed(server, `incident=${incident}`, 2);
  t.same(byIncident.map((m) => m.id).sort(), byAlarm.map((m) => m.id).sort(), 'the same two listed by their incident');
  t.equal((await call(server.ports.http, TOKEN, 'GET', '/api/media?alarmNo=0123456789abcdef0123456789abcdef')).json.total, 0, 'another alarm number: none');
});

/** The 30-byte terminal ID of the longer layouts (go-jt808's vectors use one this short, NUL-padded). */
const LONG_ID = 'GD0000000092';

for (const region of ['guangdong', 'heilongjiang'] as const) {
  t.test(`${region}: its identifier layout in the alarm, 0x9208 and 0x1210; a JPEG with a withheld range, stored and served byte for byte`, async (t) => {
    const PHONE = region === 'guangdong' ? '013800000092' : '013800000093';
    const server = await start(t, PHONE);
    const term = await TestTerminal.tcp(server.ports.jt808, { phone: PHONE });
    t.teardown(() => term.close());
    await term.login();
    const identifier: SuBiaoAlarmIdentifier =
      region === 'guangdong' ? { terminalId: LONG_ID, time: '2026-03-01T07:59:40.000Z', seq: 1, attachments: 1, reserved: 0, region } : { terminalId: LONG_ID, time: '2026-03-01T07:59:40.000Z', seq: 1, attachments: 1, region };
    // terminal ID BYTE[30] NUL-padded, time, seq, attachments, then reserved BYTE[2] (Guangdong) or nothing (Heilongjiang)
    const identifierHex = hex(`${Buffer.from(LONG_ID).toString('hex')}${'00'.repeat(30 - LONG_ID.length)} 260301155940 01 01 ${region === 'guangdong' ? '0000' : ''}`);
    t.equal(identifierHex.length, region === 'guangdong' ? 40 : 38);
    t.equal((await term.ackOf(term.send(0x0200, adasReport(identifier)))).result, 0);
    const command = (await term.next(0x9208)) as Message<{ alarmNo: string; identifier: SuBiaoAlarmIdentifier }>;
    const body = term.raw.find((f) => f.readUInt16BE(0) === 0x9208)!.subarray(12);
    t.same(body.subarray(14, 14 + identifierHex.length), identifierHex, `the ${identifierHex.length}-byte identifier, as the alarm carried it`);
    t.equal(body.length, 14 + identifierHex.length + 32 + 16);
    const alarmNo = command.body.alarmNo;
    t.match(alarmNo, /^[0-9a-f]{32}$/);

    const client = await AttachmentClient.open(server.ports.attachments!, PHONE);
    t.teardown(() => client.close());
    const jpeg = fileOf(30_000, region, JPEG_HEAD);
    const NAME = `00_65_6401_1_${region}.jpg`;
    // Guangdong: terminal ID BYTE[30] + identifier[40]; Heilongjiang: no terminal ID, identifier[38] (the encoder follows `region`)
    const list = client.send(0x1210, { ...(region === 'guangdong' ? { terminalId: LONG_ID } : {}), identifier, alarmNo, infoType: 0, files: [{ name: NAME, size: jpeg.length }] });
    t.equal(await client.ackOf(list), 0, `the ${region} 0x1210 accepted`);
    await upload(t, client, NAME, 0, jpeg, 10_000, 10_000);
    const [m] = await listed(server, `alarmNo=${alarmNo}`, 1);
    t.match(m, { fileName: NAME, contentType: 'image/jpeg', sha256: sha256(jpeg), alarmIdentifier: identifier });
    t.equal(sha256((await bytesOf(server, m!.id)).body), sha256(jpeg), 'served with the SHA-256 of what the terminal sent');
  });
}
