/**
 * The metrics catalogue on a real gateway: a terminal logs in over TCP, reports, sends a bad
 * frame; a second one talks UDP. The /metrics scrape shows it under the catalogue's names and
 * passes `promtool check metrics` (Debian's prometheus package, installed by
 * scripts/prometheus.sh on first use).
 */
import { spawn } from 'node:child_process';
import t from 'tap';
import { until } from '../gateway/helpers/http.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';
import { sample, scrape, startOpsServer } from './helpers.js';

function promtoolCheck(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('scripts/prometheus.sh', ['promtool', 'check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

t.test('a real scrape carries the catalogue and passes promtool check metrics', async (t) => {
  const server = await startOpsServer(t);
  const term = await TestTerminal.tcp(server.ports.jt808);
  t.teardown(() => term.close());
  await term.login();
  for (let i = 0; i < 3; i++) await term.ackOf(term.send(0x0200, locationBody({ alarm: i === 2 ? 1 : 0 })));
  // a frame with a wrong check byte: counted as a decode error by reason
  const bad = term.frame(0x0002, {});
  bad.writeUInt8(bad.readUInt8(bad.length - 2) ^ 0xff, bad.length - 2);
  term.writeRaw(bad);
  const udp = await TestTerminal.udp(server.ports.udp!, { phone: '013900000077' });
  t.teardown(() => udp.close());
  await udp.login();

  // the bad frame may still be in flight: wait for it to be counted
  const text = await until('the bad frame counted', async () => {
    const scraped = await scrape(server.ports.http);
    return sample(scraped, 'dipper_decode_errors_total{reason="checksum"}') !== undefined && scraped;
  });

  t.equal(sample(text, 'dipper_frames_in_total{msg_id="0x0200"}'), 3, 'frames by message ID');
  t.equal(sample(text, 'dipper_frames_in_total{msg_id="0x0100"}'), 2, 'one registration per terminal');
  t.equal(sample(text, 'dipper_decode_errors_total{reason="checksum"}'), 1, 'decode errors by reason');
  t.equal(sample(text, 'dipper_connections{transport="tcp"}'), 1);
  t.equal(sample(text, 'dipper_connections{transport="udp"}'), 1);
  t.equal(sample(text, 'dipper_sessions{state="authenticated"}'), 2, 'sessions by state');
  t.equal(sample(text, 'dipper_sessions{state="handshake"}'), 0);
  t.equal(sample(text, 'dipper_events_total{kind="position"}'), 3);
  t.equal(sample(text, 'dipper_terminals_online{category="unknown",org=""}'), 2, 'fleet: online by category and org');
  // every known alarm name and category has its series from the start, at 0: one of them counted
  const alarmLines = text.split('\n').filter((l) => l.startsWith('dipper_alarms_total{') && !l.endsWith(' 0'));
  t.equal(alarmLines.length, 1, `alarms by name and category: ${alarmLines.join('; ')}`);
  t.match(alarmLines[0], /category="unknown"\} 1$/);
  t.ok(sample(text, 'dipper_replies_total{kind="0x8001"}')! >= 5, 'replies by kind (auth, positions)');
  t.ok(sample(text, 'dipper_received_bytes_total{transport="tcp"}')! > 100, 'bytes in, TCP');
  t.ok(sample(text, 'dipper_received_bytes_total{transport="udp"}')! > 0, 'bytes in, UDP');
  t.ok(sample(text, 'dipper_sent_bytes_total{transport="tcp"}')! > 0, 'bytes out');
  t.equal(sample(text, 'dipper_reassemblies_in_flight'), 0);
  t.equal(sample(text, 'dipper_queue_depth'), 0);
  t.equal(sample(text, 'dipper_intake_held_bytes'), 0, 'an idle gateway holds no received data');
  t.equal(sample(text, 'dipper_intake_waiting_connections'), 0);
  t.ok(sample(text, 'dipper_nodejs_eventloop_lag_seconds')! >= 0, 'event-loop lag (default metrics, prefixed)');
  t.ok(sample(text, 'dipper_process_resident_memory_bytes')! > 0, 'process metrics');

  // a second scrape adds only what happened in between (counts are moved, never double-counted)
  await term.ackOf(term.send(0x0200, locationBody()));
  t.equal(sample(await scrape(server.ports.http), 'dipper_frames_in_total{msg_id="0x0200"}'), 4);

  for (const line of text.split('\n').filter((l) => l.startsWith('# TYPE '))) {
    const [, , name, type] = line.split(' ');
    t.match(name, /^dipper_/, `${name}: dipper_ prefix`);
    if (type === 'counter') t.match(name, /_total$/, `${name}: counters end in _total`);
  }

  const { code, output } = await promtoolCheck(text);
  t.equal(code, 0, `promtool check metrics: ${output.trim() || 'clean'}`);
  t.equal(output.trim(), '', 'no lint findings');
});
