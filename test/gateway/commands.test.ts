/**
 * POST /api/terminals/{phone}/commands round trips: the API encodes and sends, the test
 * terminal answers as a device would, the HTTP reply carries the decoded answer.
 */
import t from 'tap';
import { Reassembler } from '../../decoders/index.js';
import type { Message, MessagePart } from '../../decoders/index.js';
import { startTestServer } from './helpers/server.js';
import { TestTerminal, locationBody } from './helpers/terminal.js';
import type { Downlink } from './helpers/terminal.js';

async function post(port: number, phone: string, payload: unknown): Promise<{ status: number; json: Record<string, unknown>; deprecation: string | null }> {
  const res = await fetch(`http://127.0.0.1:${port}/api/terminals/${phone}/commands`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, deprecation: res.headers.get('deprecation') };
}

const isDown = (id: number) => (m: Downlink) => m.msgId === id;

t.test('command round trips', async (t) => {
  const server = await startTestServer(t);
  const term = await TestTerminal.tcp(server.ports.jt808);
  t.teardown(() => term.close());
  await term.login();
  const http = server.ports.http;

  t.test('0x8300 textMessage -> 0x0001', async (t) => {
    const pending = post(http, '13912345678', { command: 'textMessage', body: { flag: 0x08, text: '请靠边停车' } });
    const cmd = (await term.next(isDown(0x8300))) as Message<{ flag: number; text: string }>;
    t.same(cmd.body, { flag: 0x08, text: '请靠边停车' }, 'the terminal got the text');
    term.send(0x0001, { ackSerial: cmd.serial, ackMsgId: 0x8300, result: 0 });
    const res = await pending;
    t.equal(res.status, 200);
    t.equal(res.json.msgId, 0x8300);
    t.same((res.json.reply as Message).body, { ackSerial: cmd.serial, ackMsgId: 0x8300, result: 0 });
    t.equal(res.deprecation, null, 'the codec name is not deprecated');
  });

  t.test('the route\'s old name "text" still sends 0x8300, flagged deprecated', async (t) => {
    const pending = post(http, '13912345678', { command: 'text', body: { flag: 0, text: 'old name' } });
    const cmd = (await term.next(isDown(0x8300))) as Message<{ flag: number; text: string }>;
    t.equal(cmd.body.text, 'old name');
    term.send(0x0001, { ackSerial: cmd.serial, ackMsgId: 0x8300, result: 0 });
    const res = await pending;
    t.equal(res.status, 200);
    t.equal(res.deprecation, 'true');
  });

  t.test('0x8201 position query -> 0x0201, which is also published', async (t) => {
    const pending = post(http, '013912345678', { command: '0x8201' });
    const cmd = await term.next(isDown(0x8201));
    term.send(0x0201, { ackSerial: cmd.serial, ...locationBody({ lat: 30.5 }) });
    const res = await pending;
    t.equal(res.status, 200);
    const reply = res.json.reply as Message<{ ackSerial: number; lat: number }>;
    t.equal(reply.msgId, 0x0201);
    t.equal(reply.body.ackSerial, cmd.serial);
    t.equal(server.map.index.position('13912345678')?.lat, 30.5, 'the answer is a position too');
  });

  t.test('0x8104 query parameters -> 0x0104; an answer to another serial does not match', async (t) => {
    const pending = post(http, '13912345678', { command: 0x8104 });
    const cmd = await term.next(isDown(0x8104));
    term.send(0x0001, { ackSerial: (cmd.serial + 100) & 0xffff, ackMsgId: 0x8104, result: 0 }); // stray
    term.send(0x0104, { ackSerial: cmd.serial, params: [] });
    const res = await pending;
    t.equal(res.status, 200);
    t.equal((res.json.reply as Message).msgId, 0x0104);
  });

  t.test('a terminal refusing with 0x0001 result 3 is an answer too', async (t) => {
    const pending = post(http, '13912345678', { command: 'cameraShootCommand', body: { channel: 1, command: 1, intervalS: 0, save: 0, resolution: 1, quality: 5, brightness: 128, contrast: 64, saturation: 64, chroma: 128 } });
    const cmd = await term.next(isDown(0x8801));
    term.send(0x0001, { ackSerial: cmd.serial, ackMsgId: 0x8801, result: 3 });
    const res = await pending;
    t.equal(res.status, 200);
    t.equal(((res.json.reply as Message).body as { result: number }).result, 3);
  });

  t.test('a text over 1023 bytes goes out subpackaged', async (t) => {
    const text = '注意安全'.repeat(200); // 1600 GBK bytes
    const pending = post(http, '13912345678', { command: 0x8300, body: { flag: 0x08, text } });
    const r = new Reassembler();
    let whole: Message | undefined;
    let first: number | undefined;
    while (!whole) {
      const part = (await term.next(isDown(0x8300))) as MessagePart;
      t.ok(part.packet, 'a part');
      first ??= part.serial;
      const done = r.add(part, Date.now());
      if (done.state === 'complete' && done.result.ok) whole = done.result.message as Message;
    }
    t.equal((whole.body as { text: string }).text, text, 'reassembles to the text');
    term.send(0x0001, { ackSerial: first!, ackMsgId: 0x8300, result: 0 });
    t.equal((await pending).status, 200);
  });

  t.test('errors', async (t) => {
    const unknown = await post(http, '13912345678', { command: 'selfDestruct' });
    t.equal(unknown.status, 400);
    t.match(unknown.json.message, /unknown command "selfDestruct"/);

    const badBody = await post(http, '13912345678', { command: 'textMessage', body: { flag: 1 } });
    t.equal(badBody.status, 400);
    t.match(badBody.json.message, /0x8300 \(textMessage\): body\.text: required/);

    const noCommand = await post(http, '13912345678', { body: {} });
    t.equal(noCommand.status, 400);
    t.match(noCommand.json.message, /command/);

    const offline = await post(http, '13900000000', { command: 'textMessage', body: { flag: 0, text: 'x' } });
    t.equal(offline.status, 404);
    t.match(offline.json.message, /not online/);

    const silent = post(http, '13912345678', { command: 'textMessage', body: { flag: 0, text: 'anyone?' }, timeoutMs: 50 });
    await term.next(isDown(0x8300)); // received, never answered
    const timeout = await silent;
    t.equal(timeout.status, 504);
    t.match(timeout.json.message, /no reply to 0x8300/);
  });
});
