/**
 * Metrics keyed by what a terminal sends: the message ID is the terminal's choice, and a
 * Prometheus series per ID let one connection cycling through IDs create up to 65,536 series
 * on every scrape. IDs the codec does not know now share the series `msg_id="other"`. (The IDs
 * the codec knows have their series from the start, at 0: a closed set.)
 */
import t from 'tap';
import { knownMessageIds } from '../../decoders/index.js';
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
  const value = (id: string) => Number(text.split('\n').find((l) => l.startsWith(`dipper_frames_in_total{msg_id="${id}"}`))?.split(' ')[1]);
  t.same(series.filter((id) => value(id) > 0), ['0x0100', '0x0102', 'other'], 'the two known IDs by name, the 300 unknown as one');
  t.same(series.filter((id) => id.startsWith('0x7')), [], 'no series of an unknown ID');
  t.ok(series.length <= knownMessageIds().length + 1, `${series.length} series: at most one per ID the codec knows, and "other"`);
  t.equal(value('other'), 300);
  t.equal(value('0x0100'), 1);
});
