/**
 * Command bodies typed (issue 16): the OpenAPI document has a schema per command, from the
 * codec's layouts; a request is checked against its command's schema before anything is sent,
 * and every error names its field; fields one edition has and the other lacks are filled in
 * as the standard's tables allow. Expected values come from JT/T 808's table for each message:
 *   0x8300 (2019): flag bits 0-1 01 service, 10 emergency, 11 notice; textType 1 notice, 2 service
 *   0x8801 camera shoot: ten fields, channel .. chroma; quality 1-10; contrast, saturation 0-127
 *   0x8500 vehicle control: 2013 flag bit 0 = 1 lock the doors, 0 unlock; 2019 control 0x0001 door, 0 lock, 1 open
 *   0x8103 parameter 0x0001 (heartbeat interval) is a DWORD
 *   0x8802/0x8803 stored media: type 0-2, channel 0 = every channel, start/end all zeros = no
 *   time range; 0x8803/0x8805 delete flag 0 keep, 1 delete
 */
import t from 'tap';
import type { Message } from '../../decoders/index.js';
import { startTestServer } from './helpers/server.js';
import { call } from './helpers/http.js';
import { TestTerminal } from './helpers/terminal.js';
import type { Downlink } from './helpers/terminal.js';

/** The downlinks the API may send, written out here from the README's command table. */
const COMMAND_IDS = [0x8201, 0x8202, 0x8203, 0x8300, 0x8103, 0x8104, 0x8106, 0x8105, 0x8500, 0x8801, 0x8802, 0x8803, 0x8805, 0x9101, 0x9102];
const SHOOT_FIELDS = ['channel', 'command', 'intervalS', 'save', 'resolution', 'quality', 'brightness', 'contrast', 'saturation', 'chroma'];

const isCommand = (m: Downlink) => m.msgId >= 0x8000 && m.msgId !== 0x8001;

interface Alternative {
  title: string;
  required: string[];
  properties: { command: unknown; body: { properties: Record<string, { default?: unknown; description?: string; minimum?: number; maximum?: number }>; required?: string[] } };
}

t.test('the OpenAPI document: one schema per command, its fields from the codec', async (t) => {
  const server = await startTestServer(t);
  const doc = (await call(server.ports.http, undefined, 'GET', '/docs/json')).json;
  const op = doc.paths['/api/terminals/{terminal}/commands'].post;
  const alternatives = op.requestBody.content['application/json'].schema.oneOf as Alternative[];
  t.same(
    alternatives.map((a) => a.title.split(' ')[0]),
    COMMAND_IDS.map((id) => `0x${id.toString(16).padStart(4, '0')}`),
    'an alternative per command',
  );
  const byId = (id: number) => alternatives.find((a) => a.title.startsWith(`0x${id.toString(16)}`))!;

  const shoot = byId(0x8801).properties.body;
  t.same(Object.keys(shoot.properties), SHOOT_FIELDS, '0x8801: the ten fields of the table, in its order');
  t.same(shoot.required, SHOOT_FIELDS, 'all of them required (the standard gives no defaults)');
  t.same([shoot.properties.quality!.minimum, shoot.properties.quality!.maximum], [1, 10]);
  t.equal(shoot.properties.contrast!.maximum, 127);
  t.same(byId(0x8801).required, ['command', 'body']);

  const text = byId(0x8300).properties.body;
  t.same(text.required, ['flag', 'text'], '0x8300: textType is not required');
  t.match(text.properties.textType!.description, /2019 only/);
  t.same(byId(0x8201).required, ['command'], 'a command without fields needs no body');
  t.match(JSON.stringify(byId(0x8801).properties.command), /takePhoto/, 'the deprecated name is listed');

  const search = byId(0x8802).properties.body;
  t.same(Object.keys(search.properties), ['type', 'channel', 'event', 'start', 'end'], '0x8802: the table\'s five fields, in its order');
  t.same(search.required, ['type', 'event'], 'what to look for is required; channel and the time range are not');
  t.same([search.properties.channel!.default, search.properties.start!.default, search.properties.end!.default], [0, null, null], 'every channel, no time range');
  t.equal(search.properties.type!.maximum, 2);
  const upload = byId(0x8803).properties.body;
  t.same(Object.keys(upload.properties), ['type', 'channel', 'event', 'start', 'end', 'delete'], '0x8803: the search fields and the delete flag');
  t.same([upload.properties.delete!.default, upload.properties.delete!.maximum], [0, 1], 'kept on the terminal unless asked');
  const single = byId(0x8805).properties.body;
  t.same([single.required, single.properties.delete!.default], [['mediaId'], 0], '0x8805: the media ID, kept unless asked');
  t.match(single.properties.mediaId!.description, /2013/, 'says which editions have it');
});

t.test('over HTTP to real terminals: defaults by edition, errors by field, nothing sent for a bad request', async (t) => {
  const server = await startTestServer(t);
  const http = server.ports.http;
  const post = (phone: string, payload: unknown) => call(http, undefined, 'POST', `/api/terminals/${phone}/commands`, payload);
  const t2019 = await TestTerminal.tcp(server.ports.jt808, { version: '2019', phone: '00000000013912340019' });
  const t2013 = await TestTerminal.tcp(server.ports.jt808, { phone: '013912340013' });
  t.teardown(() => {
    t2019.close();
    t2013.close();
  });
  await t2019.login();
  await t2013.login();

  /** Sends, answers the command with 0x0001 result 0, and gives the HTTP answer and the body the terminal got. */
  async function roundTrip(term: TestTerminal, phone: string, payload: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const pending = post(phone, payload);
    const cmd = (await term.next(isCommand)) as Message<Record<string, unknown>>;
    term.send(0x0001, { ackSerial: cmd.serial, ackMsgId: cmd.msgId, result: 0 });
    return { status: (await pending).status, body: cmd.body };
  }

  t.test('0x8300 to a 2019 terminal without textType: a notice, or a service when the flag says service', async (t) => {
    const notice = await roundTrip(t2019, '13912340019', { command: 'textMessage', body: { flag: 0b0000_1100, text: '请靠边停车' } });
    t.equal(notice.status, 200);
    t.same(notice.body, { flag: 0b0000_1100, textType: 1, text: '请靠边停车' }, 'flag bits 0-1 00: textType 1 (notice)');
    const service = await roundTrip(t2019, '13912340019', { command: 0x8300, body: { flag: 0b0000_0001, text: '服务信息' } });
    t.same(service.body, { flag: 0b0000_0001, textType: 2, text: '服务信息' }, 'flag bits 0-1 01 (service): textType 2');
    const given = await roundTrip(t2019, '13912340019', { command: '0x8300', body: { flag: 0b0000_0001, textType: 1, text: 'x' } });
    t.equal(given.body.textType, 1, 'a textType given is sent as given');
    const old = await roundTrip(t2013, '13912340013', { command: 'textMessage', body: { flag: 0x08, text: 'x' } });
    t.same(old.body, { flag: 0x08, text: 'x' }, 'a 2013 terminal gets no textType (its layout has none)');
  });

  t.test('takePhoto (0x8801) with {}: a 400 naming every missing field, and nothing sent', async (t) => {
    const empty = await post('13912340013', { command: 'takePhoto', body: {} });
    t.equal(empty.status, 400);
    for (const f of SHOOT_FIELDS) t.match(empty.json.message, new RegExp(`\\bbody\\.${f}: required`), `names ${f}`);
    t.notMatch(empty.json.message, /BYTE|undefined/, 'not the encoder\'s words');
    const noBody = await post('13912340013', { command: 0x8801 });
    t.match(noBody.json.message, /body: required/);
    const bad = await post('13912340013', { command: 'cameraShootCommand', body: { channel: 1, command: 1, intervalS: 0, save: 0, resolution: 1, quality: 11, brightness: 128, contrast: 200, saturation: 64, chroma: 128, colour: 'red' }, timeoutMs: 0 });
    t.equal(bad.status, 400);
    t.match(bad.json.message, /body\.quality: must be <= 10/);
    t.match(bad.json.message, /body\.contrast: must be <= 127/);
    t.match(bad.json.message, /body\.colour: not a field here/);
    t.match(bad.json.message, /timeoutMs: must be >= 1/);
    // the next command the terminal sees is the next good one: the bad ones never left
    const good = await roundTrip(t2013, '13912340013', { command: 'positionQuery' });
    t.equal(good.status, 200);
    t.same(good.body, {});
  });

  t.test('stored media commands: defaults filled in for either edition, errors by field', async (t) => {
    for (const [term, phone] of [[t2013, '13912340013'], [t2019, '13912340019']] as const) {
      const search = await roundTrip(term, phone, { command: 'storedMediaSearch', body: { type: 0, event: 1 } });
      t.equal(search.status, 200);
      t.same(search.body, { type: 0, channel: 0, event: 1, start: null, end: null }, `${term.version}: every channel, no time range`);
      const upload = await roundTrip(term, phone, { command: 0x8803, body: { type: 2, channel: 1, event: 0, start: '2024-05-01T00:00:00.000Z', end: '2024-05-01T01:00:00.000Z' } });
      t.same(upload.body, { type: 2, channel: 1, event: 0, start: '2024-05-01T00:00:00.000Z', end: '2024-05-01T01:00:00.000Z', delete: 0 }, `${term.version}: kept on the terminal`);
      const single = await roundTrip(term, phone, { command: '0x8805', body: { mediaId: 4294967295 } });
      t.same(single.body, { mediaId: 4294967295, delete: 0 });
    }
    const bad = await post('13912340013', { command: 'storedMediaUpload', body: { type: 3, channel: 256, start: 'yesterday', delete: 2 } });
    t.equal(bad.status, 400);
    t.match(bad.json.message, /^0x8803 \(storedMediaUpload\): /);
    for (const said of [/body\.event: required/, /body\.type: must be <= 2/, /body\.channel: must be <= 255/, /body\.start: must match format "date-time"/, /body\.delete: must be <= 1/]) t.match(bad.json.message, said);
    const noId = await post('13912340013', { command: 'singleStoredMediaUpload', body: { mediaId: -1 } });
    t.match(noId.json.message, /body\.mediaId: must be >= 0/);
  });

  t.test("an error the encoder finds names the field's path", async (t) => {
    const res = await post('13912340013', { command: 'setParameters', body: { params: [{ id: 0x0001, value: 'sixty' }] } });
    t.equal(res.status, 400);
    t.match(res.json.message, /^cannot encode 0x8103 \(setParameters\): body\.params\[0\]: parameter 0x0001 is DWORD, got a string$/);
  });

  t.test('0x8500: the door in either edition\'s words reaches either edition', async (t) => {
    const lock2019 = await roundTrip(t2019, '13912340019', { command: 'vehicleControl', body: { flag: 1 } });
    t.equal(lock2019.status, 200);
    t.same(lock2019.body, { controls: [{ id: 1, value: 0 }] }, '2013 "lock" (bit 0 = 1) is 2019 door 0 (lock)');
    const open2013 = await roundTrip(t2013, '13912340013', { command: 'vehicleControl', body: { controls: [{ id: 1, value: 1 }] } });
    t.same(open2013.body, { flag: 0 }, '2019 door 1 (open) is 2013 flag bit 0 = 0 (unlock)');
    const both = await post('13912340013', { command: 'vehicleControl', body: { flag: 1, controls: [] } });
    t.equal(both.status, 400, 'one of the two, not both');
  });
});
