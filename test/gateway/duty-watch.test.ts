/**
 * Inside or outside its duty area, for every location report of an assigned device, with real
 * terminals over TCP (issue 18): leaving and entering are `duty` events on /api/stream within
 * the device's scope (and through the queue to MQTT and Kafka: test/sinks/kafka.test.ts has the
 * topic), the first report sets the state without an event, a report with no fix changes
 * nothing, a device carried by an assigned person is watched, and an area moved through the
 * API judges the next report by its new shape. The area is a square drawn by hand, so which
 * point is inside needs no code to say.
 */
import t from 'tap';
import type { Test } from 'tap';
import type { Server } from '../../server/server.js';
import { startTestServer } from './helpers/server.js';
import { call, until } from './helpers/http.js';
import { openStream } from './helpers/stream.js';
import { TestTerminal, locationBody } from './helpers/terminal.js';
import { INSIDE, OUTSIDE, square } from '../helpers/duty.js';
import { districtTokens } from '../helpers/district-tokens.js';

const { CITY, JH, HS, tokens: TOKENS } = districtTokens('duty-watch', ['read', 'admin']);

const NEAR_EDGE_INSIDE = { lat: 30.5999, lng: 114.2801 };
const JUST_OUTSIDE = { lat: 30.6001, lng: 114.2801 };

async function start(t: Test): Promise<{ server: Server; api: (token: string, method: string, path: string, body?: unknown) => ReturnType<typeof call> }> {
  const server = await startTestServer(t, {
    api: {
      tokens: [
        ...TOKENS,
      ],
    },
  });
  const api = (token: string, method: string, path: string, body?: unknown) => call(server.ports.http, token, method, path, body);
  const devices = [
    { terminal: '13955550001', category: 'bodycam', org: 'wuhan/jianghan/s1' },
    { terminal: '13955550002', category: 'handheld', org: 'wuhan/jianghan/s1' },
    { terminal: '13955550003', category: 'vehicle', org: 'wuhan/jianghan/s1' },
  ];
  t.equal((await api(CITY, 'POST', '/api/devices/import', { terminals: devices })).status, 200);
  t.equal((await api(JH, 'PUT', '/api/people/p-chen', { name: '陈警官', role: 'officer', org: 'wuhan/jianghan/s1', devices: ['13955550002'] })).status, 200);
  const area = await api(JH, 'PUT', '/api/duty-areas/jh-beat-1', { name: '江汉一巡区', org: 'wuhan/jianghan', geometry: square(114.27, 30.58, 0.02), devices: ['13955550001'], people: ['p-chen'] });
  t.equal(area.status, 201, area.text);
  return { server, api };
}

async function terminal(t: Test, server: Server, phone: string): Promise<{ report: (at: { lat: number; lng: number }, over?: object) => Promise<void> }> {
  const term = await TestTerminal.tcp(server.ports.jt808, { phone });
  t.teardown(() => term.close());
  await term.login();
  // the 0x8001 comes once every sink has the report: the watch has judged it
  return { report: async (at, over = {}) => void (await term.ackOf(term.send(0x0200, locationBody({ ...at, ...over })))) };
}

t.test('leaving and entering are events on the stream, within the scope', async (t) => {
  const { server } = await start(t);
  const mine = await openStream(t, server.ports.http, JH, 'types=duty');
  const theirs = await openStream(t, server.ports.http, HS, 'types=duty');
  const all = await openStream(t, server.ports.http, CITY, 'types=duty,position');
  const cam = await terminal(t, server, '013955550001');

  await cam.report(INSIDE);
  await cam.report(NEAR_EDGE_INSIDE);
  await cam.report(JUST_OUTSIDE);
  const left = await until('the left event', () => mine.find((e) => e.data.change === 'left'));
  t.match(left.data, { terminal: '13955550001', category: 'bodycam', org: 'wuhan/jianghan/s1', area: 'jh-beat-1', areaOrg: 'wuhan/jianghan', change: 'left', onShift: false, lat: JUST_OUTSIDE.lat, lng: JUST_OUTSIDE.lng });
  await cam.report(OUTSIDE);
  await cam.report({ lat: 0, lng: 0 }, { status: 0x1 }); // no fix
  await cam.report(INSIDE);
  await until('the entered event', () => mine.find((e) => e.data.change === 'entered'));
  // the stream is in order: the city's positions and duty changes interleave as they were judged
  await until('the city has both', () => (all.filter((e) => e.type === 'duty').length === 2 ? true : undefined));
  t.same(mine.map((e) => e.data.change), ['left', 'entered'], 'the first report set the state: no event; the one with no fix changed nothing');
  const order = all.map((e) => (e.type === 'duty' ? e.data.change : `${e.data.lat}`));
  t.same(order.slice(order.indexOf('left') - 1, order.indexOf('left') + 1), [`${JUST_OUTSIDE.lat}`, 'left'], 'the change follows the report that made it');
  t.same(theirs, [], "Hongshan's stream sees none of Jianghan's");
});

t.test('a device carried by an assigned person is watched; an area moved judges the next report by its new shape', async (t) => {
  const { server, api } = await start(t);
  const events = await openStream(t, server.ports.http, JH, 'types=duty');
  const radio = await terminal(t, server, '013955550002');
  const car = await terminal(t, server, '013955550003');
  await radio.report(INSIDE);
  await car.report(INSIDE);
  await radio.report(OUTSIDE);
  await car.report(OUTSIDE);
  await until("the carried radio's left event", () => events.find((e) => e.data.terminal === '13955550002'));
  t.notOk(events.some((e) => e.data.terminal === '13955550003'), 'a device assigned to nothing is not watched');
  // the beat moves north over where the radio is now: its next report is inside
  t.equal((await api(JH, 'PUT', '/api/duty-areas/jh-beat-1', { name: '江汉一巡区', org: 'wuhan/jianghan', geometry: square(114.27, 30.61, 0.02), people: ['p-chen'] })).status, 200);
  await radio.report(OUTSIDE);
  const entered = await until('entered the moved beat', () => events.find((e) => e.data.change === 'entered'));
  t.match(entered.data, { terminal: '13955550002', lat: OUTSIDE.lat });
  const metrics = await call(server.ports.http, CITY, 'GET', '/metrics');
  t.match(metrics.text, /dipper_duty_areas 1/);
  t.match(metrics.text, /dipper_duty_units 1/, 'the radio only: the camera was taken off the beat');
  t.match(metrics.text, /dipper_duty_changes_total\{change="entered"\} 1/);
  const checks = [...metrics.text.matchAll(/dipper_duty_checks_total\{verdict="(\w+)"\} (\d+)/g)].reduce((n, m) => n + Number(m[2]), 0);
  t.equal(checks, 3, "every report of the radio with a fix judged once (the car's are not)");
});
