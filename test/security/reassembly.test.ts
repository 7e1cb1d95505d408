/**
 * Issue 14, section 1: "one frame crashes the gateway; twenty kilobytes take 500 MB". Each
 * attack is reproduced as an authenticated terminal would send it, over real TCP against a
 * real gateway:
 * - one 0x0200 subpackage part (total 300 or 1000, index 1, empty body): at the reassembly
 *   deadline the missing list must reach the terminal, split to fit the edition's count field;
 * - 1,000 empty parts each announcing 65,535 packets, under different first serials;
 * - the same with a total the gateway accepts: the state held is bounded per session and per
 *   gateway, in entries and in bytes (overhead included: empty parts still cost).
 *
 * Expected lists worked out from the layouts (2013 §8.4 table 6, §8.50 table 80; 2019 §8.4):
 *   0x8003 2013: origSerial WORD, count BYTE, ids WORD x n   -> n <= 255 (a BYTE)
 *   0x8003 2019: origSerial WORD, count WORD, ids WORD x n   -> 4 + 2n <= 1023 -> n <= 509
 *   0x8800:      mediaId DWORD, count BYTE, ids WORD x n     -> n <= 255 in every edition
 * 0x8001 results (2013 §8.2): 0 ok, 1 fail, 2 malformed.
 */
import t from 'tap';
import type { Test } from 'tap';
import { enframe } from '../../decoders/index.js';
import type { Edition, Message } from '../../decoders/index.js';
import { sample, scrape } from '../ops/helpers.js';
import { startTestServer } from '../gateway/helpers/server.js';
import { TestTerminal, locationBody } from '../gateway/helpers/terminal.js';

/**
 * One subpackage frame built by hand (header of 2013/2019 §4.4.3 with the subpackage bit,
 * the given body): the codec's encoder would never produce a lone part of an inconsistent total.
 */
function partFrame(version: Edition, phone: string, msgId: number, serial: number, total: number, index: number, body = Buffer.alloc(0)): Buffer {
  const is2019 = version === '2019';
  const header = Buffer.alloc(is2019 ? 21 : 16);
  header.writeUInt16BE(msgId, 0);
  header.writeUInt16BE(0x2000 | (is2019 ? 0x4000 : 0) | body.length, 2); // bit 13 subpackage, bit 14 2019
  let at = 4;
  if (is2019) header[at++] = 1; // protocol version
  Buffer.from(phone.padStart(is2019 ? 20 : 12, '0'), 'hex').copy(header, at);
  at += is2019 ? 10 : 6;
  header.writeUInt16BE(serial, at);
  header.writeUInt16BE(total, at + 2);
  header.writeUInt16BE(index, at + 4);
  return enframe(Buffer.concat([header, body]));
}

/** from..to inclusive. */
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Heartbeat answered: the gateway (and this connection) still works. */
async function heartbeatAnswered(term: TestTerminal): Promise<number> {
  const serial = term.send(0x0002, {});
  return (await term.ackOf(serial)).result;
}

type Retransmit = Message<{ origSerial: number; packetIds: number[] }>;
type UploadAnswer = Message<{ mediaId: number; retransmitIds?: number[] }>;

const lists: [Edition, number, number[][]][] = [
  ['2013', 300, [range(2, 256), range(257, 300)]],
  ['2013', 1000, [range(2, 256), range(257, 511), range(512, 766), range(767, 1000)]],
  ['2019', 1000, [range(2, 510), range(511, 1000)]],
];

for (const [version, total, expected] of lists) {
  t.test(`${version}: one 0x0200 part "1 of ${total}": at the deadline the missing list is split into ${expected.length} 0x8003, and the gateway stays up`, async (t) => {
    const server = await startTestServer(t, { reassembly: { timeoutMs: 50 } });
    const term = await TestTerminal.tcp(server.ports.jt808, { version });
    t.teardown(() => term.close());
    await term.login();

    const serial = term.nextSerial();
    term.writeRaw(partFrame(version, term.phone, 0x0200, serial, total, 1));
    t.same(await term.ackOf(serial), { ackSerial: serial, ackMsgId: 0x0200, result: 0 }, 'the part is answered on arrival');

    for (const [i, ids] of expected.entries()) {
      const request = (await term.next(0x8003)) as Retransmit;
      t.equal(request.version, version, `0x8003 ${i + 1} in the terminal's edition`);
      t.same(request.body, { origSerial: serial, packetIds: ids }, `0x8003 ${i + 1} of ${expected.length}: ids ${ids[0]}..${ids.at(-1)}`);
    }
    t.equal(await heartbeatAnswered(term), 0, 'the gateway still answers');
  });
}

for (const version of ['2013', '2019'] as const) {
  t.test(`${version}: one 0x0801 part "1 of 300": the missing list goes out as two 0x8800 (count is a BYTE)`, async (t) => {
    const server = await startTestServer(t, { reassembly: { timeoutMs: 50 } });
    const term = await TestTerminal.tcp(server.ports.jt808, { version, phone: '013800000011' });
    t.teardown(() => term.close());
    await term.login();

    const serial = term.nextSerial();
    const body = Buffer.from([0, 0, 0, 7, 0, 0, 0, 1]); // media ID 7, then the start of the 36-byte prefix
    term.writeRaw(partFrame(version, term.phone, 0x0801, serial, 300, 1, body));
    for (const ids of [range(2, 256), range(257, 300)]) {
      const answer = (await term.next(0x8800)) as UploadAnswer;
      t.same(answer.body, { mediaId: 7, retransmitIds: ids }, `0x8800 asks for ${ids[0]}..${ids.at(-1)}`);
    }
    t.equal(await heartbeatAnswered(term), 0, 'the gateway still answers');
  });
}

t.test('a total above reassembly.maxPackets is refused with 0x8001 result 2; at the cap it is taken', async (t) => {
  const server = await startTestServer(t, { reassembly: { maxPackets: 100 } });
  const term = await TestTerminal.tcp(server.ports.jt808);
  t.teardown(() => term.close());
  await term.login();
  for (const [total, result] of [
    [101, 2],
    [65_535, 2],
    [100, 0],
  ] as const) {
    const serial = term.nextSerial();
    term.writeRaw(partFrame('2013', term.phone, 0x0200, serial, total, 1));
    t.equal((await term.ackOf(serial)).result, result, `total ${total}: result ${result}`);
  }
  const metrics = await scrape(server.ports.http);
  t.equal(sample(metrics, 'dipper_reassembly_total{outcome="too-many-packets"}'), 2, 'the refusals are counted');
  t.equal(sample(metrics, 'dipper_reassemblies_in_flight'), 1, 'only the one at the cap is held');
});

/** 1,000 empty parts "1 of `total`" under first serials 1000..1999, in one write (about 20 KB). */
function bomb(t: Test, term: TestTerminal, total: number): number {
  const frames: Buffer[] = [];
  let last = 0;
  for (let i = 0; i < 1000; i++) {
    last = 1000 + i;
    frames.push(partFrame('2013', term.phone, 0x0200, last, total, 1));
  }
  const wire = Buffer.concat(frames);
  t.ok(wire.length < 21_000, `the bomb is ${wire.length} bytes on the wire`);
  term.writeRaw(wire);
  return last;
}

t.test('memory bomb: 1,000 empty parts announcing 65,535 packets each', async (t) => {
  const server = await startTestServer(t);
  const attacker = await TestTerminal.tcp(server.ports.jt808, { phone: '013800000021' });
  const driver = await TestTerminal.tcp(server.ports.jt808, { phone: '013800000022' });
  t.teardown(() => {
    attacker.close();
    driver.close();
  });
  await attacker.login({ terminalId: 'T000021' });
  await driver.login({ terminalId: 'T000022' });

  const rssBefore = process.memoryUsage.rss();
  const last = bomb(t, attacker, 65_535);
  t.equal((await attacker.ackOf(last)).result, 2, 'the last part is refused: 65,535 packets is above the cap');
  const grown = (process.memoryUsage.rss() - rssBefore) / 1048576;
  t.ok(grown < 50, `RSS grew ${grown.toFixed(1)} MB (under 50)`);

  const serial = driver.send(0x0200, locationBody());
  t.equal((await driver.ackOf(serial)).result, 0, 'a well-behaved terminal on another connection is answered');
  t.equal(await heartbeatAnswered(attacker), 0, 'the gateway is up');
});

t.test('memory bomb within the cap: state held stays bounded per session (entries, and bytes with overhead)', async (t) => {
  const server = await startTestServer(t, { reassembly: { maxEntries: 16 } });
  const attacker = await TestTerminal.tcp(server.ports.jt808, { phone: '013800000031' });
  const driver = await TestTerminal.tcp(server.ports.jt808, { phone: '013800000032' });
  t.teardown(() => {
    attacker.close();
    driver.close();
  });
  await attacker.login({ terminalId: 'T000031' });
  await driver.login({ terminalId: 'T000032' });

  const rssBefore = process.memoryUsage.rss();
  const maxPackets = server.gateway.config.reassembly.maxPackets;
  const last = bomb(t, attacker, maxPackets);
  t.equal((await attacker.ackOf(last)).result, 0, `"1 of ${maxPackets}" is within the cap: taken`);
  const grown = (process.memoryUsage.rss() - rssBefore) / 1048576;
  t.ok(grown < 50, `RSS grew ${grown.toFixed(1)} MB (under 50)`);

  const metrics = await scrape(server.ports.http);
  t.equal(sample(metrics, 'dipper_reassemblies_in_flight'), 16, 'at most reassembly.maxEntries held for the session');
  t.equal(sample(metrics, 'dipper_reassembly_total{outcome="evicted"}'), 1000 - 16, 'each part past the cap evicted the oldest');
  const held = sample(metrics, 'dipper_reassembly_held_bytes') ?? 0;
  t.ok(held > 0, `the empty parts are not free: ${held} bytes of overhead counted`);

  const serial = driver.send(0x0200, locationBody());
  t.equal((await driver.ackOf(serial)).result, 0, 'a well-behaved terminal on another connection is answered');
});

t.test('empty parts cost their overhead: reassembly.maxBytes bounds them even with no payload', async (t) => {
  const server = await startTestServer(t, { reassembly: { maxEntries: 100_000, maxBytes: 64 * 1024 } });
  const attacker = await TestTerminal.tcp(server.ports.jt808);
  t.teardown(() => attacker.close());
  await attacker.login();
  const last = bomb(t, attacker, 8);
  await attacker.ackOf(last);
  const metrics = await scrape(server.ports.http);
  const entries = sample(metrics, 'dipper_reassemblies_in_flight') ?? 0;
  const held = sample(metrics, 'dipper_reassembly_held_bytes') ?? 0;
  t.ok(entries < 1000, `${entries} of 1,000 empty messages held`);
  t.ok(held > 0 && held <= 64 * 1024, `${held} bytes counted, within reassembly.maxBytes`);
});

t.test('the per-gateway budget is shared: one session cannot take it all, nor evict another\'s', async (t) => {
  const server = await startTestServer(t, { reassembly: { maxEntries: 16, maxEntriesTotal: 20 } });
  const first = await TestTerminal.tcp(server.ports.jt808, { phone: '013800000041' });
  const second = await TestTerminal.tcp(server.ports.jt808, { phone: '013800000042' });
  t.teardown(() => {
    first.close();
    second.close();
  });
  await first.login({ terminalId: 'T000041' });
  await second.login({ terminalId: 'T000042' });

  // the first session fills its own cap (16 of the gateway's 20)
  let last = 0;
  for (let i = 0; i < 16; i++) first.writeRaw(partFrame('2013', first.phone, 0x0200, (last = 100 + i), 4, 1));
  t.equal((await first.ackOf(last)).result, 0);
  // the second gets the 4 left, then is refused (result 1: try again later)
  const results: number[] = [];
  for (let i = 0; i < 6; i++) {
    const serial = 200 + i;
    second.writeRaw(partFrame('2013', second.phone, 0x0200, serial, 4, 1));
    results.push((await second.ackOf(serial)).result);
  }
  t.same(results, [0, 0, 0, 0, 1, 1], 'four taken, then refused');
  const metrics = await scrape(server.ports.http);
  t.equal(sample(metrics, 'dipper_reassemblies_in_flight'), 20, 'the gateway holds 20 (reassembly.maxEntriesTotal)');
  t.equal(sample(metrics, 'dipper_reassembly_total{outcome="no-room"}'), 2, 'the refusals are counted');
  t.equal(sample(metrics, 'dipper_reassembly_total{outcome="evicted"}') ?? 0, 0, 'nothing of the first session was evicted');
});
