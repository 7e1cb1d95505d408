/**
 * Off post and no signal with real terminals over TCP (issue 18), on a gateway with small
 * limits: during a shift, a device outside its duty area past duty.offPostGraceMs opens an
 * `off-post` incident (not before: its openedAt is at least the grace after the report that
 * left), one that came back sooner opens none, and off shift nothing is raised; a device not
 * heard from for duty.noSignalMs opens `no-signal` (a heartbeat is no location), also one never
 * heard from at all. The tests wait for the incidents to appear, never for a time: an absence
 * is asserted once a later incident proves the limit has passed for it too.
 */
import t from 'tap';
import type { Test } from 'tap';
import type { Server } from '../../server/server.js';
import { startTestServer } from './helpers/server.js';
import { call, until } from './helpers/http.js';
import { TestTerminal, locationBody } from './helpers/terminal.js';
import { ALWAYS, INSIDE, OUTSIDE, square } from '../helpers/duty.js';

const JH = 'jianghan-duty-inc-token-00000001';
const GRACE_MS = 1000;
const SILENCE_MS = 3000;

interface Incident {
  id: string;
  terminal: string;
  kind: string;
  org: string;
  openedAt: string;
  location: { lat: number; lng: number } | null;
}

/** `before`: runs once the devices are registered, before they are assigned (their silence counts from the assignment) */
async function start(t: Test, duty: object, before?: (server: Server) => Promise<void>): Promise<{ server: Server; incidents: (kind: string) => Promise<Incident[]> }> {
  const server = await startTestServer(t, { api: { tokens: [{ token: JH, org: 'wuhan/jianghan', name: 'jianghan', rights: ['read', 'admin'] }] }, duty: { checkMs: 20, ...duty } } as never);
  const api = (method: string, path: string, body?: unknown) => call(server.ports.http, JH, method, path, body);
  const devices = ['13966610001', '13966610002', '13966610003', '13966610004', '13966610005'].map((terminal) => ({ terminal, category: 'bodycam', org: 'wuhan/jianghan/s1' }));
  t.equal((await api('POST', '/api/devices/import', { terminals: devices })).status, 200);
  await before?.(server);
  t.equal((await api('PUT', '/api/duty-areas/off-shift', { name: 'no shift at all', org: 'wuhan/jianghan', geometry: square(114.27, 30.58, 0.02), shifts: [], devices: ['13966610005'] })).status, 201);
  t.equal((await api('PUT', '/api/duty-areas/on-shift', { name: 'on shift', org: 'wuhan/jianghan', geometry: square(114.27, 30.58, 0.02), shifts: ALWAYS, devices: devices.slice(0, 4).map((d) => d.terminal) })).status, 201);
  return { server, incidents: async (kind) => (await api('GET', `/api/incidents?kind=${kind}`)).json.items as Incident[] };
}

async function unit(t: Test, server: Server, phone: string): Promise<{ term: TestTerminal; report: (at: { lat: number; lng: number }) => Promise<number> }> {
  const term = await TestTerminal.tcp(server.ports.jt808, { phone });
  t.teardown(() => term.close());
  await term.login();
  return {
    term,
    // when the report was sent: the gateway receives it after this
    report: async (at) => {
      const sent = Date.now();
      await term.ackOf(term.send(0x0200, locationBody(at)));
      return sent;
    },
  };
}

t.test('off post past the grace during a shift: an off-post incident; back in time or off shift: none', async (t) => {
  const { server, incidents } = await start(t, { offPostGraceMs: GRACE_MS, noSignalMs: 3_600_000 });
  const [stray, back, offShift] = [await unit(t, server, '013966610003'), await unit(t, server, '013966610004'), await unit(t, server, '013966610005')];
  for (const u of [stray, back, offShift]) await u.report(INSIDE);
  // out and back in one write: however busy the machine, a moment outside, not the grace
  const out = back.term.nextSerial();
  const inAgain = back.term.nextSerial();
  back.term.writeRaw(Buffer.concat([back.term.frame(0x0200, locationBody(OUTSIDE), out), back.term.frame(0x0200, locationBody(INSIDE), inAgain)]));
  await back.term.ackOf(out);
  await back.term.ackOf(inAgain);
  await offShift.report(OUTSIDE);
  const left = await stray.report(OUTSIDE);
  const [opened] = await until('the off-post incident', async () => {
    const list = await incidents('off-post');
    return list.length > 0 ? list : undefined;
  });
  t.match(opened, { terminal: '13966610003', kind: 'off-post', org: 'wuhan/jianghan/s1', location: OUTSIDE });
  t.ok(Date.parse(opened!.openedAt) >= left + GRACE_MS, `opened ${Date.parse(opened!.openedAt) - left} ms after it left (grace ${GRACE_MS} ms)`);
  // the stray's grace has passed, so has theirs: they left before it did
  t.same((await incidents('off-post')).map((i) => i.terminal), ['13966610003'], 'back within the grace, or off shift: nothing');
  // one incident for the episode, however many sweeps see it outside
  await stray.report(OUTSIDE);
  t.equal((await incidents('off-post')).length, 1);
});

t.test('not heard from during a shift: a no-signal incident, also for a device never heard from', async (t) => {
  // logged in before its assignment, so only one report's round trip lies between the assignment
  // (where silence starts counting for a device not heard from) and the report it is to be silent after
  let quiet!: Awaited<ReturnType<typeof unit>>;
  const { incidents } = await start(t, { offPostGraceMs: 3_600_000, noSignalMs: SILENCE_MS }, async (server) => {
    quiet = await unit(t, server, '013966610001');
  });
  const last = await quiet.report(INSIDE);
  // a heartbeat says the terminal is connected, not where the officer is
  await quiet.term.ackOf(quiet.term.send(0x0002, {}));
  const found = await until('both no-signal incidents', async () => {
    const list = await incidents('no-signal');
    return list.some((i) => i.terminal === '13966610001') && list.some((i) => i.terminal === '13966610002') ? list : undefined;
  });
  const byTerminal = new Map(found.map((i) => [i.terminal, i]));
  const silent = byTerminal.get('13966610001')!;
  t.ok(Date.parse(silent.openedAt) >= last + SILENCE_MS, `opened ${Date.parse(silent.openedAt) - last} ms after its last report (limit ${SILENCE_MS} ms)`);
  t.same(silent.location, INSIDE, 'where it was last seen');
  t.match(byTerminal.get('13966610002'), { org: 'wuhan/jianghan/s1', location: null }, 'never heard from: its org unit from the registry, no place');
  t.notOk(byTerminal.has('13966610005'), 'off shift: nothing');
});
