/**
 * A simulated vehicle's active-safety units against a platform that does what no attachment
 * server should (test/helpers/attachment-platform.ts, written with the codec only): 0x9212
 * asking for ranges past the file's end, empty ones, the whole file a hundred times over, and
 * never saying "complete"; 0x9208 for an alarm the unit never raised; 0x9208 naming a port
 * nobody listens on. Each is counted, bounded (one answer never makes the terminal send more
 * than the file; the resends stop after MAX_RESENDS), and the terminal goes on reporting.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { MAX_RESENDS } from '../../simulators/attachments.js';
import { Fleet } from '../../simulators/fleet.js';
import { buildScenario } from '../../simulators/scenario.js';
import { AttachmentPlatform } from '../helpers/attachment-platform.js';
import { until } from '../gateway/helpers/http.js';

const ALARM_NO = 'HOSTILE-0001';

t.test('a hostile attachment server: bad ranges refused, repeats merged, resends bounded; unknown alarms and dead ports counted', async (t) => {
  const platform = await AttachmentPlatform.start(t);
  // every answer: past the end, empty, and the whole file 100 times (as many as one 1023-byte body holds); never complete
  const sentBefore: number[] = [];
  platform.answerDone = (file) => {
    sentBefore.push(file.frames.length);
    return { result: 1, resend: [{ offset: file.size - 10, length: 100 }, { offset: 0, length: 0 }, ...Array.from({ length: 100 }, () => ({ offset: 0, length: file.size }))] };
  };
  platform.commandFirstAlarm(ALARM_NO);
  const fleet = new Fleet(
    buildScenario(
      { target: { port: platform.port }, vehicles: 1, walkers: 0, edition2019Share: 0, intervalS: 5, speedup: 10, rampS: 0, localAddresses: 0, startTime: '2026-01-15T08:00:00.000Z', replyTimeoutMs: 10_000, seed: 4 },
      { activeSafety: { share: 1, everySeconds: 5, dropRanges: 0 } },
    ),
  );
  t.teardown(() => fleet.stop());
  fleet.start();
  const { serial, identifier } = await until('the 0x9208 for the first alarm', () => platform.commanded);
  const answered = (s: number) => platform.got(`the 0x0001 for 0x9208 serial ${s}`, (m) => m.msgId === 0x0001 && (m.body as { ackSerial: number }).ackSerial === s);
  t.equal(((await answered(serial)).message.body as { result: number }).result, 0, 'taken');
  await until('the terminal to give up and close', () => platform.uploads[0]?.closed);

  const upload = platform.uploads[0]!;
  const [file, ...rest] = [...upload.files.values()];
  t.equal(rest.length, 0, 'no further file after one that never completes');
  t.equal(file!.answers.length, MAX_RESENDS + 1, `0x1212 sent ${MAX_RESENDS + 1} times, then no more`);
  // sentBefore[k]: frames the server had when the (k+1)th 0x1212 came; between two, the resend of an answer
  for (let k = 1; k < sentBefore.length; k++) {
    const resent = file!.frames.slice(sentBefore[k - 1], sentBefore[k]);
    t.equal(resent.reduce((n, f) => n + f.length, 0), file!.size, `answer ${k}: 102 ranges, the file sent once (${file!.size} bytes)`);
    t.ok(resent.every((f) => f.offset + f.length <= file!.size), 'nothing past its end');
  }
  t.equal(file!.frames.length, sentBefore[MAX_RESENDS], 'nothing sent after the last answer');
  const s = fleet.stats;
  t.equal(s.errors.get('attachment-bad-range'), MAX_RESENDS, 'each answer with a bad range counted');
  t.equal(s.errors.get('attachment-resend-limit'), 1, 'the upload given up, counted');
  t.equal(s.attachments.failed, 1);
  t.equal(s.attachments.uploads, 0);
  t.equal(s.attachments.filesAcked, 0);

  // an alarm the unit never raised: refused (0x0001 result 1), counted
  const unknown = platform.down(0x9208, { ip: '127.0.0.1', tcpPort: platform.attachmentPort, udpPort: 0, identifier: { ...identifier, seq: 200 }, alarmNo: ALARM_NO, reserved: Buffer.alloc(16) });
  t.equal(((await answered(unknown)).message.body as { result: number }).result, 1, 'an unknown alarm: failure');
  t.equal(s.errors.get('attachment-unknown-alarm'), 1);

  // a port nobody listens on: taken, then the connection refused, counted
  const free = createServer();
  await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
  const deadPort = (free.address() as AddressInfo).port;
  await new Promise((resolve) => free.close(resolve));
  const dead = platform.down(0x9208, { ip: '127.0.0.1', tcpPort: deadPort, udpPort: 0, identifier, alarmNo: ALARM_NO, reserved: Buffer.alloc(16) });
  t.equal(((await answered(dead)).message.body as { result: number }).result, 0, 'the same alarm again: taken');
  await until('the refused connection counted', () => s.errors.get('attachment-connect:ECONNREFUSED') === 1);
  t.equal(s.attachments.failed, 3, 'three uploads failed (the resend limit, the unknown alarm, the dead port)');
  t.equal(s.attachments.requests, 3);
  t.equal(platform.uploads.length, 1, 'no connection for the refused ones');

  // and the terminal still reports
  const reports = platform.uplinks.filter((u) => u.message.msgId === 0x0200).length;
  await until('another report', () => platform.uplinks.filter((u) => u.message.msgId === 0x0200).length > reports);
  t.equal(fleet.terminals[0]!.state, 'online');
});
