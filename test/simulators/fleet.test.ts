/**
 * The simulated fleet against a real gateway (in process, loopback, free ports): positions
 * reach the live API, alarms, blind-area backfills and photos arrive as the gateway's own
 * metrics count them, platform commands are answered, UDP works, and a seed replays the
 * same frames.
 */
import t from 'tap';
import type { EventSink } from '../../events/sink.js';
import type { GatewayEvent } from '../../events/model.js';
import { Fleet } from '../../simulators/fleet.js';
import { buildReport, summaryTable } from '../../simulators/report.js';
import { buildScenario, readScenarioFile } from '../../simulators/scenario.js';
import type { ScenarioOverrides } from '../../simulators/scenario.js';
import { until } from '../gateway/helpers/http.js';
import { startTestServer } from '../gateway/helpers/server.js';

const START = '2026-01-15T08:00:00.000Z';

function scenario(port: number, over: ScenarioOverrides = {}) {
  return buildScenario(
    { target: { port }, vehicles: 4, walkers: 4, intervalS: 5, speedup: 100, rampS: 0.2, startTime: START, edition2019Share: 0.5, localAddresses: 2, replyTimeoutMs: 5000 },
    over,
  );
}

async function metric(port: number, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

/**
 * Waits until the gateway has counted every frame the fleet sent, by message ID: a terminal's last
 * frames (those written just before it dropped its link for a blind area, or stopped) are still on
 * their way when the fleet finishes, and a busy machine takes its time over them.
 */
async function caughtUp(port: number, sent: Record<string, number>): Promise<void> {
  await until(
    `the gateway to count ${JSON.stringify(sent)}`,
    async () => {
      // at least: a count past what was sent ends the wait too, for the assertions that follow to show
      for (const [id, n] of Object.entries(sent)) if ((await metric(port, 'dipper_frames_in_total', `msg_id="${id}"`)) < n) return false;
      return true;
    },
  );
}

t.test('a fleet reports positions, alarms, backfills and photos to the gateway', async (t) => {
  const server = await startTestServer(t);
  const fleet = new Fleet(
    scenario(server.ports.jt808, {
      ticks: 40,
      alarms: { sosPerHour: 60, speedingPerHour: 200, overspeedKmh: 50 },
      blindArea: { perHour: 60, minS: 10, maxS: 20 },
      photos: { perHour: 120 },
    }),
  );
  t.teardown(() => fleet.stop());
  fleet.start();
  await fleet.finished;
  const stats = fleet.stats.snapshot();
  await caughtUp(server.ports.http, stats.sent);

  const live = (await (await fetch(`http://127.0.0.1:${server.ports.http}/api/live`)).json()) as { positions: { terminal: string; lat: number; lng: number }[] };
  const terminals = new Set(live.positions.map((p) => p.terminal));
  for (const term of fleet.terminals) t.ok(terminals.has(term.phone), `${term.phone} (${term.spec.kind}, ${term.spec.edition}) is on the live map`);
  for (const p of live.positions) t.ok(Math.abs(p.lat - 30.59) < 0.2 && Math.abs(p.lng - 114.3) < 0.2, 'around Wuhan');

  const http = server.ports.http;
  for (const id of ['0x0100', '0x0102', '0x0200', '0x0704', '0x0800', '0x0801', '0x0003']) {
    t.equal(await metric(http, 'dipper_frames_in_total', `msg_id="${id}"`), stats.sent[id] ?? 0, `gateway counted every ${id} sent (${stats.sent[id] ?? 0})`);
  }
  t.ok((stats.sent['0x0704'] ?? 0) > 0, 'blind-area episodes were backfilled with 0x0704');
  t.ok((stats.sent['0x0801'] ?? 0) > (stats.sent['0x0800'] ?? 0), 'photos went up in several subpackages');
  // a terminal entering a blind area drops its link at once: answers still on the way are lost, as on a real road
  const stored = await metric(http, 'dipper_media_total', 'outcome="stored"');
  t.ok(stored > 0 && stored >= (stats.replies['0x8800'] ?? 0), `photos stored (${stored}) and answered 0x8800 (${stats.replies['0x8800']})`);
  t.ok((await metric(http, 'dipper_events_total', 'kind="alarm"')) > 0, 'SOS and overspeed alarms became alarm events');
  const acks = await metric(http, 'dipper_replies_total', 'kind="0x8001"');
  t.ok(acks >= stats.replies['0x8001']! && stats.replies['0x8001']! > 0, `0x8001 sent ${acks}, received ${stats.replies['0x8001']}`);
  t.equal(stats.errors['unanswered'] ?? 0, 0);
  t.equal(stats.latency.count > 0, true);
});

t.test('every terminal reports, even one whose first report draws a blind area', async (t) => {
  // wuhan.yaml (seed 2026): terminal index 356 is handheld 13700000021, and its behaviour stream
  // draws a blind area at tick 1 (probability 0.2/h x 10 s = 1/1800 a report), 29 ticks long. The
  // fleet cut after index 356 gives it the same spec and streams (forked per index); fast and short.
  const server = await startTestServer(t);
  const wuhan = buildScenario(readScenarioFile('config/scenarios/wuhan.yaml'), { target: { port: server.ports.jt808 }, walkers: 57, speedup: 100, rampS: 0, ticks: 5, localAddresses: 1 });
  const city = new Fleet(wuhan);
  const one = city.terminals[356]!;
  t.equal(one.phone, '13700000021', 'the terminal of the issue');
  // and, the same cause for every terminal: a blind area drawn at every report (probability 1), longer than the run
  const all = new Fleet(scenario(server.ports.jt808, { phoneOffset: 200, ticks: 3, blindArea: { perHour: 720, minS: 100, maxS: 100 }, photos: { perHour: 0 } }));
  const terminals = [one, ...all.terminals];
  t.teardown(() => Promise.all(terminals.map((x) => x.stop())));
  one.start();
  all.start();
  await until('every terminal stopped (ticks reached)', () => terminals.every((x) => x.state === 'stopped'));
  const sent = city.stats.sentById[0x0200] ?? 0;
  const allSent = all.stats.sentById[0x0200] ?? 0;
  t.equal(allSent, 8, 'each of 8 terminals reported once before its blind area');
  t.ok(sent >= 1, `13700000021 sent ${sent} 0x0200`);
  await until('the gateway counted every report', async () => (await metric(server.ports.http, 'dipper_frames_in_total', 'msg_id="0x0200"')) === sent + allSent);
  const live = (await (await fetch(`http://127.0.0.1:${server.ports.http}/api/live`)).json()) as { positions: { terminal: string }[] };
  const onMap = new Set(live.positions.map((p) => p.terminal));
  for (const x of terminals) t.ok(onMap.has(x.phone), `${x.phone} is on the live map`);
});

t.test('platform commands are answered as a terminal would', async (t) => {
  const server = await startTestServer(t);
  const fleet = new Fleet(scenario(server.ports.jt808, { vehicles: 1, walkers: 1, speedup: 10, edition2019Share: 0 }));
  t.teardown(() => fleet.stop());
  fleet.start();
  await until('both online', () => fleet.stats.online === 2);
  const phone = fleet.terminals[1]!.phone;
  const post = async (command: string, body: object = {}) => {
    const res = await fetch(`http://127.0.0.1:${server.ports.http}/api/terminals/${phone}/commands`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ command, body, timeoutMs: 5000 }) });
    t.equal(res.status, 200, `${command} answered`);
    return ((await res.json()) as { reply: { msgId: number; body: Record<string, unknown> } }).reply;
  };
  const where = await post('0x8201');
  t.equal(where.msgId, 0x0201);
  t.ok(Math.abs((where.body.lat as number) - 30.59) < 0.2);
  t.same((await post('0x8300', { flag: 1, text: '收队' })).body.result, 0);
  t.same((await post('0x8103', { params: [{ id: 0x0029, value: 30 }] })).body.result, 0);
  const params = await post('0x8104');
  t.equal(params.msgId, 0x0104);
  t.ok((params.body.params as { id: number; value: unknown }[]).some((p) => p.id === 0x0029 && p.value === 30), 'the parameter set was kept');
  const photo = await post('0x8801', { channel: 1, command: 1, intervalS: 0, save: 0, resolution: 1, quality: 5, brightness: 128, contrast: 64, saturation: 64, chroma: 128 });
  t.equal(photo.msgId, 0x0805);
  t.equal(photo.body.result, 0);
  await until('the photo stored', async () => (await metric(server.ports.http, 'dipper_media_total', 'outcome="stored"')) === 1);
  t.equal((await post('0x8105', { command: 4 })).body.result, 0);
});

t.test('UDP terminals log in and report', async (t) => {
  const server = await startTestServer(t);
  const fleet = new Fleet(scenario(server.ports.jt808, { target: { transport: 'udp' }, ticks: 5 }));
  t.teardown(() => fleet.stop());
  fleet.start();
  await fleet.finished;
  t.equal(fleet.stats.snapshot().sent['0x0200'], 40);
  await caughtUp(server.ports.http, { '0x0200': 40 });
  t.equal(await metric(server.ports.http, 'dipper_frames_in_total', 'msg_id="0x0200"'), 40);
});

t.test('the summary counts acknowledged reports, and blind areas apart from errors', async (t) => {
  const server = await startTestServer(t);
  // 8 terminals x 6 reports, no blind area: a graceful stop waits for every answer
  const quiet = new Fleet(scenario(server.ports.jt808, { ticks: 6, blindArea: { perHour: 0 }, photos: { perHour: 0 } }));
  t.teardown(() => quiet.stop());
  quiet.start();
  await quiet.finished;
  const snap = quiet.stats.snapshot();
  t.equal(snap.sent['0x0200'], 48);
  t.equal(snap.acked['0x0200'], 48, 'every report acknowledged (0x8001 result 0)');
  t.equal(snap.acked['0x0102'], 8, 'every authentication acknowledged');
  const report = buildReport('test', snap, quiet.stats.latency, { startedAt: 0, endedAt: 1000, stoppedBy: 'ticks', settings: {}, workers: 1 });
  t.equal(report.framesAcked, Object.values(snap.acked).reduce((a, b) => a + b, 0));
  t.match(summaryTable(report), /\| +sent 0x0200 +\| 48 \(acknowledged 48\) +\|/, 'the summary says how many reports were acknowledged');

  // a blind area at every report (probability 1): each is an episode, none an error
  const blind = new Fleet(scenario(server.ports.jt808, { phoneOffset: 100, ticks: 4, blindArea: { perHour: 3600, minS: 5, maxS: 5 }, photos: { perHour: 0 } }));
  t.teardown(() => blind.stop());
  blind.start();
  await blind.finished;
  const b = blind.stats.snapshot();
  t.ok(b.blindAreas >= 8, `blind-area episodes counted (${b.blindAreas})`);
  t.same(b.errors, {}, 'a simulated blind area is not an error');
  t.match(summaryTable(buildReport('test', b, blind.stats.latency, { startedAt: 0, endedAt: 1000, stoppedBy: 'ticks', settings: {}, workers: 1 })), /\| blind-area episodes +\| \d+ +\|/);
});

t.test('without startTime, at real speed, the device clock is the wall clock', async (t) => {
  const positions: GatewayEvent[] = [];
  const sink: EventSink = { name: 'memory', publish: async (e) => void positions.push(...e.filter((x) => x.kind === 'position')), close: async () => undefined };
  const server = await startTestServer(t, {}, [sink]);
  // real time (speedup 1), reports every second, terminals connecting over 4 s: a clock started
  // with the fleet would trail by up to the ramp (3 s for the last one) plus the logins
  const fleet = new Fleet(buildScenario({ target: { port: server.ports.jt808 }, vehicles: 2, walkers: 2, intervalS: 1, heartbeatS: 60, speedup: 1, rampS: 4, ticks: 3, localAddresses: 1, blindArea: { perHour: 0 }, photos: { perHour: 0 } }));
  t.teardown(() => fleet.stop());
  fleet.start();
  await fleet.finished;
  await until('every report published', () => positions.length === 12);
  for (const e of positions) {
    if (e.kind !== 'position') continue;
    const behind = Date.parse(e.position.receivedAt) - Date.parse(e.position.time!);
    // device time is whole seconds (BCD), so up to 1 s before the report was due, plus the way to the gateway
    t.ok(behind >= 0 && behind < 2000, `${e.position.terminal}: device time ${e.position.time}, received ${e.position.receivedAt} (${behind} ms)`);
  }
});

t.test('--seed: the same seed sends the same frames; another seed does not', async (t) => {
  // a gateway per run: a late frame of one run's terminal must not log out the next run's twin
  const run = async (seed: number) => {
    const server = await startTestServer(t);
    const frames = new Map<string, string[]>();
    const fleet = new Fleet(scenario(server.ports.jt808, { seed, ticks: 15, alarms: { sosPerHour: 60, speedingPerHour: 200 }, blindArea: { perHour: 40, minS: 10, maxS: 15 }, photos: { perHour: 100 } }), {
      record: (phone, frame) => frames.set(phone, [...(frames.get(phone) ?? []), frame.toString('hex')]),
    });
    fleet.start();
    await fleet.finished;
    t.comment(`seed ${seed}: errors ${JSON.stringify(fleet.stats.snapshot().errors)}`);
    return frames;
  };
  const a = await run(11);
  const b = await run(11);
  const c = await run(12);
  t.equal(a.size, 8);
  t.same([...b.keys()].sort(), [...a.keys()].sort());
  for (const [phone, frames] of a) t.same(b.get(phone), frames, `${phone}: ${frames.length} frames, identical`);
  t.notSame([...c.values()].flat().sort(), [...a.values()].flat().sort(), 'seed 12 differs');
});

t.test('--burst: reports leave in groups, the same frames as one by one', async (t) => {
  const run = async (burst: number) => {
    const server = await startTestServer(t);
    const reports = new Map<string, { hex: string; at: number }[]>();
    const fleet = new Fleet(scenario(server.ports.jt808, { seed: 5, ticks: 8, burst, vehicles: 2, walkers: 2, edition2019Share: 0 }), {
      record: (phone, frame) => {
        // 2013 header: the message ID is the two bytes after the opening 0x7e
        if (frame.readUInt16BE(1) === 0x0200) reports.set(phone, [...(reports.get(phone) ?? []), { hex: frame.toString('hex'), at: performance.now() }]);
      },
    });
    fleet.start();
    await fleet.finished;
    await caughtUp(server.ports.http, { '0x0200': 32 });
    t.equal(await metric(server.ports.http, 'dipper_frames_in_total', 'msg_id="0x0200"'), 32, `burst ${burst}: the gateway counted every report`);
    return reports;
  };
  const single = await run(1);
  const burst = await run(4);
  for (const [phone, list] of burst) {
    t.same(list.map((r) => r.hex), single.get(phone)!.map((r) => r.hex), `${phone}: the same 8 reports, same device times`);
    // interval 5 s at speedup 100 = 50 ms a report: a burst of 4 leaves at once, the next 200 ms later
    for (const group of [list.slice(0, 4), list.slice(4, 8)]) t.ok(group[3]!.at - group[0]!.at < 40, `${phone}: a burst of 4 written together (${(group[3]!.at - group[0]!.at).toFixed(1)} ms)`);
    t.ok(list[4]!.at - list[3]!.at > 100, `${phone}: bursts ${(list[4]!.at - list[3]!.at).toFixed(0)} ms apart`);
  }
});
