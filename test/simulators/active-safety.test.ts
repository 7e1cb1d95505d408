/**
 * A simulated vehicle's active-safety units against a platform written here from T/JSATL12-2017
 * with the codec only (test/helpers/attachment-platform.ts): its 0x0200 carries an ADAS or DSM
 * item whose alarm identifier (read by hand from the frame's bytes) announces as many files as it
 * then uploads after 0x9208; a range the server says it lacks is sent again, exactly that range;
 * withheld ranges (activeSafety.dropRanges) are found missing and filled; every file put
 * together from the data frames has the SHA-256 of the bytes the simulator's file factory makes,
 * and is what its name says (a JPEG from FF D8 to FF D9, an MP4 of ftyp, moov and mdat boxes).
 */
import { createHash } from 'node:crypto';
import t from 'tap';
import type { Test } from 'tap';
import { CHUNK } from '../../simulators/attachments.js';
import { Fleet } from '../../simulators/fleet.js';
import { buildScenario } from '../../simulators/scenario.js';
import type { ScenarioOverrides } from '../../simulators/scenario.js';
import { AttachmentPlatform, completeOrMissing } from '../helpers/attachment-platform.js';
import type { ReceivedFile } from '../helpers/attachment-platform.js';
import { until } from '../gateway/helpers/http.js';

/** 32 characters: the longest alarm number, so the longest file names (49 bytes of the data frame's 50). */
const ALARM_NO = 'DIPPER-EVIDENCE-0000000000000019';
/** A 2013 header: msgId 2, properties 2, phone BCD[6], serial 2. */
const HEADER_2013 = 12;
/** The basic location block of 0x0200. */
const BASIC = 28;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function start(t: Test, platform: AttachmentPlatform, over: ScenarioOverrides = {}): Fleet {
  const fleet = new Fleet(
    buildScenario(
      // an alarm at every report (5 s a report, one every 5 s), 2013 frames, 2 reports a real second;
      // seed 4: the first alarm is a DSM fatigue alarm with three files (seed 19: ADAS forward collision, two)
      { target: { port: platform.port }, vehicles: 1, walkers: 0, edition2019Share: 0, intervalS: 5, speedup: 10, rampS: 0, localAddresses: 0, startTime: '2026-01-15T08:00:00.000Z', replyTimeoutMs: 10_000, seed: 4 },
      { activeSafety: { share: 1, everySeconds: 5, dropRanges: 0 } },
      over,
    ),
  );
  t.teardown(() => fleet.stop());
  platform.commandFirstAlarm(ALARM_NO);
  fleet.start();
  return fleet;
}

/** The Su-biao item of a 0x0200, read from the body's bytes: the additional items after the basic block, id BYTE, length BYTE, value. */
function suBiaoItem(raw: Buffer): { id: number; value: Buffer; basic: Buffer } | undefined {
  const body = raw.subarray(HEADER_2013);
  for (let at = BASIC; at + 2 <= body.length; at += 2 + body[at + 1]!) {
    const id = body[at]!;
    if (id === 0x64 || id === 0x65) return { id, value: body.subarray(at + 2, at + 2 + body[at + 1]!), basic: body.subarray(0, BASIC) };
  }
  return undefined;
}

/** Top-level ISO BMFF boxes, walked by their sizes; throws when one runs past the end. */
function boxes(file: Buffer): string[] {
  const types: string[] = [];
  for (let at = 0; at < file.length; ) {
    const size = file.readUInt32BE(at);
    if (size < 8 || at + size > file.length) throw new Error(`box at ${at}: size ${size}`);
    types.push(file.toString('latin1', at + 4, at + 8));
    at += size;
  }
  return types;
}

/**
 * Waits for the first report carrying an alarm (the platform answers it with 0x9208 at once),
 * checks its item byte by byte, and returns what the upload left on the platform.
 */
async function raiseAndUpload(t: Test, platform: AttachmentPlatform, fleet: Fleet) {
  const registration = (await platform.got('registration', (m) => m.msgId === 0x0100)).message.body as { terminalId: string };
  const { report, serial, identifier } = await until('the first alarm with attachments, and its 0x9208', () => platform.commanded);
  const item = suBiaoItem(report.raw)!;
  // ADAS and DSM alike: 12 bytes of the module's fields, the 19-byte tail, the 16-byte identifier
  t.equal(item.value.length, 12 + 19 + 16, `item 0x${item.id.toString(16)}: 47 bytes`);
  const tail = item.value.subarray(12, 31);
  const ident = item.value.subarray(31);
  t.same(tail.subarray(3, 11), item.basic.subarray(8, 16), 'the tail has the report latitude and longitude');
  t.same(tail.subarray(11, 17), item.basic.subarray(22, 28), 'the tail has the report time (BCD)');
  t.equal(ident.toString('latin1', 0, 7), registration.terminalId, 'the identifier names the terminal ID it registered with');
  t.same(ident.subarray(7, 13), item.basic.subarray(22, 28), 'the identifier time is the report time');
  const attachments = ident[14]!;
  t.ok(attachments === 2 || attachments === 3, `the identifier announces ${attachments} attachments`);
  t.equal(identifier.attachments, attachments, 'the codec reads the same count');
  t.equal(platform.uplinks.filter((u) => u.message.msgId === 0x0200)[0], report, 'the first report raised it (an alarm at every report)');

  const expected = fleet.terminals[0]!.activeSafety!.files(identifier, ALARM_NO)!;
  const answer = await platform.got('the 0x0001 for 0x9208', (m) => m.msgId === 0x0001 && (m.body as { ackSerial: number }).ackSerial === serial);
  t.same(answer.message.body, { ackSerial: serial, ackMsgId: 0x9208, result: 0 }, '0x9208 answered: success');
  await until('the attachment connection closed by the terminal', () => platform.uploads[0]?.closed);
  const upload = platform.uploads[0]!;
  t.equal(platform.uploads.length, 1, 'one attachment connection');
  t.equal(upload.strayFrames, 0, 'no data frame for a file not announced, or past its end');

  // 0x1210: the terminal ID, the identifier, the alarm number, the list of what comes
  const list = upload.list!;
  t.equal(list.terminalId, registration.terminalId);
  t.same(list.identifier, identifier, 'the identifier of the alarm');
  t.equal(list.alarmNo, ALARM_NO);
  t.equal(list.infoType, 0, 'a first list, not a re-sent one');
  t.equal(list.files.length, attachments, `${attachments} files listed, as the identifier announced`);
  t.same(
    list.files,
    expected.map((f) => ({ name: f.name, size: f.data.length })),
    'names and sizes of the factory files',
  );

  const alarmType = item.id.toString(16) + item.value[5]!.toString(16).padStart(2, '0');
  const suffix: Record<string, string> = { '00': 'jpg', '02': 'mp4', '03': 'bin' };
  for (const want of expected) {
    const got = upload.files.get(want.name)!;
    t.ok(got, `${want.name} announced (0x1211)`);
    // §4.6: <type>_<channel>_<alarm type>_<seq>_<alarm number>.<suffix>
    const m = /^(\d\d)_(\d\d)_(\d{4})_(\d+)_(.+)\.(\w+)$/.exec(want.name);
    t.ok(m, `${want.name}: §4.6 form`);
    t.ok(Buffer.byteLength(want.name) <= 50, 'fits the data frame name field');
    t.equal(m![2], item.id.toString(16), 'channel: the module (64 ADAS, 65 DSM)');
    t.equal(m![3], alarmType, 'alarm type: module and type of the 0x0200 item');
    t.equal(m![5], ALARM_NO);
    t.equal(m![6], suffix[m![1]!], 'suffix as its type');
    t.equal(got.fileType, Number(m![1]), '0x1211 file type as the name');
    t.equal(got.size, want.data.length);
    t.ok(got.have.every((b) => b === 1), 'every byte arrived');
    t.equal(sha(got.bytes), sha(want.data), `${want.name}: SHA-256 of the bytes the simulator meant to send`);
    t.ok(
      got.frames.every((f) => f.length <= 65536),
      'data frames of 64 KiB at most',
    );
    t.equal(got.answers[got.answers.length - 1]!.result, 0, 'ended with 0x9212 result 0');
    if (want.name.endsWith('.jpg')) {
      t.same([...got.bytes.subarray(0, 2)], [0xff, 0xd8], 'JPEG: SOI');
      t.same([...got.bytes.subarray(-2)], [0xff, 0xd9], 'JPEG: EOI');
    }
    if (want.name.endsWith('.mp4')) {
      t.equal(got.bytes.toString('latin1', 4, 8), 'ftyp', 'MP4: opens with its ftyp box');
      t.same(boxes(got.bytes), ['ftyp', 'moov', 'mdat'], 'MP4: boxes that fill the file exactly');
    }
  }
  t.same(
    expected.map((f) => f.name.slice(-3)),
    attachments === 3 ? ['jpg', 'mp4', 'bin'] : ['jpg', 'mp4'],
    'a photo and a clip, and a log when three',
  );
  return { upload, expected, attachments };
}

t.test('0x9208 is answered with the files the alarm announced; a range the server lacks is sent again, exactly', async (t) => {
  const platform = await AttachmentPlatform.start(t);
  // the first file's first 0x1212: the server pretends it lacks 5,000-20,000 (across a chunk boundary)
  const LACK = { offset: 5000, length: 15000 };
  t.ok(LACK.offset < CHUNK && LACK.offset + LACK.length > CHUNK, 'the range spans two of the terminal\'s data frames');
  let first: ReceivedFile | undefined;
  let resendFrom = 0;
  platform.answerDone = (file, attempt) => {
    first ??= file;
    if (file !== first || attempt > 0) return completeOrMissing(file, attempt);
    t.same(completeOrMissing(file, 0).resend, [], 'nothing withheld (dropRanges 0)');
    file.have.fill(0, LACK.offset, LACK.offset + LACK.length);
    file.bytes.fill(0, LACK.offset, LACK.offset + LACK.length);
    resendFrom = file.frames.length;
    return { result: 1, resend: [LACK] };
  };
  const fleet = start(t, platform);
  const { expected } = await raiseAndUpload(t, platform, fleet);

  t.equal(first!.name, expected[0]!.name, 'the photo comes first');
  t.same(
    first!.answers.map((a) => a.result),
    [1, 0],
    'first file: 0x9212 result 1 with the range, then result 0',
  );
  const resent = first!.frames.slice(resendFrom);
  const covered = new Uint8Array(first!.size);
  for (const f of resent) covered.fill(1, f.offset, f.offset + f.length);
  const coveredAt = [...covered.keys()].filter((i) => covered[i] === 1);
  t.equal(coveredAt.length, LACK.length, 'the resend carries as many bytes as the range');
  t.equal(coveredAt[0], LACK.offset, 'from its start');
  t.equal(coveredAt[coveredAt.length - 1], LACK.offset + LACK.length - 1, 'to its end');
  t.equal(resent.reduce((n, f) => n + f.length, 0), LACK.length, 'no byte sent twice');
  for (const other of expected.slice(1)) t.same(platform.uploads[0]!.files.get(other.name)!.answers.map((a) => a.result), [0], `${other.name}: complete at once`);

  const a = fleet.stats.attachments;
  t.ok(a.alarms >= 1, `alarms raised (${a.alarms})`);
  t.same({ requests: a.requests, uploads: a.uploads, files: a.files, filesAcked: a.filesAcked, rangesResent: a.rangesResent, failed: a.failed }, { requests: 1, uploads: 1, files: expected.length, filesAcked: expected.length, rangesResent: 1, failed: 0 });
  t.same([...fleet.stats.errors.keys()].filter((k) => k.startsWith('attachment')), [], 'no attachment error');
});

t.test('withheld ranges (dropRanges) are found missing, asked for and filled; the same seed withholds the same ones', async (t) => {
  const firstSends: string[] = [];
  for (const run of [1, 2]) {
    await t.test(`run ${run}`, async (t) => {
      const platform = await AttachmentPlatform.start(t);
      const fleet = start(t, platform, { seed: 19, activeSafety: { dropRanges: 0.5 } });
      const { upload, expected } = await raiseAndUpload(t, platform, fleet);
      let asked = 0;
      const first: string[] = [];
      for (const want of expected) {
        const got = upload.files.get(want.name)!;
        // the frames before the first 0x1212 are the first send: their offsets, as the server saw them
        const firstResend = got.answers[0]!.resend;
        asked += got.answers.reduce((n, x) => n + x.resend.length, 0);
        first.push(`${want.name.slice(-3)}:${firstResend.map((r) => `${r.offset}+${r.length}`).join(',')}`);
      }
      t.ok(asked > 0, `the server had to ask for ${asked} ranges`);
      t.equal(fleet.stats.attachments.rangesResent, asked, 'each one sent again');
      t.equal(fleet.stats.attachments.filesAcked, expected.length);
      firstSends.push(first.join(' '));
    });
  }
  t.equal(firstSends[1], firstSends[0], `the same ranges withheld: ${firstSends[0]}`);
});

t.test('active-safety scenario keys are checked; only the share of vehicles carries the units', async (t) => {
  t.throws(() => buildScenario({ activeSafety: { share: 1.5 } }), /activeSafety.share/);
  t.throws(() => buildScenario({ activeSafety: { dropRanges: -0.1 } }), /activeSafety.dropRanges/);
  t.throws(() => buildScenario({ activeSafety: { everySeconds: 0 } }), /everySeconds/);
  t.throws(() => buildScenario({ activeSafety: { shares: 1 } } as never), /unknown key "activeSafety.shares"/);
  const none = new Fleet(buildScenario({ vehicles: 20, walkers: 20 }));
  t.equal(none.terminals.filter((x) => x.activeSafety).length, 0, 'off by default');
  const some = new Fleet(buildScenario({ vehicles: 200, walkers: 50, activeSafety: { share: 0.2 } }));
  const equipped = some.terminals.filter((x) => x.activeSafety);
  t.ok(equipped.every((x) => x.spec.kind === 'vehicle'), 'vehicles only');
  t.ok(equipped.length > 20 && equipped.length < 60, `about a fifth of 200 vehicles (${equipped.length})`);
  const again = new Fleet(buildScenario({ vehicles: 200, walkers: 50, activeSafety: { share: 0.2 } }));
  t.same(
    again.terminals.filter((x) => x.activeSafety).map((x) => x.phone),
    equipped.map((x) => x.phone),
    'the same seed equips the same vehicles',
  );
  const plain = new Fleet(buildScenario({ vehicles: 200, walkers: 50 }));
  t.same(
    plain.terminals.map((x) => [x.phone, x.spec.plate, x.spec.edition]),
    some.terminals.map((x) => [x.phone, x.spec.plate, x.spec.edition]),
    'equipping moves no other draw of the fleet',
  );
});
