/**
 * The session-layer fuzzer: mutated and random frames through a real Gateway's `handle(stream)`
 * (stream splitter -> codec -> reassembly -> session handlers -> normalise -> queue -> the live
 * index), in one process, seeded. Each fuzz session is a Duplex whose writes are the gateway's
 * answers; it opens with a login often enough (register, authenticate, valid reports) that the
 * handlers behind authentication are reached, then mixes valid frames, mutated frames, valid
 * headers over random bodies, subpackage parts and raw noise. After every session a probe
 * terminal logs in and must get its 0x8001 for a location report: a gateway that stops
 * answering is a hang, even if no exception was thrown.
 *
 * Failures are typed and counted: decode errors by code (the gateway's own metric), refusals by
 * reason, sessions closed by reason. A thrown exception (uncaught or unhandled rejection) is a
 * crash, recorded with its stack. `fuzz-session.ts` runs this in worker processes with a
 * watchdog; `test/proof/` runs a bounded sample.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { FrameSplitter, decodeFrame, encode, encodeParts, enframe, knownMessageIds } from '../decoders/index.js';
import type { Edition, OutgoingMessage } from '../decoders/index.js';
import { validate } from '../server/config.js';
import { Gateway } from '../gateway/gateway.js';
import { EventQueue } from '../sinks/queue.js';
import { MapService } from '../map/service.js';
import { silentLogger } from '../gateway/log.js';
import { authCodeFor } from '../gateway/session/auth-code.js';
import { rng } from './fixtures.js';

const SECRET = 'fuzz-secret-of-at-least-32-bytes!';


export interface SessionFuzzStats {
  /** Frames and noise chunks written into sessions. */
  inputs: number;
  bytes: number;
  sessions: number;
  /** Sessions that closed themselves (junk, malformed, ...) before the fuzzer ended them, by reason. */
  closedBy: Record<string, number>;
  /** Frames refused by the codec, by error code (dipper_decode_errors_total). */
  decodeErrors: Record<string, number>;
  /** Messages answered with a refusal, by reason (dipper_refusals_total). */
  refusals: Record<string, number>;
  /** Answers the gateway wrote, by message ID. */
  replies: Record<string, number>;
  /** Probe logins that got their 0x8001 / that did not (a hang). */
  probes: number;
  probeFailures: number;
  /** Thrown exceptions: must stay empty. */
  crashes: string[];
  /** Sessions still open once everything was closed (a leak). */
  leakedSessions: number;
}

/** A Duplex standing in for a socket: what is pushed is what the terminal sent. */
class FuzzStream extends Duplex {
  readonly answers: Buffer[] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.answers.push(chunk);
    done();
  }
}

const tick = () => new Promise<void>((r) => setImmediate(r));

function location(i: number, time: string): object {
  return { alarm: i % 7 === 0 ? 1 : 0, status: 3, lat: 30.5 + (i % 1000) * 1e-4, lng: 114.3 + (i % 997) * 1e-4, altitude: 23, speed: 36.5, heading: i % 360, time, alarms: [], flags: [], extras: { mileageKm: 12.3, rssi: 20 } };
}

export interface FuzzOptions {
  seed?: number;
  /** Called every ~1,000 inputs (the worker's heartbeat). */
  onProgress?: (inputs: number) => void;
}

export async function fuzzSessions(count: number, options: FuzzOptions = {}): Promise<SessionFuzzStats> {
  const random = rng(options.seed ?? 1);
  const int = (n: number) => Math.floor(random() * n);
  const ids = knownMessageIds();
  const stats: SessionFuzzStats = { inputs: 0, bytes: 0, sessions: 0, closedBy: {}, decodeErrors: {}, refusals: {}, replies: {}, probes: 0, probeFailures: 0, crashes: [], leakedSessions: 0 };
  const onCrash = (e: unknown) => stats.crashes.push(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);

  const dataDir = mkdtempSync(join(tmpdir(), 'dipper-fuzz-'));
  // two gateways: one requiring authentication, one anonymous (handlers reached without a login)
  const gateways = [false, true].map((anonymous) => {
    const config = validate({ jt808: { host: '127.0.0.1', port: 0, maxPerIp: 100_000, handshakeTimeoutMs: 60_000 }, dataDir, auth: { secret: SECRET, allowAnonymous: anonymous, registrationsPerMinute: 100_000_000 }, reassembly: { timeoutMs: 2000 }, log: { level: 'silent' } });
    const live = new MapService(config.map, config.h3);
    return { gateway: new Gateway({ config, log: silentLogger(), pipe: (hooks) => new EventQueue([live], { ...config.queue, ...hooks }) }), live };
  });

  const phoneOf = (n: number) => `0139${String(n % 100_000_000).padStart(8, '0')}`;
  /** Fuzz sessions reuse 256 terminal identities (so their frames can be pooled). */
  const fuzzPhone = (n: number) => phoneOf(n % 256);
  let serial = 0;
  const frame = (msgId: number, phone: string, version: Edition, body: object): Buffer =>
    encode({ msgId, version, phone, serial: serial++ & 0xffff, ...(version === '2019' ? { protocolVersion: 1 } : {}), body } as OutgoingMessage);
  const registration = { provinceId: 42, cityId: 100, makerId: 'DPR01', model: 'FUZZ-1', terminalId: 'F000001', plateColor: 1, plate: 'E-A12345' };
  const code = (phone: string) => authCodeFor(SECRET, phone.replace(/^0+/, ''), { terminalId: registration.terminalId, epoch: 0 });
  const auth = (version: Edition, phone: string) => (version === '2019' ? { authCode: code(phone), imei: '860000000000001', softwareVersion: '1.0' } : { authCode: code(phone) });

  /** One mutation of a valid frame: flip, overwrite, insert, delete; re-framed half the time. */
  const mutate = (wire: Buffer): Buffer => {
    let data: Buffer = Buffer.from(wire.subarray(1, wire.length - 2));
    for (let e = 1 + int(3); e > 0; e--) {
      const at = int(Math.max(1, data.length));
      const op = int(4);
      if (op === 0) data[at] = data[at]! ^ (1 << int(8));
      else if (op === 1) data[at] = int(256);
      else if (op === 2) data = Buffer.concat([data.subarray(0, at), Buffer.from([int(256)]), data.subarray(at)]);
      else data = Buffer.concat([data.subarray(0, at), data.subarray(at + 1)]);
    }
    return random() < 0.5 ? enframe(data) : Buffer.concat([Buffer.from([0x7e]), data, Buffer.from([int(256), 0x7e])]);
  };

  /** Valid frames are encoded once per (phone slot, edition, kind) and reused: encoding is not what is fuzzed. */
  const pool = new Map<string, Buffer>();
  const validFrame = (phone: string, version: Edition, i: number): Buffer => {
    const key = `${phone}/${version}/${int(6)}/${i % 8}`;
    let f = pool.get(key);
    if (!f) pool.set(key, (f = freshFrame(phone, version, i)));
    return f;
  };
  const freshFrame = (phone: string, version: Edition, i: number): Buffer => {
    const time = new Date(Date.UTC(2026, 10, 24, 0, 0, 0) + i * 1000).toISOString();
    const kind = int(6);
    if (kind === 0) return frame(0x0002, phone, version, {});
    if (kind === 1) return frame(0x0704, phone, version, { type: int(2), locations: Array.from({ length: 1 + int(5) }, (_, k) => location(i + k, time)) });
    if (kind === 2) return frame(0x0001, phone, version, { ackSerial: int(65536), ackMsgId: 0x8103, result: 0 });
    return frame(0x0200, phone, version, location(i, time));
  };

  const partsOf = (phone: string, version: Edition): Buffer[] => {
    const body = { mediaId: int(1000), type: 0, format: 0, event: 1, channel: 1, location: location(1, '2026-11-24T00:00:00.000Z'), data: Buffer.alloc(200 + int(3000), int(256)) };
    const frames = encodeParts({ msgId: 0x0801, version, phone, serial: serial & 0xffff, ...(version === '2019' ? { protocolVersion: 1 } : {}), body } as OutgoingMessage, 256 + int(700));
    serial += frames.length;
    // drop, repeat or reorder a part sometimes
    if (frames.length > 1 && random() < 0.3) frames.splice(int(frames.length), 1);
    if (random() < 0.2) frames.reverse();
    return frames;
  };

  const noise = (): Buffer => {
    const b = Buffer.alloc(int(300));
    for (let k = 0; k < b.length; k++) {
      const r = random();
      b[k] = r < 0.08 ? 0x7e : r < 0.14 ? 0x7d : int(256);
    }
    return b;
  };

  const randomBodyFrame = (version: Edition): Buffer => {
    const id = ids[int(ids.length)]!;
    const body = Buffer.alloc(int(80));
    for (let b = 0; b < body.length; b++) body[b] = random() < 0.1 ? 0x7e : int(256);
    const is2019 = version === '2019';
    const header = Buffer.alloc(is2019 ? 17 : 12);
    header.writeUInt16BE(id, 0);
    header.writeUInt16BE(body.length | (is2019 ? 0x4000 : 0), 2);
    header.fill(0x01, 4, header.length - 2);
    return enframe(Buffer.concat([header, body]));
  };

  const countAnswers = (stream: FuzzStream) => {
    const splitter = new FrameSplitter();
    for (const chunk of stream.answers)
      splitter.push(
        chunk,
        (data) => {
          const r = decodeFrame(data);
          const key = r.ok ? `0x${r.message.msgId.toString(16).padStart(4, '0')}` : `undecodable:${r.error.code}`;
          stats.replies[key] = (stats.replies[key] ?? 0) + 1;
        },
        () => (stats.replies['undecodable'] = (stats.replies['undecodable'] ?? 0) + 1),
      );
    stream.answers.length = 0;
  };

  /** A well-behaved terminal must still be answered: login, one report, its 0x8001. */
  const probe = async (n: number): Promise<void> => {
    stats.probes++;
    const { gateway } = gateways[0]!;
    const stream = new FuzzStream();
    const phone = phoneOf(90_000_000 + n);
    gateway.handle(stream, { address: '127.0.0.2', port: n });
    await tick();
    stream.push(frame(0x0100, phone, '2013', registration));
    stream.push(frame(0x0102, phone, '2013', auth('2013', phone)));
    const s = serial & 0xffff;
    stream.push(frame(0x0200, phone, '2013', location(n, new Date().toISOString())));
    const deadline = Date.now() + 5000;
    let answered = false;
    while (!answered && Date.now() < deadline) {
      await tick();
      const splitter = new FrameSplitter();
      for (const chunk of stream.answers)
        splitter.push(chunk, (data) => {
          const r = decodeFrame(data);
          if (!r.ok || r.message.msgId !== 0x8001 || 'part' in r.message) return;
          const body = r.message.body as { ackSerial: number; result: number };
          if (body.ackSerial === s && body.result === 0) answered = true;
        }, () => undefined);
      if (!answered) await new Promise((r) => setTimeout(r, 5));
    }
    if (!answered) stats.probeFailures++;
    stream.push(null);
    stream.destroy();
  };

  let n = 0;
  while (stats.inputs < count) {
    n++;
    const { gateway } = gateways[n % 2]!;
    const version: Edition = random() < 0.3 ? '2019' : random() < 0.1 ? '2011' : '2013';
    const phone = fuzzPhone(n);
    // how hostile this session is: most are mostly well-formed, so the deeper handlers are reached
    const hostility = random() < 0.7 ? random() * 0.3 : random();
    const stream = new FuzzStream();
    const session = gateway.handle(stream, { address: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`, port: 1000 + (n % 60000) });
    stats.sessions++;
    await tick();
    const inputs: Buffer[] = [];
    if (random() < 0.7 && version !== '2011') inputs.push(frame(0x0100, phone, version, registration), frame(0x0102, phone, version, auth(version, phone)));
    const length = 1 + int(200);
    for (let i = 0; i < length; i++) {
      const mode = random() < hostility ? 6 + int(14) : int(6);
      if (mode < 6) inputs.push(validFrame(phone, version, i));
      else if (mode < 13) inputs.push(mutate(random() < 0.15 ? frame(0x0100, phone, version, registration) : validFrame(phone, version, i)));
      else if (mode < 15) inputs.push(randomBodyFrame(version));
      else if (mode < 16) inputs.push(...partsOf(phone, version));
      else if (mode < 17) inputs.push(random() < 0.5 ? Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n') : Buffer.alloc(2000 + int(3000), 0x41));
      else inputs.push(noise());
    }
    // deliver as a TCP stream would: frames glued together and cut at random points
    const wire = Buffer.concat(inputs);
    const ends: number[] = [];
    inputs.reduce((at, b) => (ends.push(at + b.length), at + b.length), 0);
    let pos = 0;
    while (pos < wire.length && !session?.closed) {
      const size = 1 + int(random() < 0.5 ? 64 : 4096);
      stream.push(wire.subarray(pos, pos + size));
      pos += size;
      if (random() < 0.1) await tick();
    }
    // count what the session was given (it may have closed itself before the end)
    const given = Math.min(pos, wire.length);
    let delivered = 0;
    while (delivered < ends.length && ends[delivered]! <= given) delivered++;
    stats.inputs += delivered;
    stats.bytes += given;
    await tick();
    if (session?.closeReason) stats.closedBy[session.closeReason] = (stats.closedBy[session.closeReason] ?? 0) + 1;
    stream.push(null);
    stream.destroy();
    countAnswers(stream);
    if (n % 500 === 0) await probe(n);
    if (n % 20 === 0) options.onProgress?.(stats.inputs);
  }
  await probe(n + 1);

  // let in-flight answers finish, then everything must be closed
  for (let i = 0; i < 100 && gateways.some(({ gateway }) => gateway.sessions.size > 0); i++) await new Promise((r) => setTimeout(r, 20));
  for (const { gateway } of gateways) {
    const j = await gateway.metrics.registry.getMetricsAsJSON();
    for (const m of j) {
      const into = m.name === 'dipper_decode_errors_total' ? stats.decodeErrors : m.name === 'dipper_refusals_total' ? stats.refusals : undefined;
      if (!into) continue;
      for (const v of m.values as { value: number; labels: Record<string, string> }[]) {
        const k = String(v.labels.reason);
        into[k] = (into[k] ?? 0) + v.value;
      }
    }
    stats.leakedSessions += gateway.sessions.size;
    await gateway.close();
  }
  for (const { live } of gateways) await live.close();
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
  rmSync(dataDir, { recursive: true, force: true });
  return stats;
}
