/**
 * The Su-biao attachment channel's splitter: 808 frames and raw file-data frames (T/JSATL12-2017
 * §5.6: 30 31 63 64, name BYTE[50], offset DWORD, length DWORD, data) on one stream, over any
 * chunking. The data frames are written out byte by byte here from the standard's layout, not
 * with our encoder; the 808 frame is Traccar's heartbeat test frame.
 */
import t from 'tap';
import fc from 'fast-check';
import { AttachmentStreamSplitter, Jt808Error, encodeFileData } from '../../decoders/index.js';
import type { FileData } from '../../decoders/index.js';
import { hex } from '../helpers/frames.js';

const HEARTBEAT = hex('7e0002000004304832546500b7ca7e');

/** "a.jpg" in a 50-byte field, offset 0x00010000, length 5, data 7e 30 31 63 64 (a flag and the magic inside). */
const DATA_FRAME = Buffer.concat([
  hex('30 31 63 64'),
  Buffer.from('a.jpg', 'latin1'),
  Buffer.alloc(45),
  hex('00 01 00 00'),
  hex('00 00 00 05'),
  hex('7e 30 31 63 64'),
]);

type Unit = { frame: string } | { file: string; offset: number; data: string } | { error: string };

function split(chunks: Buffer[], maxData?: number) {
  const s = new AttachmentStreamSplitter(maxData === undefined ? {} : { maxData });
  const units: Unit[] = [];
  for (const c of chunks) {
    s.push(c, {
      frame: (f) => units.push({ frame: f.toString('hex') }),
      fileData: (d: FileData) => units.push({ file: d.name, offset: d.offset, data: d.data.toString('hex') }),
      error: (e: Jt808Error) => units.push({ error: e.code }),
    });
  }
  return { units, s };
}

const HEARTBEAT_UNIT = { frame: '0002000004304832546500b7' };
const DATA_UNIT = { file: 'a.jpg', offset: 0x10000, data: '7e30316364' };

t.test('the encoder writes the layout of the standard', async (t) => {
  t.same(encodeFileData('a.jpg', 0x10000, hex('7e 30 31 63 64')), DATA_FRAME);
  t.throws(() => encodeFileData('x'.repeat(51), 0, Buffer.alloc(0)), { code: 'encode' }, 'a name over 50 bytes');
});

t.test('808 frames and data frames in one stream, whole', async (t) => {
  const { units, s } = split([Buffer.concat([HEARTBEAT, DATA_FRAME, HEARTBEAT])]);
  t.same(units, [HEARTBEAT_UNIT, DATA_UNIT, HEARTBEAT_UNIT], 'the 0x7e and the magic inside the data are data');
  t.equal(s.junkBytes, 0);
  t.equal(s.buffered, 0);
});

t.test('any chunking gives the same units, junk between them counted', async (t) => {
  const junk = hex('00 11 30 31 63');
  const stream = Buffer.concat([junk, HEARTBEAT, DATA_FRAME, junk, DATA_FRAME, HEARTBEAT]);
  const expected = [HEARTBEAT_UNIT, DATA_UNIT, DATA_UNIT, HEARTBEAT_UNIT];
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
      const at = [...new Set(cuts)].sort((a, b) => a - b);
      const chunks = [0, ...at].map((from, i) => stream.subarray(from, at[i] ?? stream.length));
      const { units, s } = split(chunks);
      return JSON.stringify(units) === JSON.stringify(expected) && s.junkBytes === 2 * junk.length && s.buffered === 0;
    }),
  );
  t.pass('200 chunkings');
  const { units } = split([...stream].map((b) => Buffer.from([b])));
  t.same(units, expected, 'byte by byte');
});

t.test('a data frame longer than the bound is refused and the stream goes on', async (t) => {
  const long = Buffer.from(DATA_FRAME);
  long.writeUInt32BE(65537, 58);
  const { units } = split([Buffer.concat([long, HEARTBEAT])]);
  // its data is read as junk up to the next opening: the 0x7e in it opens a frame that the
  // heartbeat's flag closes (too short: truncated), and that flag then opens the heartbeat
  t.same(units, [{ error: 'too_long' }, { error: 'truncated' }, HEARTBEAT_UNIT], 'resynchronised on the next frame');
  const small = split([DATA_FRAME], 4);
  t.same(small.units, [{ error: 'too_long' }], 'maxData applies');
  t.ok(small.s.buffered <= 4, 'nothing of it held');
});

t.test('an empty data frame and a bad 808 frame', async (t) => {
  const empty = Buffer.from(DATA_FRAME.subarray(0, 62));
  empty.writeUInt32BE(0, 58);
  const bad = hex('7e0002000004304832546500b7cb7e'); // check byte off by one
  const { units } = split([Buffer.concat([empty, bad, HEARTBEAT])]);
  t.same(units, [{ file: 'a.jpg', offset: 0x10000, data: '' }, { error: 'checksum' }, HEARTBEAT_UNIT]);
});
