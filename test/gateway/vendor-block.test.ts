/**
 * A 0x0200 whose bytes after the basic block are a vendor's fixed block, not additional items,
 * is published (it was refused: 'truncated', answered 0x8001 result 2, so the terminal sent it
 * again forever and never reached the map), with those bytes raw in `extras.vendorBlock`, and
 * counted in dipper_location_vendor_blocks_total so operators see such terminals. The frame is
 * a real one: traccar/traccar src/test/java/org/traccar/protocol/HuabaoProtocolDecoderTest.java.
 */
import t from 'tap';
import type { Position } from '../../events/model.js';
import { hex } from '../helpers/frames.js';
import { MemorySink } from './helpers/memory-sink.js';
import { startTestServer } from './helpers/server.js';
import { TestTerminal } from './helpers/terminal.js';

// phone 202000129707, serial 0x001c; basic block: fix, south; 27.455656 S 153.029616 E; heading 237;
// 2020-11-03 03:17:33 GMT+8; then 18 bytes that do not tile into items
const FRAME = '7e0200002e202000129707001c0000000000001c0601a2f0a8091f0bf00000000000ed201103031733000000000000000000780000000018000000267e';

t.test('a location with a vendor block is answered result 0, published with the block, and counted', async (t) => {
  const sink = new MemorySink();
  const server = await startTestServer(t, {}, [sink]);
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: '202000129707' });
  t.teardown(() => term.close());
  await term.login();

  term.writeRaw(hex(FRAME));
  t.same(await term.ackOf(0x1c), { ackSerial: 0x1c, ackMsgId: 0x0200, result: 0 }, 'answered once the sinks have it');
  const position = sink.events.find((e): e is { kind: 'position'; position: Position } => e.kind === 'position')?.position;
  t.match(position, { terminal: '202000129707', lat: -27.455656, lng: 153.029616, heading: 237, time: '2020-11-02T19:17:33.000Z', valid: true });
  t.same(position?.extras, { vendorBlock: hex('000000000000000000780000000018000000') }, 'the block, raw, on the published position');

  const metrics = await (await fetch(`http://127.0.0.1:${server.ports.http}/metrics`)).text();
  t.match(metrics, /^dipper_location_vendor_blocks_total 1$/m, 'counted');
  t.match(metrics, /^dipper_decode_errors_total\{reason="truncated"\} 0$/m, 'not a decode error');
});
