/**
 * Metrics keyed by what a terminal sends: the message ID is the terminal's choice, and a
 * Prometheus series per ID let one connection cycling through IDs create up to 65,536 series
 * on every scrape. IDs the codec does not know now share the series `msg_id="other"`.
 */
import t from 'tap';
import { startTestServer } from '../gateway/helpers/server.js';
import { TestTerminal } from '../gateway/helpers/terminal.js';

t.test('unknown message IDs share one dipper_frames_in_total series', async (t) => {
  const server = await startTestServer(t);
  const term = await TestTerminal.tcp(server.ports.jt808, { phone: '013912345678' });
  t.teardown(() => term.close());
  await term.login(); // 0x0100 then 0x0102
  const unknown = Array.from({ length: 300 }, (_, i) => 0x7000 + i); // no such messages in 2011/2013/2019 or JT/T 1078
  let last = 0;
  for (const id of unknown) last = term.send(id, { raw: Buffer.alloc(0) });
  await term.ackOf(last); // answered in order: every frame before it was counted
  const text = await server.gateway.metrics.registry.metrics();
  const series = text
    .split('\n')
    .filter((l) => l.startsWith('dipper_frames_in_total{'))
    .map((l) => /msg_id="([^"]+)"/.exec(l)![1]!)
    .sort();
  t.same(series, ['0x0100', '0x0102', 'other'], 'the two known IDs by name, the 300 unknown as one');
  const other = text.split('\n').find((l) => l.startsWith('dipper_frames_in_total{msg_id="other"}'))!;
  t.equal(Number(other.split(' ')[1]), 300);
});
