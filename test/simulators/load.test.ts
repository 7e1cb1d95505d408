/**
 * The load runner as ops run it (`simulators/load.ts` in a child process, its workers forked)
 * against a real gateway on loopback: its JSON report agrees with the gateway's own metrics,
 * and SIGINT stops it gracefully with a final report. Counts are small and bounded; nothing
 * here asserts a duration or a rate.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { RunReport } from '../../simulators/report.js';
import { startTestServer } from '../gateway/helpers/server.js';

const TSX = import.meta.resolve('tsx');

function runTool(script: string, args: string[]) {
  const child = spawn(process.execPath, ['--import', TSX, script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}

/**
 * Waits until `check` holds, polling the gateway; a child that exits first fails the wait (no time
 * limit of its own: on a busy machine the runner's workers start late, and tap's timeout bounds the file).
 */
async function until(what: string, exited: Promise<unknown>, check: () => Promise<boolean>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  while (!(await check())) {
    if (gone) throw new Error(`the tool exited before ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const counted = async (port: number, id: string) => (await metrics(port)).get(`dipper_frames_in_total{msg_id="${id}"}`) ?? 0;

async function metrics(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = new Map<string, number>();
  for (const line of text.split('\n')) if (line && !line.startsWith('#')) m.set(line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1)));
  return m;
}

t.test('a small load run: the report agrees with the gateway metrics', async (t) => {
  const server = await startTestServer(t);
  const dir = mkdtempSync(join(tmpdir(), 'dipper-load-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const report = join(dir, 'report.json');
  const run = runTool('simulators/load.ts', ['--port', String(server.ports.jt808), '--connections', '40', '--rate', '200', '--ramp', '0.5', '--messages', '6', '--workers', '2', '--per-address', '15', '--edition-2019', '0.5', '--report', report]);
  t.equal(await run.exited, 0, run.output());
  const r = JSON.parse(readFileSync(report, 'utf8')) as RunReport;
  t.equal(r.workers, 2);
  t.equal(r.terminals, 40);
  t.equal(r.sent['0x0200'], 240, '40 connections x 6 reports');
  t.same((r.settings.plan as { sources: string }[]).map((p) => p.sources), ['127.0.0.1-127.0.0.2', '127.0.0.3-127.0.0.4'], 'two workers, disjoint source addresses');
  const m = await metrics(server.ports.http);
  for (const [id, n] of Object.entries(r.sent)) t.equal(m.get(`dipper_frames_in_total{msg_id="${id}"}`), n, `frames in ${id}`);
  for (const [kind, n] of Object.entries(r.replies)) t.equal(m.get(`dipper_replies_total{kind="${kind}"}`), n, `replies ${kind}`);
  t.ok(r.sent['0x0003']! > 0, 'the terminals logged out');
  t.equal(r.latencyMs.count, r.sent['0x0200']! + (r.sent['0x0002'] ?? 0), 'a latency sample for every report and heartbeat answered 0x8001 (not logins, not the logouts of the stop)');
  t.ok(r.latencyMs.p50 <= r.latencyMs.p95 && r.latencyMs.p95 <= r.latencyMs.p99 && r.latencyMs.p99 <= r.latencyMs.max);
  t.same(r.errors, {});
  t.match(run.output(), /frames sent\s+\| 3\d\d /, 'summary table printed');
});

t.test('SIGINT stops a run gracefully with a final report', async (t) => {
  const server = await startTestServer(t);
  const dir = mkdtempSync(join(tmpdir(), 'dipper-load-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const report = join(dir, 'report.json');
  // no --messages: it would run for the default 60 s
  const run = runTool('simulators/load.ts', ['--port', String(server.ports.jt808), '--connections', '20', '--rate', '100', '--ramp', '0.2', '--workers', '2', '--report', report]);
  t.teardown(() => run.child.kill('SIGKILL'));
  // every terminal logged in (a terminal not yet connected has nothing to log out of), and reporting
  await until('20 logins and 40 reports', run.exited, async () => (await counted(server.ports.http, '0x0102')) >= 20 && (await counted(server.ports.http, '0x0200')) >= 40);
  run.child.kill('SIGINT');
  t.equal(await run.exited, 0, run.output());
  const r = JSON.parse(readFileSync(report, 'utf8')) as RunReport;
  t.equal(r.stoppedBy, 'SIGINT');
  t.equal(r.sent['0x0003'], 20, `every terminal logged out (errors: ${JSON.stringify(r.errors)}, connects ${r.connects})`);
  t.equal(r.online, 0);
  const m = await metrics(server.ports.http);
  t.equal(m.get('dipper_frames_in_total{msg_id="0x0200"}'), r.sent['0x0200'], 'the final report counts every report the gateway got');
  t.equal(m.get('dipper_replies_total{kind="0x8001"}'), r.replies['0x8001']);
});

t.test('simulate: SIGINT ends a fleet run with its summary and report', async (t) => {
  const server = await startTestServer(t);
  const dir = mkdtempSync(join(tmpdir(), 'dipper-sim-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const report = join(dir, 'report.json');
  const devices = join(dir, 'devices.csv');
  const run = runTool('simulators/simulate.ts', ['--scenario', 'config/scenarios/smoke.json', '--ticks', '100000', '--port', String(server.ports.jt808), '--report', report, '--devices-out', devices]);
  t.teardown(() => run.child.kill('SIGKILL'));
  await until('20 reports', run.exited, async () => (await counted(server.ports.http, '0x0200')) >= 20);
  run.child.kill('SIGINT');
  t.equal(await run.exited, 0, run.output());
  const r = JSON.parse(readFileSync(report, 'utf8')) as RunReport;
  t.equal(r.stoppedBy, 'SIGINT');
  t.equal(r.terminals, 10);
  t.match(run.output(), /latency frame -> 0x8001/);
  const csv = readFileSync(devices, 'utf8').trim().split('\n');
  t.equal(csv[0], 'type,id,category,org,plate,officer,lat,lng,name');
  t.equal(csv.length, 11);
  t.match(csv[1]!, /^terminal,139\d{8},vehicle,wuhan\//);
});
