/**
 * Bodies that real terminals lay out another way than the codec's first reading are answered
 * 0x8001 result 0 by the gateway, not result 2 ("消息有误", a malformed message): the codec tells the
 * layouts apart by length (decoders/bodies/messaging.ts, jsatl12.ts), and nothing else in the
 * gateway may refuse them. Bodies are the cited public vectors of test/decoders/*.test.ts.
 */
import t from 'tap';
import { enframe } from '../../decoders/index.js';
import { hex } from '../helpers/frames.js';
import { startTestServer } from './helpers/server.js';
import { TestTerminal } from './helpers/terminal.js';

/** header (msgId, body length, the terminal's phone, serial) + body, framed: the body bytes as given. */
function frame(term: TestTerminal, msgId: number, body: Buffer): { wire: Buffer; serial: number } {
  const serial = term.nextSerial();
  const head = Buffer.alloc(12);
  head.writeUInt16BE(msgId, 0);
  head.writeUInt16BE(body.length, 2);
  Buffer.from(term.phone, 'hex').copy(head, 4);
  head.writeUInt16BE(serial, 10);
  return { wire: enframe(Buffer.concat([head, body])), serial };
}

t.test('0x0702 in the 2013 layout from a terminal that registered with a 2011 0x0100', async (t) => {
  const server = await startTestServer(t);
  // the test terminal writes its 0x0100 in the 2011 layout (model BYTE[8]): the session learns '2011'
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: '013900000702', version: '2011' });
  t.teardown(() => term.close());
  await term.login();
  // hylexus/xtream-codec .../request/BuiltinMessage0702V2013Test.java: card in, 张无忌, 没有名字
  const body = hex('01241029213903 00 06d5c5cedebcc9 3131333335353737393932323434363638383030 08c3bbd3d0c3fbd7d6 30241029');
  const { wire, serial } = frame(term, 0x0702, body);
  term.writeRaw(wire);
  t.same(await term.ackOf(serial), { ackSerial: serial, ackMsgId: 0x0702, result: 0 }, 'answered result 0 (it was result 2: read with the 2011 layout)');
});

t.test('0x1210 attachment lists in the Guangdong and Heilongjiang layouts', async (t) => {
  const server = await startTestServer(t);
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: '000000001001' });
  t.teardown(() => term.close());
  await term.login();
  // the bodies of cuteLittleDevil/go-jt808 protocol/model/parse_test.go (commit 2d00e6c4), "(广东)" and "(黑龙江)"
  const id30 = `3132333463642e${'00'.repeat(23)}`;
  const rest = `323032342d31312d32325f31305f30305f30305f${'00'.repeat(12)} 00 02 1c323032342d31312d32325f31305f30305f30305f646174612e747874000803e6 20323032342d31312d32325f31305f30305f30305f72747673393130312e706e670005633f`;
  const bodies = {
    guangdong: hex(`${id30} ${id30} 241206190412 01 02 0000 ${rest}`),
    heilongjiang: hex(`${id30} 241206183659 01 02 ${rest}`),
  };
  // read with the Jiangsu layout, the Heilongjiang list ran past the body (result 2), and the
  // Guangdong one "decoded" with an empty identifier and no files (test/decoders/jsatl12.test.ts
  // checks the fields; here, that neither is refused)
  for (const [region, body] of Object.entries(bodies)) {
    const { wire, serial } = frame(term, 0x1210, body);
    term.writeRaw(wire);
    t.same(await term.ackOf(serial), { ackSerial: serial, ackMsgId: 0x1210, result: 0 }, `${region}: answered result 0`);
  }
});
