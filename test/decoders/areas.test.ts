/**
 * Area and route vectors. SmallChi's tests publish body-only hex, decoded here through
 * decodeBody with a bare header. Coordinates: 0x075BCD15 = 123456789 micro-degrees =
 * 123.456789 degrees, negative when the hemisphere bit is set.
 */
import t from 'tap';
import { decodeBody, encodeBody } from '../../decoders/index.js';
import type { Edition } from '../../decoders/index.js';
import { hex } from '../helpers/frames.js';

function bodyOf(msgId: number, version: Edition, text: string): unknown {
  const r = decodeBody({ msgId, version, phone: '', serial: 0 }, hex(text));
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.detail}`);
  return (r.message as { body: unknown }).body;
}

function bodyError(msgId: number, version: Edition, text: string): string {
  const r = decodeBody({ msgId, version, phone: '', serial: 0 }, hex(text));
  return r.ok ? 'ok' : r.error.code;
}

const bodyHex = (msgId: number, version: Edition, body: unknown): Buffer => encodeBody({ msgId, version, phone: '1', serial: 0, body });

t.test('0x8600 set circles, 2013 (SmallChi JT808_0x8600Test.cs Test2)', async (t) => {
  const fixture = `
    01                    // action 1: append
    03                    // 3 areas
    000005f2              // id 1522
    00de                  // attr 0000 0000 1101 1110: bit 1 speed, 2-4 alarms, 6 south, 7 west
    075bcd15 075bcd15     // 123456789 each, south and west
    000000c8              // radius 200 m
    003c c8               // bit 1: max 60 km/h for 200 s
    000005f3 0000         // id 1523, no attributes
    075bcd15 075bcd15 000000c8
    000005f4              // id 1524
    08a3                  // attr 0000 1000 1010 0011: bits 0, 1, 5, 7 (west), 11
    075bcd15 075bcd15 000000c8
    181018000012 181019000012 // bit 0: start/end as sent
    003c c8               // bit 1`;
  const body = {
    action: 1,
    areas: [
      { id: 1522, attr: 0xde, lat: -123.456789, lng: -123.456789, radius: 200, maxSpeed: 60, overspeedDuration: 200 },
      { id: 1523, attr: 0, lat: 123.456789, lng: 123.456789, radius: 200 },
      {
        id: 1524,
        attr: 0x08a3,
        lat: 123.456789,
        lng: -123.456789,
        radius: 200,
        startTime: '181018000012',
        endTime: '181019000012',
        maxSpeed: 60,
        overspeedDuration: 200,
      },
    ],
  };
  t.same(bodyOf(0x8600, '2013', fixture), body);
  t.same(bodyHex(0x8600, '2013', body), hex(fixture), 'the encoder gives SmallChi\'s bytes back');
});

t.test('0x8600 set circles, 2019: night speed after the speed pair, then the name (hand-built)', async (t) => {
  const fixture = `
    00 01                 // update, 1 area
    80000001              // id with the DWORD high bit
    0003                  // bits 0 and 1
    01d905c0 06ca4bc0     // 31000000, 113920960: 31.0 N, 113.92096 E
    000003e8              // radius 1000 m
    000000083000 000000180000 // daily 08:30 to 18:00 (zero date = every day)
    0050 0a               // max 80 km/h, 10 s
    003c                  // night max 60 km/h
    0004 ccecc6f8         // name "天气"`;
  const body = {
    action: 0,
    areas: [
      {
        id: 0x80000001,
        attr: 3,
        lat: 31,
        lng: 113.92096,
        radius: 1000,
        startTime: '000000083000',
        endTime: '000000180000',
        maxSpeed: 80,
        overspeedDuration: 10,
        nightMaxSpeed: 60,
        name: '天气',
      },
    ],
  };
  t.same(bodyOf(0x8600, '2019', fixture), body);
  t.same(bodyHex(0x8600, '2019', body), hex(fixture));
});

t.test('0x8601/0x8603/0x8605/0x8607 deletions (hand-built from 2013 table 58)', async (t) => {
  const fixture = '02 // two ids\n 00000001 ffffffff // 1 and 4294967295';
  for (const id of [0x8601, 0x8603, 0x8605, 0x8607]) {
    t.same(bodyOf(id, '2013', fixture), { ids: [1, 0xffffffff] });
    t.same(bodyHex(id, '2013', { ids: [1, 0xffffffff] }), hex(fixture));
    t.same(bodyOf(id, '2013', '00 // delete all'), { ids: [] });
  }
});

t.test('0x8602 set rectangles (SmallChi JT808_0x8602Test.cs Test2)', async (t) => {
  const fixture = `
    01 02                 // append, 2 areas
    000005f2 00de         // id 1522, attr 222: speed, south, west
    075bcd13 075bcd12     // top-left 123456787 / 123456786
    075bcd15 075bcd14     // bottom-right 123456789 / 123456788
    003c c8               // 60 km/h, 200 s
    000005f3 000a         // id 1523, attr bits 1 and 3: north, east
    075bccbe 075bccbf     // 123456702 / 123456703
    075bcCbc 075bccbd     // 123456700 / 123456701
    003c c8`;
  const body = {
    action: 1,
    areas: [
      {
        id: 1522,
        attr: 222,
        topLeftLat: -123.456787,
        topLeftLng: -123.456786,
        bottomRightLat: -123.456789,
        bottomRightLng: -123.456788,
        maxSpeed: 60,
        overspeedDuration: 200,
      },
      {
        id: 1523,
        attr: 10,
        topLeftLat: 123.456702,
        topLeftLng: 123.456703,
        bottomRightLat: 123.4567,
        bottomRightLng: 123.456701,
        maxSpeed: 60,
        overspeedDuration: 200,
      },
    ],
  };
  t.same(bodyOf(0x8602, '2013', fixture), body);
  t.same(bodyHex(0x8602, '2013', body), hex(fixture));
});

t.test('area encoder: signs drive the hemisphere bits', async (t) => {
  // a positive latitude clears a stale south bit; a negative longitude sets the west bit
  t.same(
    bodyHex(0x8600, '2013', { action: 0, areas: [{ id: 1, attr: 0x40, lat: 1.5, lng: -2, radius: 0 }] }),
    hex(`
      00 01 00000001
      0080                // bit 6 cleared, bit 7 set
      0016e360 001e8480   // 1500000, 2000000
      00000000`),
  );
  t.throws(
    () =>
      bodyHex(0x8602, '2013', {
        action: 0,
        areas: [{ id: 1, attr: 0, topLeftLat: 1, topLeftLng: 1, bottomRightLat: -1, bottomRightLng: 2 }],
      }),
    { code: 'encode' },
    'a rectangle across the equator has no single hemisphere bit',
  );
});

t.test('0x8604 set polygon, 2013 (SmallChi JT808_0x8604Test.cs Test2)', async (t) => {
  const fixture = `
    000004d2 0001         // id 1234, attr bit 0: by time
    181120000012 181121000012
    0002                  // 2 vertices
    075bcd15 075bcd14     // 123.456789, 123.456788
    075bccbc 075bccbd     // 123.4567, 123.456701`;
  const body = {
    id: 1234,
    attr: 1,
    startTime: '181120000012',
    endTime: '181121000012',
    vertices: [
      { lat: 123.456789, lng: 123.456788 },
      { lat: 123.4567, lng: 123.456701 },
    ],
  };
  t.same(bodyOf(0x8604, '2013', fixture), body);
  t.same(bodyHex(0x8604, '2013', body), hex(fixture));
});

t.test('0x8604 set polygon, 2019: night speed after the vertices (hand-built)', async (t) => {
  const fixture = `
    00000007 00c2         // id 7, attr bits 1, 6, 7: speed, south, west
    0064 05               // 100 km/h, 5 s
    0001 01312d00 07270e00 // one vertex: 20.000000 S, 120.000000 W
    0032                  // night max 50 km/h
    0000                  // empty name`;
  t.same(bodyOf(0x8604, '2019', fixture), {
    id: 7,
    attr: 0xc2,
    maxSpeed: 100,
    overspeedDuration: 5,
    vertices: [{ lat: -20, lng: -120 }],
    nightMaxSpeed: 50,
    name: '',
  });
});

t.test('0x8606 set route, 2013 (SmallChi JT808_0x8606Test.cs Test2)', async (t) => {
  const fixture = `
    0000270f              // route 9999
    04f4                  // attr: bit 0 clear, no times
    0002                  // 2 points
    000003e8 00000507     // inflection 1000, segment 1287
    075bcd15 075bcd14     // raw 123456789 / 123456788
    38 59                 // width 56 m, attr 0101 1001: bit 0 thresholds, bit 3 west
    0032 007b             // too long 50 s, too short 123 s
    000003e9 00002ee7     // inflection 1001, segment 12007
    075bcd0c 075bcd0d     // 123456780 / 123456781
    4b 32                 // width 75 m, attr 0011 0010: bit 1 speed
    002a 1a               // 42 km/h, 26 s`;
  const body = {
    id: 9999,
    attr: 0x04f4,
    points: [
      { inflectionId: 1000, segmentId: 1287, lat: 123.456789, lng: -123.456788, width: 56, attr: 0x59, longThreshold: 50, shortThreshold: 123 },
      { inflectionId: 1001, segmentId: 12007, lat: 123.45678, lng: 123.456781, width: 75, attr: 0x32, maxSpeed: 42, overspeedDuration: 26 },
    ],
  };
  t.same(bodyOf(0x8606, '2013', fixture), body);
  t.same(bodyHex(0x8606, '2013', body), hex(fixture));
});

t.test('0x8606 set route, 2019 (SmallChi JT808_0x8606Test.cs Test6_2019)', async (t) => {
  const fixture = `
    0000270f 0033         // route 9999, attr bits 0, 1, 4, 5
    200104000012 200104000012 // bit 0: times
    0002
    000003e8 00000507 075bcd15 075bcd14 38
    03                    // bits 0 and 1
    0032 007b             // thresholds 50 / 123 s
    0045 17               // 69 km/h, 23 s
    0050                  // 2019: night 80 km/h
    000003e9 00002ee7 075bcd0c 075bcd0d 4b 03
    003a 007c 002a 1a
    0042                  // night 66 km/h
    0008 6b6f696b65353138 // name "koike518"`;
  const body = {
    id: 9999,
    attr: 0x33,
    startTime: '200104000012',
    endTime: '200104000012',
    points: [
      {
        inflectionId: 1000,
        segmentId: 1287,
        lat: 123.456789,
        lng: 123.456788,
        width: 56,
        attr: 3,
        longThreshold: 50,
        shortThreshold: 123,
        maxSpeed: 69,
        overspeedDuration: 23,
        nightMaxSpeed: 80,
      },
      {
        inflectionId: 1001,
        segmentId: 12007,
        lat: 123.45678,
        lng: 123.456781,
        width: 75,
        attr: 3,
        longThreshold: 58,
        shortThreshold: 124,
        maxSpeed: 42,
        overspeedDuration: 26,
        nightMaxSpeed: 66,
      },
    ],
    name: 'koike518',
  };
  t.same(bodyOf(0x8606, '2019', fixture), body);
  t.same(bodyHex(0x8606, '2019', body), hex(fixture));
});

t.test('0x8608 query areas (SmallChi JT808_0x8608Test.cs)', async (t) => {
  t.same(bodyOf(0x8608, '2019', '00 00000003 00000001 00000002 00000003'), { type: 0, ids: [1, 2, 3] });
  t.same(bodyOf(0x8608, '2019', '01 // circles\n 00000000 // all'), { type: 1, ids: [] });
  t.same(bodyHex(0x8608, '2019', { type: 4, ids: [0x80000000] }), hex('04 00000001 80000000'));
});

t.test('0x0608 query answer: polygon and route (SmallChi JT808_0x0608Test.cs, 2019)', async (t) => {
  t.same(
    bodyOf(0x0608, '2019', `
      03 00000001         // polygons, 1
      000004d2 0001 200107000012 200107000013
      0002 075bcd15 075bcd14 075bccbc 075bccbd
      0008 736d616c6c636869 // no night speed (bit 1 clear), name "smallchi"`),
    {
      type: 3,
      areas: [
        {
          id: 1234,
          attr: 1,
          startTime: '200107000012',
          endTime: '200107000013',
          vertices: [
            { lat: 123.456789, lng: 123.456788 },
            { lat: 123.4567, lng: 123.456701 },
          ],
          name: 'smallchi',
        },
      ],
    },
  );
  const routeAnswer = bodyOf(0x0608, '2019', `
    04 00000001           // routes, 1
    0000270f 0033 200107000012 200107000012
    0001 000003e8 00000507 075bcd15 075bcd14 38 03 0032 007b 0045 17 0050
    0008 6b6f696b65353138`) as { type: number; areas: { name: string; points: unknown[] }[] };
  t.equal(routeAnswer.type, 4);
  t.equal(routeAnswer.areas[0]!.name, 'koike518');
  t.equal(routeAnswer.areas[0]!.points.length, 1);
});

t.test('0x0608 query answer: circles as bare items (hand-built; SmallChi wraps them in 0x8600 bodies)', async (t) => {
  const fixture = `
    01 00000001           // circles, 1
    000005f2 0000 075bcd15 075bcd15 000000c8 // id 1522, no attributes, radius 200
    0000                  // 2019 name, empty`;
  const body = { type: 1, areas: [{ id: 1522, attr: 0, lat: 123.456789, lng: 123.456789, radius: 200, name: '' }] };
  t.same(bodyOf(0x0608, '2019', fixture), body);
  t.same(bodyHex(0x0608, '2019', body), hex(fixture));
  t.same(bodyOf(0x0608, '2019', '07 0102'), { type: 7, raw: Buffer.from([1, 2]) }, 'unknown type kept raw');
});

t.test('truncated area bodies fail alone', async (t) => {
  t.equal(bodyError(0x8600, '2013', '01 01 00000001 0001 075bcd15 075bcd15 000000c8'), 'truncated'); // bit 0 without times
  t.equal(bodyError(0x8600, '2013', '01 02 00000001 0000 075bcd15 075bcd15 000000c8'), 'truncated'); // count 2, one area
  t.equal(bodyError(0x8600, '2019', '01 01 00000001 0000 075bcd15 075bcd15 000000c8'), 'truncated'); // 2019 without name length
  t.equal(bodyError(0x8601, '2013', '02 00000001'), 'truncated');
  t.equal(bodyError(0x8602, '2013', '01 01 00000001 0000 075bcd15 075bcd15 075bcd15'), 'truncated');
  t.equal(bodyError(0x8604, '2013', '00000001 0000 0003 075bcd15 075bcd14'), 'truncated'); // 3 vertices, one half
  t.equal(bodyError(0x8606, '2013', '00000001 0000 0001 000003e8 00000507 075bcd15 075bcd14 38 01 0032'), 'truncated');
  t.equal(bodyError(0x8606, '2019', '00000001 0000 0000 0005 6b6f'), 'truncated'); // name shorter than its length
  t.equal(bodyError(0x8608, '2019', '01 00000002 00000001'), 'truncated');
  t.equal(bodyError(0x0608, '2019', '03 ffffffff'), 'truncated'); // a huge count, no areas
});

t.test('area encoder refuses an attribute whose fields are missing', async (t) => {
  const circle = { id: 1, attr: 1, lat: 0, lng: 0, radius: 0 }; // bit 0 without times
  t.throws(() => bodyHex(0x8600, '2013', { action: 0, areas: [circle] }), { code: 'encode' });
  t.throws(() => bodyHex(0x8604, '2013', { id: 1, attr: 2, vertices: [] }), { code: 'encode' }); // bit 1 without speed
  t.throws(() => bodyHex(0x8604, '2019', { id: 1, attr: 0, vertices: [] }), { code: 'encode' }); // 2019 without name
  t.throws(() => bodyHex(0x8606, '2013', { id: 1, attr: 1, points: [] }), { code: 'encode' }); // route by time, no times
  const point = { inflectionId: 1, segmentId: 1, lat: 0, lng: 0, width: 1, attr: 2 }; // segment speed bit, no speed
  t.throws(() => bodyHex(0x8606, '2013', { id: 1, attr: 0, points: [point] }), { code: 'encode' });
});
