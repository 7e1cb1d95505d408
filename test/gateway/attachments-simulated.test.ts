/**
 * The simulator's active-safety vehicle against the real gateway (issue 19, "Simulators"): it
 * registers, reports alarms whose identifiers announce files, gets the gateway's 0x9208, uploads
 * a JPEG, a playable MP4 and sometimes a log through the attachment port with ranges withheld on
 * the first send (activeSafety.dropRanges), and the gateway asks for them with 0x9212 until every
 * file is whole. What the gateway stores is listed by the alarm number and is byte for byte what
 * the simulator's file factory made (SHA-256), and the incident the alarm opened lists it too.
 */
import { createHash } from 'node:crypto';
import t from 'tap';
import type { MediaRecord } from '../../events/media-record.js';
import { Fleet } from '../../simulators/fleet.js';
import { buildScenario } from '../../simulators/scenario.js';
import { freePort } from './helpers/free-port.js';
import { call, until } from './helpers/http.js';
import { startTestServer } from './helpers/server.js';

const TOKEN = 'attachments-simulated-city-token-01';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

t.test('a simulated vehicle uploads its alarm files to the real attachment server, withheld ranges asked for again', async (t) => {
  const server = await startTestServer(t, { attachments: { port: await freePort() }, api: { tokens: [{ token: TOKEN, org: '', name: 'city' }] } });
  const fleet = new Fleet(
    buildScenario(
      // an alarm at every report; a third of the data frames withheld on the first send
      { target: { port: server.ports.jt808 }, vehicles: 1, walkers: 0, edition2019Share: 0, intervalS: 5, speedup: 10, rampS: 0, localAddresses: 0, replyTimeoutMs: 10_000, seed: 4 },
      { activeSafety: { share: 1, everySeconds: 5, dropRanges: 0.34 } },
    ),
  );
  t.teardown(() => fleet.stop());
  fleet.start();
  const vehicle = fleet.terminals[0]!;
  const counts = () => fleet.stats.attachments;
  await until('one upload acknowledged file by file (0x9212 result 0)', () => (counts().uploads >= 1 ? true : undefined));
  t.equal(counts().failed, 0, 'no upload failed');
  t.ok(counts().rangesResent > 0, `${counts().rangesResent} withheld ranges asked for by 0x9212 and sent again`);

  // the first alarm's files, as the gateway stored them
  const terminal = vehicle.spec.phone.replace(/^0+/, '');
  const items = await until('the stored attachments of the first alarm', async () => {
    const r = (await call(server.ports.http, TOKEN, 'GET', `/api/media?terminal=${terminal}&limit=100`)).json as { items: MediaRecord[] };
    const alarmNo = r.items.find((m) => m.alarmNo)?.alarmNo;
    if (!alarmNo) return undefined;
    const mine = r.items.filter((m) => m.alarmNo === alarmNo);
    return mine.length >= 2 && mine.length === (mine[0]!.alarmIdentifier as { attachments: number }).attachments ? mine : undefined;
  });
  const { alarmNo, alarmIdentifier } = items[0]!;
  const expected = vehicle.activeSafety!.files(alarmIdentifier as never, alarmNo!)!;
  t.same(items.map((m) => m.fileName).sort(), expected.map((f) => f.name).sort(), 'the files the vehicle listed in its 0x1210');
  for (const want of expected) {
    const record = items.find((m) => m.fileName === want.name)!;
    const res = await fetch(`http://127.0.0.1:${server.ports.http}/api/media/${record.id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const body = Buffer.from(await res.arrayBuffer());
    t.equal(sha256(body), sha256(want.data), `${want.name}: served byte for byte (SHA-256)`);
    t.equal(record.sha256, sha256(want.data), `${want.name}: its record's SHA-256`);
  }
  const clip = items.find((m) => m.fileName!.endsWith('.mp4'))!;
  const photo = items.find((m) => m.fileName!.endsWith('.jpg'))!;
  t.match(clip.contentType, /^video\/mp4/, 'the clip served as video/mp4');
  t.same([photo.type, photo.format, clip.type, clip.format], [0, 0, 2, 257], 'picture JPEG (0x0801 code 0), video MP4 (no 0x0801 code: 257, as a person\'s MP4 upload)');
  const incident = items[0]!.incident;
  t.ok(incident, 'tied to the incident its alarm opened');
  const byIncident = (await call(server.ports.http, TOKEN, 'GET', `/api/media?incident=${incident}`)).json as { items: MediaRecord[] };
  t.ok(items.every((m) => byIncident.items.some((i) => i.id === m.id)), "listed by the incident's filter");
});
