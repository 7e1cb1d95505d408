/**
 * `npm run bench:floods`: abuse against one gateway process, each flood alone and bounded in
 * count and time, while a well-behaved terminal reports every 20 ms. Verdict per flood: the
 * gateway is still up (its process alive, /metrics answering) and the terminal's median ack
 * latency stays within 2x of its unloaded median. Each flood runs in its own process, so the
 * measuring terminal's event loop is not the attacker's. Writes bench/results/floods.json; exits 1 on
 * a failed verdict.
 *
 *   npm run bench:floods -- [--seconds 6] [--only random-bytes[,slowloris-808]]
 *
 * `--only` runs the named floods and prints their verdicts without touching floods.json: the
 * table there holds one run of every flood against one unloaded baseline.
 */
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FrameSplitter, decodeFrame, enframe, encode } from '../decoders/index.js';
import type { Message } from '../decoders/index.js';
import { authBody, registrationBody } from '../test/gateway/helpers/terminal.js';
import { startGatewayProcess } from './harness/gateway-process.js';
import { Probe } from './harness/probe.js';
import type { LatencySummary } from './harness/probe.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '6' }, only: { type: 'string' } } });
const seconds = Number(values.seconds);
const only = values.only?.split(',').map((n) => n.trim()).filter(Boolean);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A socket from a loopback source address (the gateway caps connections per IP at 500). */
function open(port: number, source: number): Promise<Socket> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1', localAddress: `127.0.0.${source}` });
    s.on('error', () => undefined);
    s.once('connect', () => resolve(s));
    s.once('close', () => resolve(s));
  });
}

/**
 * `count` connections (source address 127.0.0.`source(i)`) that each write `chunk()` every
 * `everyMs`, reconnecting as soon as the gateway closes them, until stopped.
 */
async function writeLoops(port: number, count: number, source: (i: number) => number, chunk: () => Buffer, everyMs: number, stopped: () => boolean): Promise<{ connections: number; writes: number }> {
  let connections = 0;
  let writes = 0;
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      while (!stopped()) {
        const s = await open(port, source(i));
        connections++;
        while (!stopped() && !s.destroyed) {
          s.write(chunk());
          writes++;
          await sleep(everyMs);
        }
        s.destroy();
      }
    }),
  );
  return { connections, writes };
}

/** Registers and authenticates `phone` (0x0100 -> 0x8100 code -> 0x0102 -> 0x8001); then the socket's input is ignored. */
async function loggedIn(port: number, source: number, phone: string, terminalId: string): Promise<Socket> {
  const s = await open(port, source);
  const splitter = new FrameSplitter();
  let waiting: ((m: Message) => void) | undefined;
  const onData = (chunk: Buffer) =>
    splitter.push(
      chunk,
      (data) => {
        const r = decodeFrame(data);
        if (r.ok && !('part' in r.message)) waiting?.(r.message);
      },
      () => undefined,
    );
  s.on('data', onData);
  const reply = (msgId: number) => new Promise<Message>((resolve) => (waiting = (m) => m.msgId === msgId && resolve(m)));
  const registered = reply(0x8100);
  s.write(encode({ msgId: 0x0100, version: '2013', phone, serial: 0, body: { ...registrationBody(), terminalId } }));
  const { authCode } = (await registered).body as { authCode?: string };
  const authenticated = reply(0x8001);
  s.write(encode({ msgId: 0x0102, version: '2013', phone, serial: 1, body: authBody('2013', authCode ?? '') }));
  await authenticated;
  s.off('data', onData);
  s.resume(); // answers from here on are read and dropped
  return s;
}

/** An empty 2013 0x0200 subpackage part "1 of `total`" (header with bit 13 set, no body). */
function emptyPart(phone: string, serial: number, total: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(0x0200, 0);
  h.writeUInt16BE(0x2000, 2);
  Buffer.from(phone, 'hex').copy(h, 4);
  h.writeUInt16BE(serial, 10);
  h.writeUInt16BE(total, 12);
  h.writeUInt16BE(1, 14);
  return enframe(h);
}

interface Flood {
  name: string;
  what: string;
  /** Runs until `stop()` says so; returns what it did (counts). */
  run(ports: { jt808: number; http: number }, stopped: () => boolean): Promise<Record<string, number>>;
}

const random = (n: number) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (Math.random() * 256) | 0;
  return b;
};

const FLOODS: Flood[] = [
  {
    name: 'connect-storm',
    what: '20,000 connections opened and dropped at once (200 in parallel, 40 source addresses)',
    async run({ jt808 }) {
      let done = 0;
      let next = 0;
      const worker = async () => {
        while (next < 20_000) {
          const i = next++;
          const s = await open(jt808, 10 + (i % 40));
          s.destroy();
          done++;
        }
      };
      await Promise.all(Array.from({ length: 200 }, worker));
      return { connections: done };
    },
  },
  {
    name: 'slowloris-808',
    what: '2,000 JT/T 808 connections each sending one byte of a frame every 2 s',
    async run({ jt808 }, stopped) {
      const sockets = await Promise.all(Array.from({ length: 2000 }, (_, i) => open(jt808, 60 + (i % 5))));
      const frame = encode({ msgId: 0x0100, version: '2013', phone: '013800000099', serial: 0, body: registrationBody() });
      let pos = 0;
      let bytes = 0;
      while (!stopped()) {
        for (const s of sockets) {
          if (s.destroyed) continue;
          s.write(frame.subarray(pos % frame.length, (pos % frame.length) + 1));
          bytes++;
        }
        pos++;
        await sleep(2000);
      }
      const open808 = sockets.filter((s) => !s.destroyed).length;
      sockets.forEach((s) => s.destroy());
      return { connections: sockets.length, bytes, stillOpen: open808 };
    },
  },
  {
    name: 'slowloris-http',
    what: '1,000 HTTP connections each sending a request header one line every 2 s',
    async run({ http }, stopped) {
      const sockets = await Promise.all(Array.from({ length: 1000 }, (_, i) => open(http, 70 + (i % 3))));
      sockets.forEach((s) => s.write('GET /api/terminals HTTP/1.1\r\nHost: x\r\n'));
      let lines = 0;
      while (!stopped()) {
        for (const s of sockets) {
          if (s.destroyed) continue;
          s.write(`X-Slow-${lines}: y\r\n`);
          lines++;
        }
        await sleep(2000);
      }
      const still = sockets.filter((s) => !s.destroyed).length;
      sockets.forEach((s) => s.destroy());
      return { connections: sockets.length, headerLines: lines, stillOpen: still };
    },
  },
  {
    name: 'random-bytes',
    what: '200 connections, each writing 4 KB of random bytes every 10 ms (reconnecting when closed)',
    async run({ jt808 }, stopped) {
      const { connections, writes } = await writeLoops(jt808, 200, (i) => 80 + (i % 2), () => random(4096), 10, stopped);
      return { connections, bytes: writes * 4096 };
    },
  },
  {
    name: 'http-on-808',
    what: 'HTTP requests on the JT/T 808 port, 100 connections at a time',
    async run({ jt808 }, stopped) {
      let requests = 0;
      await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          while (!stopped()) {
            const s = await open(jt808, 90 + (i % 2));
            s.write('GET / HTTP/1.1\r\nHost: gateway\r\n\r\n');
            requests++;
            await new Promise((r) => (s.once('close', r), setTimeout(r, 1000)));
            s.destroy();
          }
        }),
      );
      return { requests };
    },
  },
  {
    name: 'oversized-frames',
    what: '100 connections sending 64 KB frames (0x7e, 64 KB of body, 0x7e) in a loop',
    async run({ jt808 }, stopped) {
      const big = Buffer.concat([Buffer.from([0x7e, 0x02, 0x00]), Buffer.alloc(65_536, 0x41), Buffer.from([0x7e])]);
      const { writes } = await writeLoops(jt808, 100, (i) => 95 + (i % 2), () => big, 20, stopped);
      return { frames: writes };
    },
  },
  {
    name: 'registration-spam',
    what: '20 terminals each sending 0x0100 registrations as fast as answered (pipelined 10 deep)',
    async run({ jt808 }, stopped) {
      let sent = 0;
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const s = await open(jt808, 100);
          let serial = 0;
          while (!stopped() && !s.destroyed) {
            for (let k = 0; k < 10; k++) s.write(encode({ msgId: 0x0100, version: '2013', phone: `01380001${String(i).padStart(4, '0')}`, serial: serial++ & 0xffff, body: registrationBody() }));
            sent += 10;
            await sleep(5);
          }
          s.destroy();
        }),
      );
      return { registrations: sent };
    },
  },
  {
    name: 'subpackage-bombs',
    what: '5 authenticated terminals each writing 1,000 empty 0x0200 parts "1 of N" every 200 ms, each under a new first serial, N 65,535 (above reassembly.maxPackets) and 8,192 (within it) by turns',
    async run({ jt808 }, stopped) {
      const phones = Array.from({ length: 5 }, (_, i) => `01380002${String(i).padStart(4, '0')}`);
      const terminals = await Promise.all(phones.map((phone, i) => loggedIn(jt808, 110, phone, `B${String(i).padStart(6, '0')}`)));
      let parts = 0;
      let serial = 1000;
      for (let round = 0; !stopped(); round++) {
        const total = round % 2 === 0 ? 65_535 : 8192;
        terminals.forEach((s, i) => {
          if (s.destroyed) return;
          const frames: Buffer[] = [];
          for (let k = 0; k < 1000; k++) frames.push(emptyPart(phones[i]!, (serial + k) & 0xffff, total));
          s.write(Buffer.concat(frames));
          parts += 1000;
        });
        serial = (serial + 1000) & 0xffff;
        await sleep(200);
      }
      const stillOpen = terminals.filter((s) => !s.destroyed).length;
      terminals.forEach((s) => s.destroy());
      return { terminals: terminals.length, parts, stillOpen };
    },
  },
];

/** The flood runs in a child process: the probe's latency must not include the attacker's own work. */
function runFlood(name: string, ports: { jt808: number; http: number }, ms: number): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, DIPPER_FLOOD: JSON.stringify({ name, ports, ms }) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let did: Record<string, number> | undefined;
    child.on('message', (m: Record<string, number>) => (did = m));
    child.on('exit', (code) => (did ? resolve(did) : reject(new Error(`flood ${name} exited ${code}`))));
  });
}

type FloodResult = { name: string; what: string; did: Record<string, number>; latencyMs: LatencySummary; gatewayUp: boolean; rssMB: number; verdict: 'pass' | 'fail' };

async function main(): Promise<number> {
  const unknown = only?.filter((n) => !FLOODS.some((f) => f.name === n)) ?? [];
  if (unknown.length) throw new Error(`unknown flood ${unknown.join(', ')}; known: ${FLOODS.map((f) => f.name).join(', ')}`);
  const chosen = only ? FLOODS.filter((f) => only.includes(f.name)) : FLOODS;
  const gw = await startGatewayProcess({ env: { DIPPER_DELIVERY: 'fast' } });
  const results: FloodResult[] = [];
  let baseline: LatencySummary | undefined;
  try {
    const probe = await Probe.start(gw.ports.jt808);
    baseline = await probe.measure(seconds * 1000);
    console.log(`unloaded: p50 ${baseline.p50} ms, p99 ${baseline.p99} ms (n ${baseline.n})`);
    for (const flood of chosen) {
      const running = runFlood(flood.name, gw.ports, (seconds + 1) * 1000);
      await sleep(1000); // let the flood reach its pace
      const latency = await probe.measure(seconds * 1000);
      const did = await running;
      const alive = gw.child.exitCode === null && (await fetch(`http://127.0.0.1:${gw.ports.http}/metrics`).then((r) => r.ok, () => false));
      const verdict = alive && latency.unanswered === 0 && latency.p50 <= 2 * baseline.p50 ? 'pass' : 'fail';
      results.push({ name: flood.name, what: flood.what, did, latencyMs: latency, gatewayUp: alive, rssMB: Math.round(gw.rssBytes() / 1048576), verdict });
      console.log(`${verdict.toUpperCase()} ${flood.name}: ${JSON.stringify(did)}; probe p50 ${latency.p50} ms (${(latency.p50 / baseline.p50).toFixed(2)}x), p99 ${latency.p99} ms, unanswered ${latency.unanswered}; gateway ${alive ? 'up' : 'DOWN'}, RSS ${results.at(-1)!.rssMB} MB`);
      await sleep(1500);
    }
    probe.close();
  } finally {
    await gw.stop();
  }
  if (!only) {
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/floods.json', JSON.stringify({ at: new Date().toISOString(), seconds, baselineMs: baseline, floods: results }, null, 2) + '\n');
  }
  return results.every((r) => r.verdict === 'pass') ? 0 : 1;
}

if (process.env.DIPPER_FLOOD) {
  const { name, ports, ms } = JSON.parse(process.env.DIPPER_FLOOD) as { name: string; ports: { jt808: number; http: number }; ms: number };
  const flood = FLOODS.find((f) => f.name === name)!;
  const end = Date.now() + ms;
  const did = await flood.run(ports, () => Date.now() > end);
  process.send!(did, () => process.exit(0));
} else process.exit(await main());
