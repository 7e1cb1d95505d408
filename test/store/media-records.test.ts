/**
 * Media files' records on both engines (issue 19): written once per path however often a batch
 * is retried, listed newest first within a scope with a total, filtered, marked when their bytes
 * are gone; and the writer that puts them there off the ingest path: it retries while the
 * database cannot take them (here: a real database before its migration, so every insert fails
 * with the database's own error), refuses past its bound and says so, and loses nothing it accepted.
 */
import { createHash } from 'node:crypto';
import t from 'tap';
import type { Position } from '../../events/model.js';
import { MediaRepository } from '../../store/media.js';
import type { MediaQuery, NewMedia } from '../../store/media.js';
import { MediaWriter } from '../../store/media-writer.js';
import type { MediaRecordOutcome } from '../../store/media-writer.js';
import { migrate } from '../../store/migrate.js';
import { ENGINES, freshDatabase } from './engines.js';

interface Tap {
  teardown(fn: () => unknown): void;
}

const T0 = Date.parse('2026-12-01T08:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000);

function position(lat: number, lng: number, receivedAt: Date): Position {
  return { terminal: '13800000001', category: 'bodycam', org: 'wuhan/jianghan', time: receivedAt.toISOString(), receivedAt: receivedAt.toISOString(), lat, lng, speed: 0, heading: 0, altitude: 23, alarm: 0, status: 3, alarms: [], flags: ['accOn', 'fixed'], extras: {}, h3: null, h3Parents: {}, valid: true, backfill: false };
}

/** upload i, received i seconds after T0: its bytes are the text `photo i`, so its SHA-256 is known here */
function upload(i: number, over: Partial<NewMedia> = {}): NewMedia {
  const receivedAt = at(i);
  const terminal = over.terminal ?? '13800000001';
  const bytes = Buffer.from(`photo ${i}`);
  return {
    terminal,
    org: 'wuhan/jianghan',
    mediaId: i,
    type: 0,
    format: 0,
    event: 1,
    channel: 1,
    position: position(30.58, 114.27 + i * 1e-5, receivedAt),
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    receivedAt,
    path: `media/${terminal}/${i}-${receivedAt.toISOString().replace(/[:.]/g, '')}.jpg`,
    ...over,
  };
}

async function until(ok: () => boolean | Promise<boolean>): Promise<void> {
  // the test's own timeout bounds this; each poll yields to the writer
  while (!(await ok())) await new Promise((r) => setTimeout(r, 10));
}

for (const kind of ENGINES) {
  const repo = async (t: Tap) => {
    const db = await freshDatabase(t, kind);
    await migrate(db);
    return new MediaRepository(db);
  };

  t.test(`${kind}: a record as written, read back; a path twice is one record`, async (t) => {
    const media = await repo(t);
    const one = upload(7, { mediaId: 0xffffffff, type: 2, format: 4, event: 3, channel: 9 });
    t.equal(await media.insertMany([one]), 1);
    t.equal(await media.insertMany([one]), 0, 'a batch retried after its commit adds nothing');
    const { total, items } = await media.list({ scope: '', limit: 10, offset: 0 });
    t.equal(total, 1);
    const m = items[0]!;
    t.match(m.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    t.same(
      { ...m, id: undefined },
      {
        id: undefined,
        terminal: '13800000001',
        org: 'wuhan/jianghan',
        mediaId: 4294967295,
        type: 2,
        format: 4,
        contentType: 'video/x-ms-wmv',
        event: 3,
        channel: 9,
        position: one.position,
        bytes: 7,
        sha256: createHash('sha256').update('photo 7').digest('hex'),
        receivedAt: '2026-12-01T08:00:07.000Z',
        path: one.path,
        removedAt: null,
        // a 0x0801 upload: no Su-biao alarm
        alarmNo: null,
        alarmIdentifier: null,
        alarmKind: null,
        fileName: null,
        incident: null,
      },
    );
    t.same(await media.get('', m.id), m, 'one record by its id');
    t.same(await media.get('wuhan/jianghan', m.id), m, 'within its scope');
    t.equal(await media.get('wuhan/hongshan', m.id), undefined, "another district's scope: no such record");
    t.equal(await media.get('wuhan/jiang', m.id), undefined, 'a scope is a path, not a prefix');
    t.equal(await media.insertMany([{ ...upload(8), position: null }]), 1);
    t.equal((await media.list({ scope: '', limit: 1, offset: 0 })).items[0]!.position, null, 'no location block: no position');
  });

  t.test(`${kind}: listed newest first, paged with a total, filtered, scoped`, async (t) => {
    const media = await repo(t);
    const all = Array.from({ length: 30 }, (_, i) =>
      upload(i, {
        terminal: i % 3 === 0 ? '13800000002' : '13800000001',
        org: i % 5 === 0 ? 'wuhan/hongshan' : 'wuhan/jianghan/squad-1',
        type: i % 2,
        event: i % 4,
      }),
    );
    t.equal(await media.insertMany(all), 30);
    const page = await media.list({ scope: '', limit: 7, offset: 7 });
    t.equal(page.total, 30);
    t.same(
      page.items.map((m) => m.mediaId),
      [22, 21, 20, 19, 18, 17, 16],
      'newest received first, from the offset',
    );
    const expect = (f: (m: NewMedia) => boolean) => all.filter(f).map((m) => m.mediaId).reverse();
    const ids = async (q: Partial<MediaQuery>) => {
      const r = await media.list({ scope: '', limit: 100, offset: 0, ...q });
      t.equal(r.total, r.items.length);
      return r.items.map((m) => m.mediaId);
    };
    t.same(await ids({ scope: 'wuhan/jianghan' }), expect((m) => m.org === 'wuhan/jianghan/squad-1'), 'a district sees its squads');
    t.same(await ids({ scope: 'wuhan/hongshan' }), expect((m) => m.org === 'wuhan/hongshan'));
    t.same(await ids({ terminal: '13800000002' }), expect((m) => m.terminal === '13800000002'));
    t.same(await ids({ from: at(10).toISOString(), to: at(20).toISOString() }), expect((m) => m.mediaId >= 10 && m.mediaId < 20), 'from inclusive, to exclusive');
    t.same(await ids({ type: [1] }), expect((m) => m.type === 1));
    t.same(await ids({ event: [0, 3] }), expect((m) => m.event === 0 || m.event === 3));
    t.same(
      await ids({ scope: 'wuhan/jianghan', terminal: '13800000002', type: [0], event: [2] }),
      expect((m) => m.org !== 'wuhan/hongshan' && m.terminal === '13800000002' && m.type === 0 && m.event === 2),
      'every filter at once',
    );
    t.same(await media.list({ scope: '', limit: 10, offset: 100 }), { total: 30, items: [] }, 'past the end: the total, no items');
  });

  t.test(`${kind}: bytes gone are marked once, with their time`, async (t) => {
    const media = await repo(t);
    await media.insertMany([upload(1), upload(2)]);
    t.equal(
      await media.markRemoved([
        { path: upload(1).path, at: at(100) },
        { path: 'media/x/never-recorded.jpg', at: at(100) },
      ]),
      1,
      'the one recorded',
    );
    t.equal(await media.markRemoved([{ path: upload(1).path, at: at(200) }]), 0, 'already marked: kept as it was');
    const { items } = await media.list({ scope: '', limit: 10, offset: 0 });
    t.same(
      items.map((m) => [m.mediaId, m.removedAt]),
      [
        [2, null],
        [1, '2026-12-01T08:01:40.000Z'],
      ],
    );
  });

  t.test(`${kind}: the writer retries while the database refuses, refuses past its bound, and loses nothing it accepted`, async (t) => {
    // a real database without the media table yet: every write fails until it is migrated
    const db = await freshDatabase(t, kind);
    const media = new MediaRepository(db);
    const counts: Record<MediaRecordOutcome, number> = { written: 0, refused: 0, removed: 0, 'removal-refused': 0 };
    const health: (string | undefined)[] = [];
    const writer = new MediaWriter(media, { maxPending: 600, retryMs: 10, maxRetryMs: 50 }, { counted: (o, n) => void (counts[o] += n), health: (e) => void health.push(e?.message) });
    t.teardown(() => writer.close());
    const uploads = Array.from({ length: 650 }, (_, i) => upload(i));
    const accepted = uploads.map((u) => writer.record(u));
    t.equal(accepted.filter(Boolean).length, 600, 'accepted up to maxPending');
    t.equal(counts.refused, 50, 'the rest refused and counted');
    t.equal(writer.record(uploads[599]!), true, 'the same upload again is the one entry, not a second');
    t.equal(writer.depth, 600);
    // a file dropped while its record waits: written marked (one of a record written before: marked after, below)
    t.equal(writer.removed(uploads[5]!.path, at(1000)), true);
    t.equal(writer.removed('media/13800000001/other.jpg', at(1000)), false, 'a removal is bounded too');
    t.equal(counts['removal-refused'], 1);
    await until(() => health.length > 0);
    t.match(health[0], /media/, "the database's own error, said once");
    await migrate(db);
    await until(() => writer.depth === 0);
    t.equal(counts.written, 600, 'every accepted record written');
    t.same(health.slice(1), [undefined], 'and the writer said the database answers again');
    const listed = await media.list({ scope: '', limit: 500, offset: 0 });
    t.equal(listed.total, 600);
    t.same(
      new Set(listed.items.map((m) => m.sha256)),
      new Set(uploads.slice(100, 600).map((u) => u.sha256)),
      'the newest 500 of the 600 accepted, by their hashes',
    );
    t.equal((await media.list({ scope: '', limit: 1, offset: 594 })).items[0]!.removedAt, '2026-12-01T08:16:40.000Z', 'the one dropped while waiting is written marked');
    t.equal(writer.removed(uploads[6]!.path, at(2000)), true);
    await until(() => counts.removed === 1);
    t.equal((await media.list({ scope: '', limit: 1, offset: 593 })).items[0]!.removedAt, '2026-12-01T08:33:20.000Z', 'one written before is marked after');
  });
}
