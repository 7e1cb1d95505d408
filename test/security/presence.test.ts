/**
 * Presence events have no terminal waiting on them, so nothing pauses their source: with the sinks
 * stalled, connection churn (anonymous terminals connecting, sending one heartbeat and leaving)
 * must not grow the sink queue past its high-water mark. Past it presence is skipped and counted
 * (dipper_presence_skipped_total); the map falls back to map.offlineAfterMs for those terminals.
 */
import t from 'tap';
import { GatedSink } from '../gateway/helpers/gated-sink.js';
import { until } from '../gateway/helpers/http.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { TestTerminal } from '../gateway/helpers/terminal.js';
import { sample, scrape } from '../ops/helpers.js';

const HIGH_WATER = 10;
const CHURN = 60;

t.test('connection churn against stalled sinks: the queue stays at its high-water mark, the rest is skipped and counted', async (t) => {
  const sink = new GatedSink('stalled');
  const server = await startTestServer(t, { auth: { allowAnonymous: true }, queue: { highWater: HIGH_WATER, lowWater: 0, batch: 100 } }, [sink]);
  for (let i = 0; i < CHURN; i++) {
    const term = await TestTerminal.tcp(server.ports.jt808, { phone: `0139000${String(i).padStart(5, '0')}` });
    const hb = term.send(0x0002, {});
    t.equal((await term.ackOf(hb)).result, 0, `terminal ${i}: heartbeat answered (anonymous session)`);
    term.close();
    await until(`session ${i} gone`, () => server.gateway.sessions.size === 0);
    if (server.gateway.queue.depth > HIGH_WATER) t.fail(`queue depth ${server.gateway.queue.depth} past ${HIGH_WATER}`);
  }
  t.equal(server.gateway.queue.depth, HIGH_WATER, 'the queue holds its high-water mark and no more');
  const metrics = await scrape(server.ports.http);
  const skipped = sample(metrics, 'dipper_presence_skipped_total');
  t.equal(skipped, CHURN * 2 - HIGH_WATER, 'every presence past the mark skipped and counted (an online and an offline per session)');

  // the sinks recover: what was queued goes out, in order
  sink.open();
  await until('the queue drained', () => server.gateway.queue.depth === 0);
  const presence = sink.events.filter((e) => e.kind === 'presence');
  t.equal(presence.length, HIGH_WATER, 'the queued presence events published');
  t.same(presence.slice(0, 2).map((e) => e.kind === 'presence' && [e.presence.state, e.presence.reason]), [['online', 'login'], ['offline', 'socket-ended']], 'the first session: online at its first frame, offline when its socket ended');
});
