/**
 * Cluster mode (DIPPER_WORKERS) as an operator runs it: `server/main.ts` becomes a primary
 * whose worker runs the gateway; a worker that dies is forked again on the same ports and its
 * terminals log in again; SIGTERM stops everything with exit 0. More than one worker without
 * an external MQTT broker is refused at start.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import t from 'tap';
import { TestTerminal } from './helpers/terminal.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

const report = { alarm: 0, status: 3, lat: 30.59, lng: 114.3, altitude: 20, speed: 30, heading: 90, time: '2026-03-01T08:00:00.000Z', alarms: [], flags: [], extras: {} };

t.test('one worker under a supervising primary: answers, is restarted when killed, stops on SIGTERM', async (t) => {
  const [jt808, http, mqtt, ws] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, DIPPER_WORKERS: '1', DIPPER_JT808_PORT: String(jt808), DIPPER_ATTACHMENTS_PORT: '0', DIPPER_HTTP_PORT: String(http), DIPPER_MQTT_PORT: String(mqtt), DIPPER_MQTT_WS_PORT: String(ws), DIPPER_DATA_DIR: mkdtempSync(join(tmpdir(), 'dipper-cluster-')), DIPPER_AUTH_SECRET: 'cluster-test-secret-of-at-least-32-bytes' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const listening: number[] = [];
  const messages: string[] = [];
  let wake = () => undefined as void;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const entry = JSON.parse(line) as { msg: string; pid: number };
    messages.push(entry.msg);
    if (entry.msg === 'dipper gateway listening') listening.push(entry.pid);
    wake();
  });
  // woken by each log line; no time limit of its own (a busy machine starts a worker slowly: tap's
  // timeout bounds the file), but a primary that exits ends the wait
  let gone = false;
  void exited.then(() => ((gone = true), wake()));
  const until = async (what: string, ok: () => boolean) => {
    while (!ok()) {
      if (gone) throw new Error(`the primary exited (${child.exitCode}) before ${what}: ${messages.join(' | ')}`);
      await new Promise<void>((r) => (wake = r));
    }
  };
  await until('the worker', () => listening.length === 1);
  t.ok(messages.includes('cluster primary: accepting for the gateway workers'));
  t.not(listening[0], child.pid, 'the gateway runs in a worker, not in the primary');

  const first = await TestTerminal.tcp(jt808);
  t.teardown(() => first.close());
  await first.login();
  t.equal((await first.ackOf(first.send(0x0200, report))).result, 0, 'a report answered through the worker');

  process.kill(listening[0]!, 'SIGKILL');
  await until('the restarted worker', () => listening.length === 2);
  t.ok(messages.includes('gateway worker exited: restarting it'));
  t.not(listening[1], listening[0], 'a new worker');
  const again = await TestTerminal.tcp(jt808);
  t.teardown(() => again.close());
  await again.login();
  t.equal((await again.ackOf(again.send(0x0200, report))).result, 0, 'answered again on the same port');
  t.equal((await fetch(`http://127.0.0.1:${http}/healthz`)).status, 200, 'the API too');

  child.kill('SIGTERM');
  t.equal(await exited, 0, 'exit code 0');
  t.ok(messages.includes('every worker stopped'));
});

t.test('more than one worker needs an external MQTT broker', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { env: { ...process.env, DIPPER_WORKERS: '2' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  t.equal(await new Promise<number | null>((r) => child.on('exit', (c) => r(c))), 2);
  t.match(err, /cluster\.workers: more than one worker needs an external MQTT broker/);
});
